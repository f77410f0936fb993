// The hot reads (`me`, `user(id)` and the admin users page, with the user's
// profile and roles) as single prepared statements, beside Prisma: per call,
// Prisma's findUnique with the relation include cost 540 us of CPU, the same
// read as one prepared statement building JSON in PostgreSQL about 100 us
// (bench/README.md). The refresh path's one write, the token rotation, runs
// the same way (Prisma's $queryRaw of it was 12% of a refresh's CPU). Prisma
// still owns the schema, the migrations and every other query.
//
// Staying in step with Prisma: each table's row is read whole
// (`row_to_json`), so a column added by a migration comes along by itself;
// its key is the column name in camelCase (the @map convention of
// schema.prisma) and DateTime columns become Dates. test/prepared-reads.test.ts
// compares these rows with Prisma's own reads of the same users, field by
// field, on both databases: a column whose Prisma name or type breaks the
// convention fails it.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { PrismaClient, Profile, Role, User as UserRow } from '../generated/prisma/client.js';

export interface UserWithProfileAndRoles extends UserRow {
  profile?: Profile | null;
  roles?: { role: Role }[];
}

export interface PreparedReads {
  /** A user by id, with the profile and/or roles when asked, in one statement; null when there is none. */
  user(id: number, include: { profile?: boolean; roles?: boolean }): Promise<UserWithProfileAndRoles | null>;
  /** Live users (not deleted) in id order, `take` from `skip`, with the total, in one statement. */
  liveUsersPage(skip: number, take: number, include: { profile?: boolean; roles?: boolean }): Promise<{ total: number; items: UserWithProfileAndRoles[] }>;
  /**
   * The refresh path's one write (sessions.service.ts `rotateCurrentToken`):
   * moves a current, live session of an active user to its next refresh
   * token; null when `hash` is not such a token.
   */
  rotateRefreshToken(rotation: RefreshRotation): Promise<RotatedSession | null>;
}

/** The session a rotation moved on (the statement's RETURNING). */
export type RotatedSession = {
  id: string;
  user_id: number;
  amr: string[];
};

export interface RefreshRotation {
  hash: string;
  nextHash: string;
  sealed: string;
  now: Date;
}

/** The statement behind rotateRefreshToken; sessions.service.ts runs the same text through Prisma inside a transaction. */
export const ROTATE_REFRESH_TOKEN = `UPDATE sessions s
    SET previous_refresh_token_hash = s.refresh_token_hash, refresh_token_hash = $2, successor_sealed = $3,
        refreshed_at = $4::timestamp(3), last_used_at = $4::timestamp(3)
    FROM users u
    WHERE s.refresh_token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $4::timestamp(3)
      AND u.id = s.user_id AND u.active AND u.deleted_at IS NULL
    RETURNING s.id, s.user_id, s.amr`;

/** Statement parameters for a rotation; timestamps go as UTC ISO text, as Prisma stores them (timestamp without time zone). */
export function rotationParameters({ hash, nextHash, sealed, now }: RefreshRotation): string[] {
  return [hash, nextHash, sealed, now.toISOString()];
}

type Run = (name: string, text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

const readers = new WeakMap<object, PreparedReads>();

/** The prepared reads of this Prisma client's database, or undefined (e.g. for a transaction's client, whose reads must stay in it). */
export function preparedReadsFor(db: object): PreparedReads | undefined {
  return readers.get(db);
}

/** On PostgreSQL: named prepared statements on the Prisma adapter's own pool. */
export function pgRunner(pool: pg.Pool): Run {
  return async (name, text, values) => (await pool.query<Record<string, unknown>>({ name, text, values })).rows;
}

/** On PGlite: its query API (the extended protocol, one statement). */
export function pgliteRunner(pglite: PGlite): Run {
  return async (_name, text, values) => (await pglite.query<Record<string, unknown>>(text, values)).rows;
}

const fieldNames = new Map<string, string>();
/** The Prisma field name of a column (`created_at` → `createdAt`), worked out once per column name. */
function camel(column: string): string {
  let field = fieldNames.get(column);
  if (field === undefined) {
    field = column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    fieldNames.set(column, field);
  }
  return field;
}
/** timestamp(3) comes as "2026-12-01T10:30:00.123" (UTC, as Prisma stores it), date as "1990-01-01". */
const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'deletedAt', 'confirmedAt', 'confirmationTokenExpiresAt', 'resetTokenExpiresAt', 'birthDate']);
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/;

