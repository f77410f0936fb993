// Account and session findings of the outside security review (issue 10,
// item 11): races between logins and password changes, tokens that outlive a
// credential change, refresh replay within the grace, single-use tokens under
// concurrency, identities (case, lock-out, invisible characters), and the
// smaller leaks (reset timing, registration without a limit). Each test here
// failed on the code before its fix.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import {
  ChangePasswordDocument,
  ConfirmUserDocument,
  LoginDocument,
  MeDocument,
  RefreshSessionDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  UpdateMeDocument,
  UpdateUserDocument,
  UserByUsernameDocument,
  ValidatePasswordResetTokenDocument,
} from './__generated__/graphql';
import { startTestServer, tokenFromMail, type TestServer } from './support/server';
import { PASSWORD, dataOf, expectCode, onlyError, signIn, signInAsAdmin, signUp, sleep as delay, uniqueEmail, registerUser } from './support/fixtures';

const NEW_PASSWORD = 'new-password-2';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    // bcrypt as slow as a small production cost, so a login spends real time between reading the hash and opening its session.
    BCRYPT_COST: '8',
    // Concurrent uses of one token count the losers as wrong guesses; keep the per-IP guess limit out of the way.
    TOKEN_GUESSES_PER_IP: '1000',
    RESET_REQUESTS_PER_IP: '1000',
    // The registration limit is tested at its default, from its own forwarded address.
    REGISTRATIONS_PER_IP: '',
    TRUST_PROXY: '1',
  });
});
afterAll(() => server.stop());

async function resetTokenFor(email: string): Promise<string> {
  expect(dataOf(await server.gql(RequestPasswordResetDocument, { email })).requestPasswordReset).toBe(true);
  return tokenFromMail(await server.waitForMail(email, 'Subject: Reset your password'));
}

async function isLive(accessToken: string): Promise<boolean> {
  const me = await server.gql(MeDocument, {}, { token: accessToken });
  return !!me.data?.me;
}

describe('a password change ends every session obtained with the old password', () => {
  it('including logins that read the old hash while the change ran', async () => {
    const { email } = await registerUser(server);
    const owner = await signIn(server, email, PASSWORD);
    const logins = Array.from({ length: 24 }, (_, i) => delay(i * 4).then(() => server.gql(LoginDocument, { identifier: email, password: PASSWORD })));
    const change = delay(40).then(() =>
      server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { token: owner.accessToken }),
    );
    const results = await Promise.all(logins);
    expect((await change).data?.changePassword).toBe(true);
    const opened = results.flatMap((r) => (r.data?.login ? [r.data.login] : []));
    for (const r of results) if (!r.data?.login) expect(['UNAUTHENTICATED', 'RATE_LIMITED']).toContain(onlyError(r).extensions?.code);
    const survivors = [];
    for (const session of opened) {
      if (await isLive(session.accessToken)) survivors.push(session.session?.id);
      expectCode(await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken }), 'UNAUTHENTICATED');
    }
    expect(survivors).toEqual([]);
    expect(await isLive(owner.accessToken)).toBe(true);
  });
});

