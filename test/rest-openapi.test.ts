// The OpenAPI 3.1 document of the REST layer: served at /rest/openapi.json,
// listing every route the dialects declare, and describing what they answer
// (real answers are validated against the documented schemas).
import Ajv2020 from 'ajv/dist/2020';
import { CreateApplicationDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { startTcpProxy, throughProxy, type TcpProxy } from './support/tcp-proxy';
import { FORM, railsForm, rest, type JsonBody, type RestResult } from './support/rest';
import { PASSWORD, signInAsAdmin, uniqueEmail, dataOf } from './support/fixtures';

let server: TestServer;
let doc: JsonBody;
beforeAll(async () => {
  server = await startTestServer();
  const response = await rest(server, 'GET', '/rest/openapi.json');
  expect(response.status).toBe(200);
  expect(response.type).toBe('application/json');
  doc = response.json;
});
afterAll(() => server.stop());

const DOCUMENTED = [
  ['post', '/api/v1/users/registration'],
  ['post', '/api/v1/users/session'],
  ['post', '/api/v1/users/video'],
  ['post', '/v1/auth'],
  ['delete', '/v1/auth/{token}'],
  ['post', '/v1/users'],
  ['get', '/v1/user'],
  ['put', '/v1/user'],
  ['patch', '/v1/user'],
  ['post', '/v1/users/{id}/confirm'],
  ['post', '/v1/password'],
  ['put', '/v1/password'],
  ['post', '/api/1/services/api/1/user/create.json'],
  ['get', '/api/1/services/api/1/user/get.json'],
  ['get', '/api/1/services/api/1/user/get-all.json'],
  ['post', '/api/1/services/api/1/user/update.json'],
  ['post', '/api/1/services/api/1/user/delete.json'],
  ['post', '/api/1/services/api/1/user/enable.json'],
  ['post', '/api/1/services/api/1/user/disable.json'],
  ['get', '/api/1/services/api/1/user/status.json'],
  ['post', '/api/1/services/api/1/user/change-password.json'],
  ['post', '/api/1/services/api/1/user/reset-password.json'],
  ['get', '/api/1/services/api/1/user/forgot-password.json'],
  ['post', '/api/1/services/api/1/user/set-password.json'],
  ['get', '/api/1/services/api/1/user/validate-token.json'],
];

function operations(): Array<[method: string, path: string, op: JsonBody]> {
  return Object.entries<JsonBody>(doc.paths).flatMap(([path, item]) =>
    Object.entries<JsonBody>(item).map(([method, op]): [string, string, JsonBody] => [method, path, op]),
  );
}

it('is an OpenAPI 3.1 document naming the server and the dialects', () => {
  expect(doc.openapi).toBe('3.1.0');
  expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
  expect(doc.servers).toEqual([{ url: expect.stringMatching(/^http:\/\//) }]);
  expect(doc.tags.map((t: JsonBody) => t.name)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^000 /), expect.stringMatching(/^001 /), expect.stringMatching(/^004 /)]),
  );
  expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['applicationCredentials', 'bearer']);
});

it.each(DOCUMENTED)('lists %s %s', (method, path) => {
  const op = doc.paths[path]?.[method];
  expect(op).toBeDefined();
  expect(op.summary).toEqual(expect.any(String));
  expect(op['x-graphql-operation']).toMatch(/^(mutation|query) RestD\d{3}/);
  expect(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
});

it('lists confirm_user exactly when the server serves it', async () => {
  const listed = Boolean(doc.paths['/v1/users/confirm_user/{id}']?.put);
  const response = await rest(server, 'PUT', '/v1/users/confirm_user/1');
  expect(response.status === 404 && /No route/.test(response.text)).toBe(!listed);
});

it('documents only routes that are served, each with unique operationIds and declared path parameters', async () => {
  const ids = new Set<string>();
  for (const [method, path, op] of operations()) {
    expect(ids.has(op.operationId)).toBe(false);
    ids.add(op.operationId);
    for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
      expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name, in: 'path', required: true })]));
    }
    const concrete = path.replace(/\{\w+\}/g, '1');
    const response = await rest(server, method.toUpperCase(), concrete, { body: method === 'get' || method === 'delete' ? undefined : '', headers: FORM });
    expect(`${method} ${path} ${response.status} ${/No route for/.test(response.text)}`).not.toMatch(/404 true$/);
  }
  expect(operations().length).toBeGreaterThanOrEqual(DOCUMENTED.length);
});

