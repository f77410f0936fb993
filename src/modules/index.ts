// Every resolver of the schema. A new module adds its resolvers here.
import { UsersResolver } from './users/users.resolver.js';
import { SessionsResolver } from './sessions/sessions.resolver.js';
import { UserMembershipsResolver } from './organisations/user-memberships.resolver.js';

export const resolvers = [UsersResolver, SessionsResolver, UserMembershipsResolver] as const;