describe('a password or email change invalidates outstanding reset and confirmation tokens', () => {
  it('a reset token mailed before a password change no longer works', async () => {
    const { email } = await registerUser(server);
    const session = await signIn(server, email, PASSWORD);
    const token = await resetTokenFor(email);
    expect(
      (await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { token: session.accessToken })).errors,
    ).toBeUndefined();
    expect(dataOf(await server.gql(ValidatePasswordResetTokenDocument, { token })).validatePasswordResetToken).toBe(false);
    const reset = await server.gql(ResetPasswordDocument, { token, password: 'attacker-password-1' });
    expectCode(reset, 'BAD_USER_INPUT');
    expect(onlyError(reset).extensions?.fields).toEqual([{ field: 'token', message: 'Invalid or expired token.' }]);
    await signIn(server, email, NEW_PASSWORD);
  });

  it('a reset token mailed to the old address no longer works after an email change', async () => {
    const { email } = await registerUser(server);
    const session = await signIn(server, email, PASSWORD);
    const token = await resetTokenFor(email);
    const changed = await server.gql(UpdateMeDocument, { input: { email: uniqueEmail('moved'), currentPassword: PASSWORD } }, { token: session.accessToken });
    expect(changed.errors).toBeUndefined();
    expectCode(await server.gql(ResetPasswordDocument, { token, password: 'attacker-password-1' }), 'BAD_USER_INPUT');
  });

  it('a password set through updateMe or by an admin also invalidates them', async () => {
    const { email, id } = await registerUser(server);
    const session = await signIn(server, email, PASSWORD);
    const first = await resetTokenFor(email);
    const viaUpdateMe = await server.gql(UpdateMeDocument, { input: { password: NEW_PASSWORD, currentPassword: PASSWORD } }, { token: session.accessToken });
    expect(viaUpdateMe.errors).toBeUndefined();
    expectCode(await server.gql(ResetPasswordDocument, { token: first, password: 'attacker-password-1' }), 'BAD_USER_INPUT');
    const second = await resetTokenFor(email);
    const admin = await signInAsAdmin(server);
    expect((await server.gql(UpdateUserDocument, { id, input: { password: 'admin-chosen-3' } }, { token: admin.accessToken })).errors).toBeUndefined();
    expectCode(await server.gql(ResetPasswordDocument, { token: second, password: 'attacker-password-1' }), 'BAD_USER_INPUT');
  });

  it('a confirmation token mailed before a password change no longer signs in', async () => {
    const { email, id } = await registerUser(server);
    const confirmation = tokenFromMail((await server.mails(email))[0]);
    const session = await signIn(server, email, PASSWORD);
    expect(
      (await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { token: session.accessToken })).errors,
    ).toBeUndefined();
    expectCode(await server.gql(ConfirmUserDocument, { id, token: confirmation }), 'BAD_USER_INPUT');
  });
});

describe('refresh-token replay within the grace', () => {
  it('returns the same successor, so the chain is not forked and the rightful holder keeps it', async () => {
    const session = await signUp(server);
    const first = await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken });
    const t1 = dataOf(first).refreshSession.refreshToken;
    const replay = await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken });
    expect(replay.errors).toBeUndefined();
    expect(dataOf(replay).refreshSession.refreshToken).toBe(t1);
    expect(await isLive(dataOf(replay).refreshSession.accessToken)).toBe(true);
    // The holder of T1 is not locked out by the replay.
    const next = await server.gql(RefreshSessionDocument, { refreshToken: t1 });
    expect(next.errors).toBeUndefined();
    expect(dataOf(next).refreshSession.refreshToken).not.toBe(t1);
  });

  it('20 concurrent refreshes of one token all get the same successor: one live chain', async () => {
    const session = await signUp(server);
    const results = await Promise.all(Array.from({ length: 20 }, () => server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken })));
    const successors = new Set(results.flatMap((r) => (r.data?.refreshSession ? [r.data.refreshSession.refreshToken] : [])));
    expect(successors.size).toBe(1);
    const [successor] = successors;
    const next = await server.gql(RefreshSessionDocument, { refreshToken: successor });
    expect(next.errors).toBeUndefined();
  });
});

describe('single-use tokens are used once, however many requests race', () => {
  it('one confirmation token used 15 times at once signs in once', async () => {
    const { email, id } = await registerUser(server);
    const token = tokenFromMail((await server.mails(email))[0]);
    const results = await Promise.all(Array.from({ length: 15 }, () => server.gql(ConfirmUserDocument, { id, token })));
    const signedIn = results.filter((r) => r.data?.confirmUser);
    expect(signedIn).toHaveLength(1);
    for (const r of results) if (!r.data?.confirmUser) expectCode(r, 'BAD_USER_INPUT');
  });

  it('one reset token used 15 times at once sets a password once', async () => {
    const { email } = await registerUser(server);
    const token = await resetTokenFor(email);
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => server.gql(ResetPasswordDocument, { token, password: `racing-password-${i}` })));
    expect(results.filter((r) => r.data?.resetPassword === true)).toHaveLength(1);
    for (const r of results) if (!r.data?.resetPassword) expectCode(r, 'BAD_USER_INPUT');
  });
});

