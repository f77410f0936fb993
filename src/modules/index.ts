// Every resolver of the schema. A new module adds its resolvers here, one per line.
import { UsersResolver } from './users/users.resolver.js';
import { SessionsResolver } from './sessions/sessions.resolver.js';
import { UserMembershipsResolver } from './organisations/user-memberships.resolver.js';
import { ApplicationsResolver } from './applications/applications.resolver.js';
import { VideosResolver } from './videos/videos.resolver.js';
import { AvatarsResolver } from './avatars/avatars.resolver.js';

export const resolvers = [
  UsersResolver,
  SessionsResolver,
  UserMembershipsResolver,
  ApplicationsResolver,
  VideosResolver,
  AvatarsResolver,
] as const;
