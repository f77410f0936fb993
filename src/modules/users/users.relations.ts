// A user's profile and roles loaded in the same statement as the user (Prisma
// relationJoins: lateral joins), when the query selects them. The rows then
// prime the request's loaders, so the field resolvers find them there instead
// of making a second round trip.
import type { GraphQLResolveInfo } from 'graphql';
import type { Prisma, Profile, Role, User as UserRow } from '../../generated/prisma/client.js';
import type { Loaders } from '../../graphql/loaders.js';
import { selectedFields } from '../../graphql/selection.js';

/** Relations of User whose field resolvers read a loader that can be primed. */
export type UserInclude = Pick<Prisma.UserInclude, 'profile' | 'roles'>;

type UserWithRelations = UserRow & { profile?: Profile | null; roles?: { role: Role }[] };

/** The include for the relations selected under the current field (or under `path` below it). */
export function userRelations(info: GraphQLResolveInfo, ...path: string[]): UserInclude {
  const fields = selectedFields(info, ...path);
  const include: UserInclude = {};
  if (fields.has('profile')) include.profile = true;
  // The order rolesByUserId gives.
  if (fields.has('roles')) include.roles = { select: { role: true }, orderBy: { role: { name: 'asc' } } };
  return include;
}

/**
 * Hands the relations joined by a query made with userRelations()'s include
 * to the loaders, and returns the plain user rows.
 */
export function primeUserRelations(loaders: Loaders, rows: UserRow[]): UserRow[] {
  return (rows as UserWithRelations[]).map(({ profile, roles, ...user }) => {
    if (profile !== undefined) loaders.profileByUserId.prime(user.id, profile);
    if (roles !== undefined) loaders.rolesByUserId.prime(user.id, roles.map((r) => r.role));
    return user;
  });
}