describe('identities', () => {
  it('usernames are unique whatever their case, and sign in whatever the case typed', async () => {
    const name = `Case${Date.now()}`;
    await registerUser(server, { username: name });
    for (const variant of [name.toLowerCase(), name.toUpperCase()]) {
      const again = await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, username: variant } });
      expectCode(again, 'CONFLICT');
      expect(onlyError(again).extensions?.fields).toEqual([{ field: 'input.username', message: 'That username is already taken.' }]);
    }
    await signIn(server, name.toLowerCase(), PASSWORD);
    const admin = await signInAsAdmin(server);
    expect(dataOf(await server.gql(UserByUsernameDocument, { username: name.toUpperCase() }, { token: admin.accessToken })).userByUsername.username).toBe(name);
    const other = await signUp(server);
    const taken = await server.gql(UpdateMeDocument, { input: { username: name.toUpperCase() } }, { token: other.accessToken });
    expectCode(taken, 'CONFLICT');
  });

  it('counts failed logins by email and by username against one lock per account', async () => {
    const username = `lock${Date.now()}`;
    const { email } = await registerUser(server, { username });
    const identifiers = [email, username, email.toUpperCase(), username.toUpperCase(), email];
    for (const identifier of identifiers) expectCode(await server.gql(LoginDocument, { identifier, password: 'wrong-password' }), 'UNAUTHENTICATED');
    expectCode(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }), 'RATE_LIMITED');
    expectCode(await server.gql(LoginDocument, { identifier: username, password: PASSWORD }), 'RATE_LIMITED');
  });

  it.each([
    ['a@.x.co', 'Email is not a valid address.'],
    ['a@x..co', 'Email is not a valid address.'],
    ['a@-.-', 'Email is not a valid address.'],
    ['a..b@x.co', 'Email is not a valid address.'],
    ['zero\u200bwidth@x.co', 'Email must not contain invisible or control characters.'],
    ['bidi\u202e@x.co', 'Email must not contain invisible or control characters.'],
  ])('refuses the email %j with BAD_USER_INPUT naming the field', async (email, message) => {
    const result = await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    expectCode(result, 'BAD_USER_INPUT');
    expect(onlyError(result).extensions?.fields).toEqual([{ field: 'input.email', message }]);
  });

  it.each(['ad\u200bmin', 'admin\u2066', 'adm\u00adin'])('refuses the username %j with BAD_USER_INPUT naming the field', async (username) => {
    const result = await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, username } });
    expectCode(result, 'BAD_USER_INPUT');
    expect(onlyError(result).extensions?.fields).toEqual([{ field: 'input.username', message: 'Username must not contain invisible or control characters.' }]);
  });

  it.each([
    [
      '003 (POST /v1/users, a form)',
      (email: string) =>
        server.post('/v1/users', new URLSearchParams({ email, username: `rest${Date.now()}`, password: PASSWORD, pass_confirm: PASSWORD }).toString(), {
          'content-type': 'application/x-www-form-urlencoded',
        }),
    ],
    [
      '000 (POST /api/v1/users/registration, JSON:API)',
      (email: string) =>
        server.post('/api/v1/users/registration', JSON.stringify({ data: { type: 'users', attributes: { email, password: PASSWORD } } }), {
          'content-type': 'application/vnd.api+json',
        }),
    ],
  ])('REST dialect %s maps these errors as it maps other validation errors', async (_, post) => {
    const plain = await post('not-an-email');
    const plainBody = JSON.stringify(await plain.json());
    expect(plain.status).toBeGreaterThanOrEqual(400);
    expect(plain.status).toBeLessThan(500);
    for (const email of ['a@x..co', 'a@-.-', 'zero\u200bwidth@x.co']) {
      const response = await post(email);
      expect(response.status).toBe(plain.status);
      const body = JSON.stringify(await response.json());
      // The same shape, pointing at the same field; only the message may differ.
      expect(body.replace(/Email [^"]*\./g, 'MESSAGE')).toBe(plainBody.replace(/Email [^"]*\./g, 'MESSAGE'));
    }
  });
});

