// A user's relations (profile, roles, preferences, organisations, teams) loaded
// in the same statement as the user (Prisma
// relationJoins: lateral joins), when the query selects them. The rows then
// prime the request's loaders, so the field resolvers find them there instead
// of making a second round trip.
import type { GraphQLResolveInfo } from 'graphql';
import type { Prisma, Profile, Role, User as UserRow, UserPreference } from '../../generated/prisma/client.js';
import { USER_RELATION_ARGS, type Loaders, type OrganisationMembershipRow, type TeamMembershipRow } from '../../graphql/loaders.js';
import { selectedFields } from '../../graphql/selection.js';
import type { Context } from '../../graphql/context.js';
import { preparedReadsFor } from '../../db/prepared-reads.js';

/** Relations of User whose field resolvers read a loader that can be primed. */
export type UserInclude = Pick<Prisma.UserInclude, 'profile' | 'roles' | 'preferences' | 'organisations' | 'teams'>;

type UserWithRelations = UserRow & {
  profile?: Profile | null;
  roles?: { role: Role }[];
  preferences?: UserPreference[];
  organisations?: OrganisationMembershipRow[];
  teams?: TeamMembershipRow[];
};

/**
 * Each relation's include, read whoever asks: the field resolvers decide what
 * the viewer may see. Roles come in the order rolesByUserId gives.
 */
const INCLUDES: Required<UserInclude> = {
  profile: true,
  roles: { select: { role: true }, orderBy: { role: { name: 'asc' } } },
  ...USER_RELATION_ARGS,
};

/** The include for the relations selected under the current field (or under `path` below it). */
export function userRelations(info: GraphQLResolveInfo, ...path: string[]): UserInclude {
  const fields = selectedFields(info, ...path);
  return Object.fromEntries(Object.entries(INCLUDES).filter(([name]) => fields.has(name)));
}

/** A user by id with the relations in `include` read in the same statement and handed to the loaders; null when there is none. */
export async function findUserWithRelations(ctx: Pick<Context, 'db' | 'loaders'>, id: number, include: UserInclude): Promise<UserRow | null> {
  const prepared = onlyProfileAndRoles(include) ? preparedReadsFor(ctx.db) : undefined;
  const user = prepared
    ? await prepared.user(id, { profile: !!include.profile, roles: !!include.roles })
    : await ctx.db.user.findUnique({ where: { id }, include });
  return user && primeUserRelations(ctx.loaders, [user])[0];
}

/**
 * Whether the include asks for nothing but the profile and the roles (in
 * INCLUDES' form): then the prepared single statement of db/prepared-reads.ts
 * reads the same rows as Prisma would.
 */
export function onlyProfileAndRoles(include: UserInclude): boolean {
  return Object.keys(include).every((name) => name === 'profile' || name === 'roles');
}

/**
 * Hands the relations joined by a query made with userRelations()'s include
 * to the loaders, and returns the plain user rows.
 */
export function primeUserRelations(loaders: Loaders, rows: UserRow[]): UserRow[] {
  return (rows as UserWithRelations[]).map(({ profile, roles, preferences, organisations, teams, ...user }) => {
    if (profile !== undefined) loaders.profileByUserId.prime(user.id, profile);
    if (roles !== undefined)
      loaders.rolesByUserId.prime(
        user.id,
        roles.map((r) => r.role),
      );
    if (preferences !== undefined) loaders.preferencesByUserId.prime(user.id, preferences);
    if (organisations !== undefined) loaders.organisationsByUserId.prime(user.id, organisations);
    if (teams !== undefined) loaders.teamsByUserId.prime(user.id, teams);
    return user;
  });
}
