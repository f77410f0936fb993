// The hot reads (`me`, `user(id)` and the admin users page, with the user's
// profile and roles) as single prepared statements, beside Prisma: per call,
// Prisma's findUnique with the relation include cost 540 us of CPU, the same
// read as one prepared statement building JSON in PostgreSQL about 100 us
// (bench/README.md). Prisma still owns the schema, the migrations and every
// other query; these statements only read.
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

const camel = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** timestamp(3) comes as "2026-12-01T10:30:00.123" (UTC, as Prisma stores it), date as "1990-01-01". */
const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'deletedAt', 'confirmedAt', 'confirmationTokenExpiresAt', 'resetTokenExpiresAt', 'birthDate']);
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/;

/** A row_to_json object with Prisma's field names and types. */
export function prismaRow<T>(json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(json)) {
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
      const { key, columns } = relations(include);
      const text = `SELECT json_build_object('u', row_to_json(u)${columns}) AS entry FROM users u WHERE u.id = $1`;
      const rows = await query(`ug_user_${key}`, text, [id]);
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
  };
  readers.set(prisma, reads);
  return reads;
}
