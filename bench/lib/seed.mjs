// Seeds the benchmark database through `pg`, server-side with
// generate_series (seconds for 10,000 users): users sharing one real bcrypt
// hash, a profile and a preferences row each, two extra roles spread over
// them, and sessions whose refresh tokens are known (`bench-refresh-<n>`,
// stored as SHA-256 hex exactly as src/auth/tokens.ts hashes them).
import bcrypt from 'bcryptjs';

export const BENCH_PASSWORD = 'bench-password-1';
export const userEmail = (n) => `user${n}@bench.test`;
export const refreshToken = (n) => `bench-refresh-${n}`;

export async function seed(client, { users, cost, refreshSessions }) {
  const hash = await bcrypt.hash(BENCH_PASSWORD, cost);
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO users (email, username, password_hash, active, confirmed_at, updated_at)
     SELECT 'user' || n || '@bench.test', 'user' || n, $1, true, now(), now() FROM generate_series(1, $2) AS n`,
    [hash, users],
  );
  await client.query(
    `INSERT INTO profiles (user_id, first_name, last_name, time_zone, custom_fields, updated_at)
     SELECT id, 'First' || id, 'Last' || id, 'Europe/Paris', '{"team":"bench"}', now() FROM users WHERE email LIKE 'user%@bench.test'`,
  );
  await client.query(
    `INSERT INTO user_preferences (user_id, preferences, updated_at)
     SELECT id, '{"theme":"dark","locale":"en"}', now() FROM users WHERE email LIKE 'user%@bench.test'`,
  );
  await client.query(
    `INSERT INTO roles (name, description, updated_at) VALUES ('editor', 'bench', now()), ('viewer', 'bench', now())
     ON CONFLICT (name) DO NOTHING`,
  );
  await client.query(
    `INSERT INTO user_roles (user_id, role_id)
     SELECT u.id, r.id FROM users u JOIN roles r ON r.name = 'viewer' WHERE u.email LIKE 'user%@bench.test'
     UNION ALL
     SELECT u.id, r.id FROM users u JOIN roles r ON r.name = 'editor' WHERE u.email LIKE 'user%@bench.test' AND u.id % 3 = 0`,
  );
  if (refreshSessions > 0) {
    await client.query(
      `INSERT INTO sessions (id, user_id, refresh_token_hash, expires_at)
       SELECT gen_random_uuid(), (SELECT min(id) FROM users WHERE email LIKE 'user%@bench.test') + (n % $2),
              encode(sha256(convert_to('bench-refresh-' || n, 'UTF8')), 'hex'), now() + interval '1 day'
       FROM generate_series(1, $1) AS n`,
      [refreshSessions, users],
    );
  }
  await client.query('COMMIT');
  // As autovacuum leaves a database that has been running: statistics, and the
  // visibility map that lets counts (ours and the peer's) read indexes only.
  await client.query('VACUUM ANALYZE');
}
