// Input abuse found by an outside review: bodies that froze the process or
// made it work hard before the caller was known, and inputs that answered 500
// instead of a clear BAD_USER_INPUT. Over HTTP against the real server, on
// both transports (GraphQL and the REST dialects share the guard).
import { CreateOrganisationDocument, MeDocument, UpdateMeDocument, UsersDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { FORM, JSON_BODY, rest } from './support/rest';
import { expectCode, onlyError, signInAsAdmin, signUp, dataOf } from './support/fixtures';

let server: TestServer;
let adminToken: string;
beforeAll(async () => {
  server = await startTestServer();
  adminToken = (await signInAsAdmin(server)).accessToken;
});
afterAll(() => server.stop());

/** `[[[...]]]`, `depth` lists deep. */
const deepList = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

function expectField(
  response: { errors?: Array<{ extensions?: Record<string, unknown> }> } & { status: number },
  field: string | RegExp,
  message?: RegExp,
): void {
  const error = onlyError(response as never) as { extensions?: { code?: string; fields?: Array<{ field: string; message: string }> } };
  expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error.extensions?.fields?.[0]?.field).toEqual(typeof field === 'string' ? field : expect.stringMatching(field));
  if (message) expect(error.extensions?.fields?.[0]?.message).toMatch(message);
}

describe('form bodies are parsed in linear time', () => {
  // `[][x]` repeated made a backtracking regex quadratic: 200 KB froze the process for seconds.
  const hostile = '[][x]'.repeat(40_000) + '\n';

  it.each([
    ['POST', '/api/v1/users/session'],
    ['POST', '/v1/users'],
    ['POST', '/v1/password'],
  ])(
    'answers %s %s with a client error, and /healthz meanwhile',
    async (method, path) => {
      const pending = Promise.all([1, 2, 3].map(() => rest(server, method, path, { body: hostile, headers: FORM })));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A frozen event loop cannot answer: a generous bound, not a performance measure.
      const health = await Promise.race([
        fetch(`${server.url}/healthz`).then((r) => r.status),
        new Promise((resolve) => setTimeout(() => resolve('no answer within 2 s'), 2000)),
      ]);
      expect(health).toBe(200);
      for (const response of await pending) {
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }
    },
    120_000,
  );

  it('still groups Rails hash arrays (`list[][a]`) into hashes, a repeated key starting the next', async () => {
    const { accessToken } = await signUp(server);
    const list = 'user[user_preferences_attributes][]';
    const body = `user[email]=x%40example.com&${list}[id]=one&${list}[preferences][a]=1&${list}[id]=two&${list}[preferences][a]=2`;
    const response = await rest(server, 'PUT', '/v1/user', { body, headers: { ...FORM, Authorization: `Bearer ${accessToken}` } });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toBe(
      'Invalid parameter user[user_preferences_attributes][0][id]: must be an integer from 1 Invalid parameter user[user_preferences_attributes][1][id]: must be an integer from 1',
    );
  });
});

