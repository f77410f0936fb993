// Every resolver of the schema. A new module adds its resolvers here, one per line.
import { UsersResolver } from './users/users.resolver.js';
import { AuthPayloadResolver, SessionsResolver } from './sessions/sessions.resolver.js';
import { UserMembershipsResolver } from './organisations/user-memberships.resolver.js';
import { ApplicationsResolver } from './applications/applications.resolver.js';
import { AuditResolver } from './audit/audit.resolver.js';
import { UsersAdminResolver } from './users/users-admin.resolver.js';
import { RolesResolver } from './roles/roles.resolver.js';
import { OrganisationMemberResolver, OrganisationsResolver } from './organisations/organisations.resolver.js';
import { TeamMemberResolver, TeamsResolver } from './organisations/teams.resolver.js';
import { TeamInvitationsResolver } from './organisations/team-invitations.resolver.js';
import { VideosResolver } from './videos/videos.resolver.js';
import { AvatarsResolver } from './avatars/avatars.resolver.js';
import { ApiKeysResolver } from './api-keys/api-keys.resolver.js';
import { SigningKeysResolver } from './signing-keys/signing-keys.resolver.js';
import { EventsResolver } from './events/events.resolver.js';
import { WebhooksResolver } from './webhooks/webhooks.resolver.js';
import { MfaResolver, UserMfaFactorsResolver } from './mfa/mfa.resolver.js';
import { PasskeysResolver } from './passkeys/passkeys.resolver.js';
import { SignInCodesResolver } from './sign-in-codes/sign-in-codes.resolver.js';
import { IdentitiesResolver, UserIdentitiesResolver } from './identities/identities.resolver.js';

export const resolvers = [
  UsersResolver,
  SessionsResolver,
  AuthPayloadResolver,
  UserMembershipsResolver,
  ApplicationsResolver,
  AuditResolver,
  UsersAdminResolver,
  RolesResolver,
  OrganisationsResolver,
  OrganisationMemberResolver,
  TeamsResolver,
  TeamMemberResolver,
  TeamInvitationsResolver,
  VideosResolver,
  AvatarsResolver,
  ApiKeysResolver,
  SigningKeysResolver,
  EventsResolver,
  WebhooksResolver,
  MfaResolver,
  UserMfaFactorsResolver,
  PasskeysResolver,
  SignInCodesResolver,
  IdentitiesResolver,
  UserIdentitiesResolver,
] as const;
