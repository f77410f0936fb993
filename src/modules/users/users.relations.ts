// A user's relations (profile, roles, preferences, organisations, teams) loaded
// in the same statement as the user (Prisma
// relationJoins: lateral joins), when the query selects them. The rows then
// prime the request's loaders, so the field resolvers find them there instead
// of making a second round trip.
import type { GraphQLResolveInfo } from 'graphql';
import type { Prisma, Profile, Role, User as UserRow, UserPreference } from '../../generated/prisma/client.js';
import { USER_RELATION_ARGS, type Loaders, type OrganisationMembershipRow, type TeamMembershipRow } from '../../graphql/loaders.js';
import { selectedFields } from '../../graphql/selection.js';

/** Relations of User whose field resolvers read a loader that can be primed. */
export type UserInclude = Pick<Prisma.UserInclude, 'profile' | 'roles' | 'preferences' | 'organisations' | 'teams'>;

type UserWithRelations = UserRow & {
  profile?: Profile | null;
  roles?: { role: Role }[];
  preferences?: UserPreference[];
  organisations?: OrganisationMembershipRow[];
  teams?: TeamMembershipRow[];
};

/** The include for the relations selected under the current field (or under `path` below it). */
export function userRelations(info: GraphQLResolveInfo, ...path: string[]): UserInclude {
  const fields = selectedFields(info, ...path);
  const include: UserInclude = {};
  if (fields.has('profile')) include.profile = true;
  // The order rolesByUserId gives.
  if (fields.has('roles')) include.roles = { select: { role: true }, orderBy: { role: { name: 'asc' } } };
  // Read whoever asks: the field resolvers decide what the viewer may see.
  if (fields.has('preferences')) include.preferences = USER_RELATION_ARGS.preferences;
  if (fields.has('organisations')) include.organisations = USER_RELATION_ARGS.organisations;
  if (fields.has('teams')) include.teams = USER_RELATION_ARGS.teams;
  return include;
}

/**
 * Hands the relations joined by a query made with userRelations()'s include
 * to the loaders, and returns the plain user rows.
 */
export function primeUserRelations(loaders: Loaders, rows: UserRow[]): UserRow[] {
  return (rows as UserWithRelations[]).map(({ profile, roles, preferences, organisations, teams, ...user }) => {
    if (profile !== undefined) loaders.profileByUserId.prime(user.id, profile);
    if (roles !== undefined) loaders.rolesByUserId.prime(user.id, roles.map((r) => r.role));
    if (preferences !== undefined) loaders.preferencesByUserId.prime(user.id, preferences);
    if (organisations !== undefined) loaders.organisationsByUserId.prime(user.id, organisations);
    if (teams !== undefined) loaders.teamsByUserId.prime(user.id, teams);
    return user;
  });
}