/** A row_to_json object with Prisma's field names and types. */
export function prismaRow<T>(json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const column in json) {
    const value = json[column];
    const field = camel(column);
    row[field] = typeof value === 'string' && DATE_FIELDS.has(field) ? new Date(TIMESTAMP.test(value) ? `${value}Z` : value) : value;
  }
  return row as T;
}

const PROFILE = `(SELECT row_to_json(p) FROM profiles p WHERE p.user_id = u.id)`;
// Roles in name order, as rolesByUserId and the Prisma include give them.
const ROLES = `(SELECT coalesce(json_agg(r ORDER BY r.name), '[]'::json) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id)`;

function relations(include: { profile?: boolean; roles?: boolean }): { key: string; columns: string } {
  const key = `${include.profile ? 'p' : ''}${include.roles ? 'r' : ''}`;
  const columns = `${include.profile ? `, 'profile', ${PROFILE}` : ''}${include.roles ? `, 'roles', ${ROLES}` : ''}`;
  return { key, columns };
}

/** The statement behind `user()` (its one parameter is the id; one row `{ entry: { u, profile?, roles? } }`); also bench/lib/floor.mjs's. */
export function userStatement(include: { profile?: boolean; roles?: boolean }): { name: string; text: string } {
  const { key, columns } = relations(include);
  return { name: `ug_user_${key}`, text: `SELECT json_build_object('u', row_to_json(u)${columns}) AS entry FROM users u WHERE u.id = $1` };
}

function withRelations(entry: {
  u: Record<string, unknown>;
  profile?: Record<string, unknown> | null;
  roles?: Record<string, unknown>[];
}): UserWithProfileAndRoles {
  const user = prismaRow<UserWithProfileAndRoles>(entry.u);
  if ('profile' in entry) user.profile = entry.profile ? prismaRow<Profile>(entry.profile) : null;
  if (entry.roles) user.roles = entry.roles.map((r) => ({ role: prismaRow<Role>(r) }));
  return user;
}

/** Registers the prepared reads for this Prisma client; `onStatement` counts each statement as Prisma's are counted. */
export function registerPreparedReads(prisma: PrismaClient, run: Run, onStatement?: () => void): PreparedReads {
  const query: Run = (name, text, values) => {
    onStatement?.();
    return run(name, text, values);
  };
  const reads: PreparedReads = {
    async user(id, include) {
      const { name, text } = userStatement(include);
      const rows = await query(name, text, [id]);
      return rows.length ? withRelations(rows[0].entry as never) : null;
    },
    async liveUsersPage(skip, take, include) {
      const { key, columns } = relations(include);
      const text = `SELECT (SELECT count(*) FROM users WHERE deleted_at IS NULL)::int AS total,
        (SELECT coalesce(json_agg(json_build_object('u', row_to_json(u)${columns}) ORDER BY u.id), '[]'::json)
           FROM (SELECT * FROM users WHERE deleted_at IS NULL ORDER BY id LIMIT $1 OFFSET $2) u) AS items`;
      const [row] = await query(`ug_users_page_${key}`, text, [take, skip]);
      return { total: Number(row.total), items: (row.items as never[]).map(withRelations) };
    },
    async rotateRefreshToken(rotation) {
      const rows = await query('ug_rotate_refresh_token', ROTATE_REFRESH_TOKEN, rotationParameters(rotation));
      return (rows[0] as RotatedSession | undefined) ?? null;
    },
  };
  readers.set(prisma, reads);
  return reads;
}