describe('prototype names are ordinary names', () => {
  it.each(['constructor', 'toString', 'constructor[prototype][admin]', 'hasOwnProperty'])(
    'dialect 000 answers a form key %s with 422 naming it',
    async (key) => {
      const response = await rest(server, 'POST', '/api/v1/users/registration', { body: `${key}=1`, headers: FORM });
      expect(response.status).toBe(422);
      expect(response.json.errors[0]).toMatchObject({ status: '422', detail: expect.stringContaining(key.split('[')[0]) });
      expect(response.json.errors[0].source.pointer).toMatch(/^\/data\/attributes\//);
    },
  );

  it('dialect 000 answers a JSON `__proto__` attribute with 422', async () => {
    for (const body of ['{"__proto__":{"admin":true},"email":"x"}', '{"data":{"type":"users","attributes":{"__proto__":1}}}']) {
      const response = await rest(server, 'POST', '/api/v1/users/registration', { body, headers: JSON_BODY });
      expect(response.status).toBe(422);
      expect(response.json.errors[0].detail).toEqual(expect.any(String));
    }
  });

  it('dialect 001 keeps custom fields named constructor and toString, and refuses __proto__ by name', async () => {
    const user = await signUp(server);
    const token = user.accessToken;
    const me = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${token}` } });
    const profileId = me.json.user.profile.id;
    const put = (profile: Record<string, unknown>) =>
      rest(server, 'PUT', '/v1/user', {
        body: JSON.stringify({ user: { email: me.json.user.email, profile_attributes: { id: profileId, ...profile } } }),
        headers: { ...JSON_BODY, Authorization: `Bearer ${token}` },
      });
    const saved = await put({ constructor: 'c', toString: 't', valueOf: 'v' });
    expect(saved.status).toBe(200);
    expect(saved.json.user.profile).toMatchObject({ constructor: 'c', toString: 't', valueOf: 'v' });
    const proto = await rest(server, 'PUT', '/v1/user', {
      body: `{"user":{"email":${JSON.stringify(me.json.user.email)},"profile_attributes":{"id":${profileId},"__proto__":"x"}}}`,
      headers: { ...JSON_BODY, Authorization: `Bearer ${token}` },
    });
    expect(proto.status).toBe(400);
    expect(proto.json.error.message).toContain('__proto__');
  });
});

describe('deep nesting is refused before it overflows the stack', () => {
  let token: string;
  beforeAll(async () => {
    token = (await signUp(server)).accessToken;
  });

  it('refuses preferences and custom fields nested 3,000 deep with BAD_USER_INPUT naming the field', async () => {
    const prefs = await server.gql(UpdateMeDocument, { input: { preferences: [{ preferences: { a: deepList(3000) } }] } }, { token });
    expectField(prefs, /^input\.preferences\.0\.preferences\.a/, /nested at most 32 levels/);
    const custom = await server.gql(UpdateMeDocument, { input: { profile: { customFields: { a: deepList(3000) } as never } } }, { token });
    expectField(custom, /^input\.profile\.customFields\.a/);
  });

  it('refuses logo properties nested 3,000 deep', async () => {
    const response = await server.gql(CreateOrganisationDocument, { input: { name: 'Deep', logoProperties: { a: deepList(3000) } } }, { token: adminToken });
    expectField(response, /^input\.logoProperties\.a/);
  });

  it('answers an anonymous caller without a 500', async () => {
    const response = await server.gql(UpdateMeDocument, { input: { preferences: [{ preferences: { a: deepList(3000) } }] } });
    expect(response.status).toBeLessThan(500);
    expect(['BAD_USER_INPUT', 'UNAUTHENTICATED']).toContain(onlyError(response).extensions?.code);
  });

  it('dialect 001 PUT /v1/user answers 400 for a JSON body nested 3,000 deep', async () => {
    const body = `{"user":{"email":"x@example.com","user_preferences_attributes":[{"id":1,"preferences":{"a":${'['.repeat(3000)}${']'.repeat(3000)}}}]}}`;
    const response = await rest(server, 'PUT', '/v1/user', { body, headers: { ...JSON_BODY, Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { message: 'The request body nests deeper than 32 levels.' } });
  });
});

describe('text PostgreSQL cannot store', () => {
  it('refuses lone UTF-16 surrogates in strings and JSON values, naming the field', async () => {
    const { accessToken: token } = await signUp(server);
    expectField(
      await server.gql(UpdateMeDocument, { input: { profile: { firstName: 'a\ud800b' } } }, { token }),
      'input.profile.firstName',
      /unpaired UTF-16 surrogates/,
    );
    expectField(await server.gql(UpdateMeDocument, { input: { profile: { customFields: { nick: '\udc00' } } } }, { token }), 'input.profile.customFields.nick');
    expectField(
      await server.gql(UpdateMeDocument, { input: { preferences: [{ preferences: { 'k\ud800': 1 } }] } }, { token }),
      'input.preferences.0.preferences',
    );
    // A well-formed pair (an emoji) is fine.
    const ok = await server.gql(UpdateMeDocument, { input: { profile: { firstName: 'Ann \ud83d\ude00' } } }, { token });
    expect(ok.errors).toBeUndefined();
    expect(dataOf(ok).updateMe.profile.firstName).toBe('Ann 😀');
  });
});

describe('lists and objects have a length cap', () => {
  it('refuses users(filter: { ids }) with 100,000 ids as BAD_USER_INPUT instead of a database error', async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => String(i + 1));
    const response = await server.gql(UsersDocument, { filter: { ids } }, { token: adminToken });
    expectField(response, 'filter.ids', /At most 1000 items/);
  });

  it('refuses a JSON object with more keys than the cap', async () => {
    const { accessToken: token } = await signUp(server);
    const preferences = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]));
    expectField(
      await server.gql(UpdateMeDocument, { input: { preferences: [{ preferences }] } }, { token }),
      'input.preferences.0.preferences',
      /At most 1000 keys/,
    );
  });
});

describe('work before authentication', () => {
  it('refuses an anonymous /graphql body over BODY_LIMIT with 413 before parsing it', async () => {
    const ids = JSON.stringify(Array.from({ length: 300_000 }, (_, i) => String(i)));
    const body = `{"query":"query($ids:[ID!]){users(filter:{ids:$ids}){total}}","variables":{"ids":${ids}}}`;
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const response = await server.post('/graphql', body, { 'content-type': 'application/json' });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' } });
  });

  it('still takes a large body from a signed-in caller (a base64 avatar)', async () => {
    const { accessToken: token } = await signUp(server);
    const padding = 'A'.repeat(1.5 * 1024 * 1024);
    const response = await server.post(
      '/graphql',
      JSON.stringify({ query: 'mutation($b: String) { uploadAvatar(base64: $b) { id } }', variables: { b: padding } }),
      {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'apollo-require-preflight': 'true',
      },
    );
    const json = await response.json();
    // Parsed and run: the service judges the image, not the body parser.
    expect(json.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('large bodies from signed-in callers', () => {
  it('are refused with 413 before parsing unless all but BODY_LIMIT bytes are one string (a base64 avatar)', async () => {
    const { accessToken } = await signUp(server);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` };
    const manyKeys = JSON.stringify(Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`k${i}`, i])));
    const numbers = JSON.stringify(Array.from({ length: 300_000 }, (_, i) => i));
    const bodies = [
      `{"query":"mutation($p: JSONObject!) { updateMe(input: { preferences: [{ preferences: $p }] }) { id } }","variables":{"p":${manyKeys}}}`,
      `{"query":"query($ids: [ID!]) { users(filter: { ids: $ids }) { total } }","variables":{"ids":${numbers}},"x":"${'\\"'.repeat(10)}"}`,
    ];
    for (const body of bodies) {
      expect(body.length).toBeGreaterThan(1024 * 1024);
      const response = await server.post('/graphql', body, headers);
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' } });
    }
  });
});

describe('preferences have a total cap', () => {
  it('refuses preferences that would make the total exceed PREFERENCES_TOTAL_BYTES (256 KiB by default), keeping the old ones', async () => {
    const { accessToken: token } = await signUp(server);
    const big = (i: number) => ({ preferences: { i, blob: 'x'.repeat(15 * 1024) } });
    const first = await server.gql(UpdateMeDocument, { input: { preferences: Array.from({ length: 10 }, (_, i) => big(i)) } }, { token });
    expect(first.errors).toBeUndefined();
    const second = await server.gql(UpdateMeDocument, { input: { preferences: Array.from({ length: 10 }, (_, i) => big(i)) } }, { token });
    expectField(second, 'input.preferences', /at most 262144 bytes/);
    const me = await server.gql(MeDocument, undefined, { token });
    expect(dataOf(me).me!.preferences).toHaveLength(10);
    expectCode(second, 'BAD_USER_INPUT');
  });
});
