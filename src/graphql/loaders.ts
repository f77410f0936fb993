// Per-request batch loaders: each relation of a list of users loads in one
// query, never one query per parent row.
import DataLoader from 'dataloader';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { VideoWithJob } from '../modules/videos/videos.mapper.js';
import type {
  MfaFactor,
  Organisation,
  OrganisationMember,
  Profile,
  Role,
  Team,
  TeamMember,
  User,
  UserIdentity,
  UserPreference,
} from '../generated/prisma/client.js';

function groupBy<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

export interface OrganisationMembershipRow {
  userId: number;
  roles: string[];
  organisation: { id: number; name: string; logoKey: string | null; logoProperties: unknown };
}

export interface TeamMembershipRow {
  userId: number;
  roles: string[];
  team: { id: number; name: string; ownerId: number; organisationId: number | null };
}

/** How a user's relations are read, shared by the loaders and by a user query that includes them (users.relations.ts). */
export const USER_RELATION_ARGS = {
  preferences: { orderBy: { id: 'asc' } },
  organisations: {
    include: { organisation: { select: { id: true, name: true, logoKey: true, logoProperties: true } } },
    orderBy: { organisationId: 'asc' },
  },
  teams: {
    include: { team: { select: { id: true, name: true, ownerId: true, organisationId: true } } },
    orderBy: { teamId: 'asc' },
  },
} as const satisfies { preferences: Prisma.User$preferencesArgs; organisations: Prisma.User$organisationsArgs; teams: Prisma.User$teamsArgs };

/** One factory per loader; a request's loaders are made on first use (see createLoaders). */
const loaderFactories = {
  /** Any user by id, deleted ones included (owners and members of teams and organisations). */
  userById: (db: PrismaClient) =>
    new DataLoader<number, User | null>(async (ids) => {
      const rows = await db.user.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  organisationById: (db: PrismaClient) =>
    new DataLoader<number, Organisation | null>(async (ids) => {
      const rows = await db.organisation.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((o) => [o.id, o]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  teamById: (db: PrismaClient) =>
    new DataLoader<number, Team | null>(async (ids) => {
      const rows = await db.team.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((t) => [t.id, t]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  roleById: (db: PrismaClient) =>
    new DataLoader<number, Role | null>(async (ids) => {
      const rows = await db.role.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  /** Videos with their trim job, by uuid (callers check the uuid's form first). */
  videoById: (db: PrismaClient) =>
    new DataLoader<string, VideoWithJob | null>(async (ids) => {
      const rows = await db.video.findMany({ where: { id: { in: [...ids] } }, include: { trimRequest: true } });
      const byId = new Map(rows.map((v) => [v.id, v]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  membersByOrganisationId: (db: PrismaClient) =>
    new DataLoader<number, OrganisationMember[]>(async (organisationIds) => {
      const rows = await db.organisationMember.findMany({
        where: { organisationId: { in: [...organisationIds] } },
        orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
      });
      return groupBy(organisationIds, rows, (r) => r.organisationId);
    }),
  membersByTeamId: (db: PrismaClient) =>
    new DataLoader<number, TeamMember[]>(async (teamIds) => {
      const rows = await db.teamMember.findMany({
        where: { teamId: { in: [...teamIds] } },
        orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
      });
      return groupBy(teamIds, rows, (r) => r.teamId);
    }),
  profileByUserId: (db: PrismaClient) =>
    new DataLoader<number, Profile | null>(async (userIds) => {
      const rows = await db.profile.findMany({ where: { userId: { in: [...userIds] } } });
      const byUser = new Map(rows.map((p) => [p.userId, p]));
      return userIds.map((id) => byUser.get(id) ?? null);
    }),
  rolesByUserId: (db: PrismaClient) =>
    new DataLoader<number, Role[]>(async (userIds) => {
      // One statement (Prisma's include took two: user_roles, then roles).
      const rows = await db.$queryRaw<(Role & { userId: number })[]>`
        SELECT ur.user_id AS "userId", r.id, r.name, r.description, r.unchangeable, r.created_at AS "createdAt", r.updated_at AS "updatedAt"
        FROM user_roles ur JOIN roles r ON r.id = ur.role_id
        WHERE ur.user_id = ANY(${[...userIds]}::int[])
        ORDER BY r.name ASC`;
      return groupBy(userIds, rows, (r) => r.userId).map((group) => group.map(({ userId: _userId, ...role }) => role));
    }),
  /** Second factors (TOTP and passkeys) of each user, oldest first. */
  mfaFactorsByUserId: (db: PrismaClient) =>
    new DataLoader<number, MfaFactor[]>(async (userIds) => {
      const rows = await db.mfaFactor.findMany({ where: { userId: { in: [...userIds] } }, orderBy: { id: 'asc' } });
      return groupBy(userIds, rows, (r) => r.userId);
    }),
  preferencesByUserId: (db: PrismaClient) =>
    new DataLoader<number, UserPreference[]>(async (userIds) => {
      const rows = await db.userPreference.findMany({ where: { userId: { in: [...userIds] } }, ...USER_RELATION_ARGS.preferences });
      return groupBy(userIds, rows, (r) => r.userId);
    }),
  organisationsByUserId: (db: PrismaClient) =>
    new DataLoader<number, OrganisationMembershipRow[]>(async (userIds) => {
      const rows = await db.organisationMember.findMany({ where: { userId: { in: [...userIds] } }, ...USER_RELATION_ARGS.organisations });
      return groupBy(userIds, rows, (r) => r.userId);
    }),
  teamsByUserId: (db: PrismaClient) =>
    new DataLoader<number, TeamMembershipRow[]>(async (userIds) => {
      const rows = await db.teamMember.findMany({ where: { userId: { in: [...userIds] } }, ...USER_RELATION_ARGS.teams });
      return groupBy(userIds, rows, (r) => r.userId);
    }),
  /** Linked provider identities, oldest link first. */
  identitiesByUserId: (db: PrismaClient) =>
    new DataLoader<number, UserIdentity[]>(async (userIds) => {
      const rows = await db.userIdentity.findMany({ where: { userId: { in: [...userIds] } }, orderBy: [{ linkedAt: 'asc' }, { id: 'asc' }] });
      return groupBy(userIds, rows, (r) => r.userId);
    }),
};

export type Loaders = { readonly [K in keyof typeof loaderFactories]: ReturnType<(typeof loaderFactories)[K]> };

/**
 * A request's loaders. Each is made when a resolver first asks for it: a
 * request reads two or three of the fifteen, and making all of them cost 2 KB
 * and a dozen closures per request (bench/lib/allocations.mjs).
 */
class RequestLoaders {
  constructor(readonly db: PrismaClient) {}
}
for (const name of Object.keys(loaderFactories) as (keyof typeof loaderFactories)[]) {
  Object.defineProperty(RequestLoaders.prototype, name, {
    get(this: RequestLoaders) {
      // Made once per request: the loader then sits on the instance, in front of this getter.
      const loader = loaderFactories[name](this.db);
      Object.defineProperty(this, name, { value: loader, enumerable: true });
      return loader;
    },
  });
}

export function createLoaders(db: PrismaClient): Loaders {
  return new RequestLoaders(db) as unknown as Loaders;
}