it('describes bracket-nested form bodies as deepObject', () => {
  // POST /v1/users is shared: 001's user[...] body or 003's flat form.
  const form = doc.paths['/v1/users'].post.requestBody.content['application/x-www-form-urlencoded'];
  expect(form.encoding).toEqual({ user: { style: 'deepObject', explode: true } });
  const beach = form.schema.oneOf.find((s: JsonBody) => s.properties.user);
  expect(beach.properties.user.required).toEqual(['email', 'username', 'password']);
  expect(form.schema.oneOf.find((s: JsonBody) => !s.properties.user).required).toEqual(['email', 'username', 'password', 'pass_confirm']);
});

it('documents the authentication each route needs', () => {
  expect(doc.paths['/v1/auth'].post.security).toEqual([{ applicationCredentials: [] }]);
  // 001 needs application credentials; 003's registration form is public.
  expect(doc.paths['/v1/users'].post.security).toEqual([{ applicationCredentials: [] }, {}]);
  expect(doc.paths['/v1/user'].get.security).toEqual([{ bearer: [] }]);
  expect(doc.paths['/api/v1/users/registration'].post.security).toEqual([]);
  expect(doc.paths['/v1/users/{id}/confirm'].post.parameters).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'confirmation_token', in: 'header', required: true })]),
  );
});

it('documents 503 with Retry-After on every operation, 429 on the throttled ones, and 406 and 415 on the JSON:API dialects', () => {
  for (const [method, path, op] of operations()) {
    expect(`${method} ${path} 503 ${Boolean(op.responses['503']?.headers?.['Retry-After'])}`).toBe(`${method} ${path} 503 true`);
    if (/\bd00[02]\b/.test(op['x-dialect']))
      expect(
        `${method} ${path} ${Object.keys(op.responses)
          .filter((s) => s === '406' || s === '415')
          .join(',')}`,
      ).toBe(`${method} ${path} 406,415`);
  }
  const throttled = operations()
    .filter(([, , op]) => op.responses['429'])
    .map(([method, path]) => `${method} ${path}`);
  expect(throttled).toEqual(expect.arrayContaining(['post /api/v1/users/session', 'post /v1/auth', 'post /v1/users', 'post /v1/password', 'put /v1/password']));
  expect(doc.paths['/v1/auth'].post.responses['429'].headers['Retry-After'].schema).toEqual({ type: 'integer', minimum: 1 });
  expect(throttled).not.toContain('get /v1/user');
});

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

function expectDocumented(method: string, path: string, response: RestResult) {
  const documented = doc.paths[path][method].responses[String(response.status)];
  expect(`${method} ${path} ${response.status} ${documented ? 'documented' : 'undocumented'}`).toBe(`${method} ${path} ${response.status} documented`);
  const media = documented.content?.[response.type!];
  expect(media).toBeDefined();
  const validate = ajv.compile(media.schema);
  const valid = validate(response.json);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  for (const header of Object.keys(documented.headers ?? {})) expect(response.headers.get(header)).toEqual(expect.any(String));
}

