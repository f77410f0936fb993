// Abuse limits and operability: login lock-outs, reset and token-guessing
// limits, GraphQL request limits, the audit log, request ids, metrics and
// security headers, over HTTP against the real server.
import {
  AuditEventsDocument,
  ConfirmUserDocument,
  LoginDocument,
  MeDocument,
  RefreshSessionDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  UnlockAccountDocument,
} from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { PASSWORD, expectCode, onlyError, signIn, signInAsAdmin, signUp, uniqueEmail, sleep, dataOf } from './support/fixtures';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    LOGIN_FAILURES_PER_ACCOUNT: '3',
    LOGIN_LOCK_SECONDS: '2',
    LOGIN_MAX_LOCK_SECONDS: '30',
    RESET_REQUESTS_PER_ACCOUNT: '2',
    TOKEN_GUESSES_PER_IP: '5',
    CORS_ORIGINS: 'https://app.example.com',
    METRICS_TOKEN: 'metrics-token-for-tests',
  });
});
afterAll(() => server.stop());

async function rawGraphQL(query: string, headers: Record<string, string> = {}) {
  const response = await server.post('/graphql', JSON.stringify({ query }), { 'content-type': 'application/json', ...headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('login throttling', () => {
  it('locks an account after repeated failures, with Retry-After, even for the right password, then lets it in', async () => {
    const email = uniqueEmail();
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    for (let i = 0; i < 3; i++) expectCode(await server.gql(LoginDocument, { identifier: email, password: 'wrong-password' }), 'UNAUTHENTICATED');
    const locked = await server.gql(LoginDocument, { identifier: email, password: PASSWORD });
    expect(onlyError(locked)).toMatchObject({
      message: 'Too many failed sign-in attempts. Try again in 2 seconds.',
      extensions: { code: 'RATE_LIMITED', retryAfter: 2 },
    });
    expect(locked.headers.get('retry-after')).toBe('2');
    await sleep(2100);
    await signIn(server, email, PASSWORD);
  });

  it('doubles the lock each time within a day', async () => {
    const email = uniqueEmail();
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    for (let i = 0; i < 3; i++) await server.gql(LoginDocument, { identifier: email, password: 'wrong-password' });
    expect(onlyError(await server.gql(LoginDocument, { identifier: email, password: PASSWORD })).extensions?.retryAfter).toBe(2);
    await sleep(2100);
    for (let i = 0; i < 3; i++) await server.gql(LoginDocument, { identifier: email, password: 'wrong-password' });
    expect(onlyError(await server.gql(LoginDocument, { identifier: email, password: PASSWORD })).extensions?.retryAfter).toBe(4);
  });

  it('locks unknown accounts exactly like real ones, so locks reveal nothing', async () => {
    const real = uniqueEmail();
    const ghost = uniqueEmail('ghost');
    await server.gql(RegisterDocument, { input: { email: real, password: PASSWORD } });
    for (const identifier of [real, ghost]) {
      for (let i = 0; i < 3; i++) await server.gql(LoginDocument, { identifier, password: 'wrong-password' });
    }
    const a = onlyError(await server.gql(LoginDocument, { identifier: real, password: 'wrong-password' }));
    const b = onlyError(await server.gql(LoginDocument, { identifier: ghost, password: 'wrong-password' }));
    // The two locks began a moment apart, so only their countdowns may differ.
    const countdownFree = (e: typeof a) => ({ ...e, message: e.message.replace(/\d+ seconds/, 'N seconds'), extensions: { ...e.extensions, retryAfter: 'N' } });
    expect(a.extensions?.code).toBe('RATE_LIMITED');
    expect(countdownFree(a)).toEqual(countdownFree(b));
  });

  it('counts every aliased attempt: one request with many aliased logins is stopped at the first failure', async () => {
    const email = uniqueEmail();
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: login(identifier: "${email}", password: "guess-${i}") { accessToken }`).join(' ');
    for (let i = 0; i < 3; i++) {
      const { body } = await rawGraphQL(`mutation { ${aliases} }`);
      expect(body.data).toBeNull();
      expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    }
    const { body } = await rawGraphQL(`mutation { ${aliases} }`);
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('lets an admin unlock an account at once; only admins may', async () => {
    const email = uniqueEmail();
    const user = dataOf(await server.gql(RegisterDocument, { input: { email, password: PASSWORD } })).register;
    for (let i = 0; i < 3; i++) await server.gql(LoginDocument, { identifier: email, password: 'wrong-password' });
    expectCode(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }), 'RATE_LIMITED');
    const other = await signUp(server);
    expectCode(await server.gql(UnlockAccountDocument, { userId: user.id }, { token: other.accessToken }), 'FORBIDDEN');
    expectCode(await server.gql(UnlockAccountDocument, { userId: user.id }), 'UNAUTHENTICATED');
    const admin = await signInAsAdmin(server);
    expect(dataOf(await server.gql(UnlockAccountDocument, { userId: user.id }, { token: admin.accessToken })).unlockAccount).toBe(true);
    await signIn(server, email, PASSWORD);
    expectCode(await server.gql(UnlockAccountDocument, { userId: '999999' }, { token: admin.accessToken }), 'NOT_FOUND');
  });
});

describe('other abuse limits', () => {
  it('limits password-reset requests per account, the same for unknown accounts', async () => {
    for (const email of [uniqueEmail(), uniqueEmail('ghost')]) {
      for (let i = 0; i < 2; i++) expect(dataOf(await server.gql(RequestPasswordResetDocument, { email })).requestPasswordReset).toBe(true);
      const limited = await server.gql(RequestPasswordResetDocument, { email });
      expect(onlyError(limited).extensions).toMatchObject({ code: 'RATE_LIMITED' });
      expect(onlyError(limited).message).toMatch(/^Too many requests for this account\. Try again in \d+ seconds\.$/);
    }
  });

  it('stops token guessing from one address after the allowed wrong guesses, even for a valid token afterwards', async () => {
    const session = await signUp(server);
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await server.gql(RefreshSessionDocument, { refreshToken: `guess-${i}` }));
    expect(guesses.map((g) => onlyError(g).extensions?.code)).toEqual([
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'RATE_LIMITED',
    ]);
    expect(onlyError(guesses[5]).message).toMatch(/^Too many invalid tokens from your network\. Try again in \d+ seconds\.$/);
    expectCode(await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken }), 'RATE_LIMITED');
    expectCode(await server.gql(ConfirmUserDocument, { id: session.user.id, token: 'guess' }), 'RATE_LIMITED');
  });
});

describe("rate limits over REST: 429 with Retry-After in each dialect's error shape", () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('dialect 001 (password reset requests)', async () => {
    const email = uniqueEmail('rest-reset');
    for (let i = 0; i < 2; i++) expect((await server.post('/v1/password', `email=${encodeURIComponent(email)}`, form)).status).toBe(200);
    const limited = await server.post('/v1/password', `email=${encodeURIComponent(email)}`, form);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toEqual({ error: { message: expect.stringMatching(/^Too many requests for this account\. Try again in \d+ seconds\.$/) } });
  });

  it('dialect 004 (forgot-password)', async () => {
    const username = `rest-forgot-${Date.now()}`;
    const url = `${server.url}/api/1/services/api/1/user/forgot-password.json?username=${username}`;
    for (let i = 0; i < 2; i++) expect((await fetch(url)).status).toBe(200);
    const limited = await fetch(url);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Crafter answers with its own fixed sentences ("Unauthorized", "Too many requests").
    expect(await limited.json()).toEqual({ message: 'Too many requests' });
  });

  it('dialect 000 (a locked account at sign-in)', async () => {
    const email = uniqueEmail('rest-lock');
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    const session = (password: string) => server.post('/api/v1/users/session', `email=${encodeURIComponent(email)}&password=${password}`, form);
    for (let i = 0; i < 3; i++) expect((await session('wrong-password')).status).toBe(401);
    const limited = await session(PASSWORD);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('content-type')).toBe('application/vnd.api+json');
    expect((await limited.json()).errors[0]).toMatchObject({ status: '429' });
  });
});

describe('GraphQL request limits', () => {
  it('refuses 1,000 aliases before executing anything', async () => {
    const { status, body } = await rawGraphQL(`{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`);
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(body.errors[0].message).toBe('Syntax Error: Document contains more that 2000 tokens. Parsing aborted.');
  });

  it('refuses more than 15 aliases', async () => {
    const { status, body } = await rawGraphQL(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`);
    expect(status).toBe(400);
    expect(body.errors[0]).toMatchObject({
      message: 'Syntax Error: Aliases limit of 15 exceeded, found 16.',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('refuses a query 30 levels deep, counting through fragments', async () => {
    const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on User { id ${i < 29 ? `roles { users { items { ...F${i + 1} } } }` : ''} }`).join(
      '\n',
    );
    const { status, body } = await rawGraphQL(`query { me { ...F0 } }\n${fragments}`);
    expect(status).toBe(400);
    expect(body.errors.every((e: { extensions: { code: string } }) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
    expect(body.errors.map((e: { message: string }) => e.message)).toContainEqual(
      expect.stringMatching(/^Syntax Error: Query depth limit of 12 exceeded, found \d+\.$/),
    );
  });

  it('refuses batched requests', async () => {
    const response = await server.post('/graphql', JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } }] });
  });
});

describe('inputs the fuzzer once broke', () => {
  it('refuses a NUL character in any argument with BAD_USER_INPUT naming the field', async () => {
    const result = await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, username: 'nul\u0000name' } });
    expect(onlyError(result).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'input.username', message: 'Text may not contain NUL (\\u0000) characters.' }],
    });
  });

  it('answers a malformed multipart body with 400', async () => {
    const response = await server.post('/graphql', '--x\r\nnot a part header\r\n', {
      'content-type': 'multipart/form-data; boundary=x',
      'apollo-require-preflight': 'true',
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
  });

  it('does not support automatic persisted queries, with or without the query text', async () => {
    for (const body of [{}, { query: '{ me { id } }' }]) {
      const response = await server.post('/graphql', JSON.stringify({ ...body, extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } } }));
      // Apollo answers 200 here on purpose, so that APQ clients fall back to sending the query.
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] });
    }
  });
});

describe('audit log', () => {
  it('records sign-ins and failures without secrets, for admins only', async () => {
    const email = uniqueEmail();
    const user = await signUp(server, { email });
    await server.gql(LoginDocument, { identifier: email, password: 'wrong-password-x' });
    const admin = await signInAsAdmin(server);
    const events = await server.gql(AuditEventsDocument, { filter: { userId: user.user.id }, pageSize: 50 }, { token: admin.accessToken });
    expect(events.errors).toBeUndefined();
    const types = dataOf(events).auditEvents.items.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['user.registered', 'login.succeeded', 'login.failed']));
    const failed = dataOf(events).auditEvents.items.find((e) => e.type === 'login.failed')!;
    expect(failed).toMatchObject({ subjectUserId: user.user.id, actorId: null, details: { reason: 'wrong_password' } });
    expect(failed.ip).toBeTruthy();
    expect(JSON.stringify(events.data)).not.toContain('wrong-password-x');
    expect(JSON.stringify(events.data)).not.toContain(PASSWORD);
    const prefix = await server.gql(AuditEventsDocument, { filter: { type: 'login.' } }, { token: admin.accessToken });
    expect(dataOf(prefix).auditEvents.items.every((e) => e.type.startsWith('login.'))).toBe(true);
    expectCode(await server.gql(AuditEventsDocument, {}, { token: user.accessToken }), 'FORBIDDEN');
    expectCode(await server.gql(AuditEventsDocument, {}), 'UNAUTHENTICATED');
  });
});

describe('HTTP operability', () => {
  it('echoes a well-formed request id and makes one up otherwise', async () => {
    const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const bad = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'not ok\u00e9' } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('allows CORS only for configured origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const denied = await preflight('https://evil.example.net');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves Prometheus metrics only with the metrics token', async () => {
    await server.gql(MeDocument);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-tests' } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/usergraph_http_request_duration_seconds_count\{method="POST",route="graphql:Me",status="200"\} \d+/);
    expect(text).toMatch(/usergraph_graphql_operations_total\{operation="Me",type="query",outcome="ok"\} \d+/);
    expect(text).toMatch(/usergraph_login_failures_total \d+/);
    expect(text).toMatch(/usergraph_video_jobs_queued 0/);
  });

  it('logs every request with its id and never a token', async () => {
    const session = await signUp(server);
    await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}`, 'x-request-id': 'trace-me-42' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    await sleep(100);
    const line = server
      .logs()
      .split('\n')
      .find((l) => l.includes('trace-me-42'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ req: { id: 'trace-me-42', method: 'POST', url: '/graphql' }, res: { statusCode: 200 } });
    expect(server.logs()).not.toContain(session.accessToken);
  });
});