describe('smaller leaks', () => {
  it('requestPasswordReset answers in the same time for an existing and an unknown account', async () => {
    const existing: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { email } = await registerUser(server);
      for (const [target, list] of [
        [email, existing],
        [uniqueEmail('ghost'), unknown],
      ] as const) {
        const started = performance.now();
        expect(dataOf(await server.gql(RequestPasswordResetDocument, { email: target })).requestPasswordReset).toBe(true);
        list.push(performance.now() - started);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Both paths answer at the same fixed moment (250 ms), whatever the work behind an existing account costs.
    expect(Math.min(...existing, ...unknown)).toBeGreaterThanOrEqual(240);
    expect(Math.abs(median(existing) - median(unknown))).toBeLessThan(100);
  });

  it('limits registrations per IP, with Retry-After, on GraphQL and the REST registration routes', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.9' };
    const form = { 'content-type': 'application/x-www-form-urlencoded', ...ip };
    for (let i = 0; i < 30; i++) {
      const ok = await server.gql(RegisterDocument, { input: { email: uniqueEmail('burst'), password: PASSWORD } }, { headers: ip });
      expect(ok.errors).toBeUndefined();
    }
    const limited = await server.gql(RegisterDocument, { input: { email: uniqueEmail('burst'), password: PASSWORD } }, { headers: ip });
    expect(onlyError(limited)).toMatchObject({
      message: expect.stringMatching(/^Too many registrations from your network\. Try again in \d+ seconds\.$/),
      extensions: { code: 'RATE_LIMITED' },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const rest = await server.post(
      '/v1/users',
      new URLSearchParams({ email: uniqueEmail('burst'), username: `burst${Date.now()}`, password: PASSWORD, pass_confirm: PASSWORD }).toString(),
      form,
    );
    expect(rest.status).toBe(429);
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    const jsonapi = await server.post(
      '/api/v1/users/registration',
      JSON.stringify({ data: { type: 'users', attributes: { email: uniqueEmail('burst'), password: PASSWORD } } }),
      {
        'content-type': 'application/vnd.api+json',
        ...ip,
      },
    );
    expect(jsonapi.status).toBe(429);
    // Another address still registers.
    expect((await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD } })).errors).toBeUndefined();
  });
});

describe('the migration to case-insensitive usernames', () => {
  const migrations = path.resolve(__dirname, '../prisma/migrations');
  const CLASHING = `INSERT INTO users (email, username, updated_at) VALUES
    ('a@x.co', 'admin', now()), ('b@x.co', 'Admin', now()), ('c@x.co', 'ADMIN', now()), ('d@x.co', 'bob', now()),
    ('e@x.co', repeat('Z', 64), now()), ('f@x.co', repeat('z', 64), now())`;
  const RESULT = `SELECT json_build_object(
    'users', (SELECT json_agg(username ORDER BY id) FROM users),
    'renames', (SELECT json_agg(json_build_object('id', subject_user_id, 'from', details->>'from', 'to', details->>'to') ORDER BY subject_user_id)
                FROM audit_events WHERE type = 'username.renamed_by_migration')) AS result`;

  /** Runs every migration before the one under test, the clashing rows, that migration, and returns RESULT. */
  async function migrateWithClashes(): Promise<{ users: string[]; renames: { id: number; from: string; to: string }[] }> {
    const dirs = (await fs.readdir(migrations)).filter((d) => /^\d+_/.test(d)).sort();
    const target = dirs.findIndex((d) => d.endsWith('_account_security'));
    const read = (d: string) => fs.readFile(path.join(migrations, d, 'migration.sql'), 'utf8');
    const steps = [...(await Promise.all(dirs.slice(0, target).map(read))), CLASHING, await read(dirs[target])];
    const base = process.env.TEST_DATABASE_URL;
    if (base) {
      const name = `usergraph_migration_${crypto.randomBytes(4).toString('hex')}`;
      const admin = new Client({ connectionString: base });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(base);
      url.pathname = `/${name}`;
      const client = new Client({ connectionString: url.toString() });
      try {
        await client.connect();
        for (const sql of steps) await client.query(sql);
        return (await client.query(RESULT)).rows[0].result;
      } finally {
        await client.end();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      }
    }
    // PGlite needs real ESM, which jest's module sandbox lacks: run it in a child process.
    const script = `import { PGlite } from '@electric-sql/pglite';
      const db = await PGlite.create();
      for (const sql of JSON.parse(process.argv[1])) await db.exec(sql);
      console.log(JSON.stringify((await db.query(process.argv[2])).rows[0].result));
      await db.close();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(steps), RESULT], {
      cwd: path.resolve(__dirname, '..'),
    });
    return JSON.parse(stdout);
  }

  it('keeps the oldest of each clashing name, renames the others to <name>-<id> within 64 characters, and records each rename', async () => {
    const { users, renames } = await migrateWithClashes();
    expect(users).toEqual(['admin', 'Admin-2', 'ADMIN-3', 'bob', 'Z'.repeat(64), `${'z'.repeat(62)}-6`]);
    expect(renames).toEqual([
      { id: 2, from: 'Admin', to: 'Admin-2' },
      { id: 3, from: 'ADMIN', to: 'ADMIN-3' },
      { id: 6, from: 'z'.repeat(64), to: `${'z'.repeat(62)}-6` },
    ]);
  });
});