describe('throttled answers match the document', () => {
  it('for the sign-in routes of dialects 000 and 001, with Retry-After', async () => {
    const admin = await signInAsAdmin(server);
    const app = dataOf(await server.gql(CreateApplicationDocument, { name: 'openapi-throttle' }, { token: admin.accessToken })).createApplication;
    const withApp = { ...FORM, Authorization: `application_id ${app.uid}, client_secret ${app.secret}` };
    // LOGIN_FAILURES_PER_ACCOUNT is 5 by default: the sixth attempt is locked out.
    const rails = uniqueEmail('throttle-000');
    const beach = uniqueEmail('throttle-001');
    let lockedRails: RestResult | undefined;
    let lockedBeach: RestResult | undefined;
    for (let i = 0; i < 6; i++) {
      lockedRails = await rest(server, 'POST', '/api/v1/users/session', { body: `email=${encodeURIComponent(rails)}&password=wrong-pass-${i}`, headers: FORM });
      lockedBeach = await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email: beach, password: `wrong-pass-${i}` } }), headers: withApp });
    }
    expect([lockedRails!.status, lockedBeach!.status]).toEqual([429, 429]);
    expectDocumented('post', '/api/v1/users/session', lockedRails!);
    expectDocumented('post', '/v1/auth', lockedBeach!);
  });
});

describe('real answers match the documented schemas', () => {
  it('for dialect 000', async () => {
    const email = uniqueEmail('openapi');
    const headers = FORM;
    expectDocumented(
      'post',
      '/api/v1/users/registration',
      await rest(server, 'POST', '/api/v1/users/registration', { body: `email=${encodeURIComponent(email)}&password=${PASSWORD}`, headers }),
    );
    expectDocumented('post', '/api/v1/users/registration', await rest(server, 'POST', '/api/v1/users/registration', { body: 'email=x', headers }));
    expectDocumented(
      'post',
      '/api/v1/users/session',
      await rest(server, 'POST', '/api/v1/users/session', { body: `email=${encodeURIComponent(email)}&password=${PASSWORD}`, headers }),
    );
    expectDocumented(
      'post',
      '/api/v1/users/session',
      await rest(server, 'POST', '/api/v1/users/session', { body: `email=${encodeURIComponent(email)}&password=wrong-pass`, headers }),
    );
    expectDocumented(
      'post',
      '/api/v1/users/session',
      await rest(server, 'POST', '/api/v1/users/session', { body: '{', headers: { 'Content-Type': 'application/json' } }),
    );
    const jsonApi = 'application/vnd.api+json';
    expectDocumented(
      'post',
      '/api/v1/users/session',
      await rest(server, 'POST', '/api/v1/users/session', { body: '{}', headers: { 'Content-Type': `${jsonApi}; charset=utf-8` } }),
    );
    expectDocumented(
      'post',
      '/api/v1/users/session',
      await rest(server, 'POST', '/api/v1/users/session', { body: '{}', headers: { 'Content-Type': jsonApi, Accept: `${jsonApi}; ext=bulk` } }),
    );
  });

  it('for dialect 001', async () => {
    const admin = await signInAsAdmin(server);
    const app = dataOf(await server.gql(CreateApplicationDocument, { name: 'openapi' }, { token: admin.accessToken })).createApplication;
    const withApp = { ...FORM, Authorization: `application_id ${app.uid}, client_secret ${app.secret}` };
    const email = uniqueEmail('openapi-001');
    const created = await rest(server, 'POST', '/v1/users', {
      body: railsForm({ user: { email, username: 'openapi-001', password: PASSWORD } }),
      headers: withApp,
    });
    expectDocumented('post', '/v1/users', created);
    expectDocumented('post', '/v1/users', await rest(server, 'POST', '/v1/users', { body: railsForm({ user: { email } }), headers: withApp }));
    expectDocumented(
      'post',
      '/v1/auth',
      await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email, password: PASSWORD } }), headers: withApp }),
    );
    expectDocumented(
      'post',
      '/v1/auth',
      await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email, password: PASSWORD } }), headers: FORM }),
    );
    const bearer = { ...FORM, Authorization: `Bearer ${created.json.access_token}` };
    expectDocumented('get', '/v1/user', await rest(server, 'GET', '/v1/user', { headers: bearer }));
    const updated = await rest(server, 'PUT', '/v1/user', {
      body: railsForm({ user: { email, profile_attributes: { id: created.json.user.profile.id, nickname: 'Doc' } } }),
      headers: bearer,
    });
    expectDocumented('put', '/v1/user', updated);
    expectDocumented('post', '/v1/password', await rest(server, 'POST', '/v1/password', { body: `email=${encodeURIComponent(email)}`, headers: FORM }));
    expectDocumented('delete', '/v1/auth/{token}', await rest(server, 'DELETE', `/v1/auth/${created.json.access_token}`, { headers: bearer }));
  });

  it('for dialect 004', async () => {
    const admin = { 'Content-Type': 'application/json', Authorization: `Bearer ${(await signInAsAdmin(server)).accessToken}` };
    const base = '/api/1/services/api/1/user';
    const create = (body: unknown, headers: Record<string, string> = admin) =>
      rest(server, 'POST', `${base}/create.json`, { body: JSON.stringify(body), headers });
    const jane = { username: 'openapi.jane', password: PASSWORD, first_name: 'Jane', last_name: 'Doe', email: uniqueEmail('openapi-004') };
    expectDocumented('post', `${base}/create.json`, await create(jane));
    expectDocumented('post', `${base}/create.json`, await create(jane));
    expectDocumented('post', `${base}/create.json`, await create({ username: 'x' }));
    expectDocumented('post', `${base}/create.json`, await create(jane, { 'Content-Type': 'application/json' }));
    expectDocumented('get', `${base}/get.json`, await rest(server, 'GET', `${base}/get.json?username=openapi.jane`, { headers: admin }));
    expectDocumented('get', `${base}/get.json`, await rest(server, 'GET', `${base}/get.json?username=nobody.here`, { headers: admin }));
    expectDocumented('get', `${base}/get-all.json`, await rest(server, 'GET', `${base}/get-all.json?start=0&number=5`, { headers: admin }));
    expectDocumented('get', `${base}/status.json`, await rest(server, 'GET', `${base}/status.json?username=openapi.jane`, { headers: admin }));
    expectDocumented(
      'post',
      `${base}/disable.json`,
      await rest(server, 'POST', `${base}/disable.json`, { body: JSON.stringify({ username: 'openapi.jane' }), headers: admin }),
    );
    expectDocumented('get', `${base}/validate-token.json`, await rest(server, 'GET', `${base}/validate-token.json?token=made-up`));
  });
});

// The embedded database cannot go away: outages are produced on PostgreSQL, as test/resilience.test.ts does.
const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeOnPostgres('outage answers match the document', () => {
  let outage: TestServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    outage = await startTestServer(
      {},
      {
        rewriteDatabaseUrl: throughProxy(proxy),
      },
    );
  });
  afterAll(async () => {
    proxy.restore();
    await outage.stop();
    await proxy.close();
  });

  it('answers 503 with Retry-After in every dialect, as documented', async () => {
    const token = (await signInAsAdmin(outage)).accessToken;
    const bearer = { Authorization: `Bearer ${token}` };
    const base = '/api/1/services/api/1/user';
    proxy.cut();
    const cases: Array<[string, string, () => Promise<RestResult>]> = [
      [
        'post',
        '/api/v1/users/session',
        () => rest(outage, 'POST', '/api/v1/users/session', { body: `email=a%40example.com&password=${PASSWORD}`, headers: FORM }),
      ],
      ['get', '/v1/user', () => rest(outage, 'GET', '/v1/user', { headers: bearer })],
      ['get', '/users', () => rest(outage, 'GET', '/users', { headers: { ...bearer, Accept: 'application/vnd.api+json' } })],
      ['get', '/v1/users', () => rest(outage, 'GET', '/v1/users', { headers: bearer })],
      ['get', `${base}/get.json`, () => rest(outage, 'GET', `${base}/get.json?username=admin`, { headers: bearer })],
    ];
    for (const [method, path, send] of cases) {
      const response = await send();
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 503`);
      expect(response.headers.get('retry-after')).toBe('5');
      expectDocumented(method, path, response);
    }
  });
});
