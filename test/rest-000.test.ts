// Dialect 000 (Rails + Devise + JSON:API): replays the document's examples as
// written (browser-style Accept, form bodies) and every documented and
// bad-input error, over HTTP against the real server.
import { MeDocument } from './__generated__/graphql';
import { FORM, JSON_BODY, bearer, rest } from './support/rest';
import { signUp, uniqueEmail, dataOf } from './support/fixtures';
import { defineDialectContract, startDialectServer, type DialectServer } from './support/dialect-contract';

const BROWSER_ACCEPT = 'text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5';
const SEED_HEADERS = { Accept: BROWSER_ACCEPT, ...FORM };
const REGISTRATION = '/api/v1/users/registration';
const SESSION = '/api/v1/users/session';

let server: DialectServer;
beforeAll(async () => {
  server = await startDialectServer({ BODY_LIMIT: '4096' });
});
afterAll(() => server.stop());

function register(body: string, headers: Record<string, string> = SEED_HEADERS) {
  return rest(server, 'POST', REGISTRATION, { body, headers });
}

function invalid(...errors: Array<[pointer: string, detail: string]>) {
  return {
    errors: errors.map(([pointer, detail]) => ({ status: '422', title: 'Unprocessable Entity', detail, source: { pointer } })),
    jsonapi: { version: '1.0' },
  };
}

/** A failed registration must leave nothing behind: the same email registers cleanly afterwards. */
async function expectEmailStillFree(email: string) {
  const again = await register(`email=${encodeURIComponent(email)}&password=correct-horse-1`);
  expect(again.status).toBe(201);
}

describe('POST /api/v1/users/registration', () => {
  it('replays the documented example: 201, application/vnd.api+json, a users resource with a string id', async () => {
    const response = await register('email=jovita%40hettinger.info&password=%211password&password_confirmation=%211password');
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/vnd.api+json');
    expect(response.json).toEqual({
      data: { id: expect.stringMatching(/^\d+$/), type: 'users', attributes: { email: 'jovita@hettinger.info' } },
      jsonapi: { version: '1.0' },
    });
    expect(response.text).not.toContain('1password');
  });

  it('accepts the same attributes as JSON and as a JSON:API document', async () => {
    const json = await register(JSON.stringify({ email: 'json@example.com', password: 'correct-horse-1' }), JSON_BODY);
    expect(json.status).toBe(201);
    expect(json.json.data.attributes).toEqual({ email: 'json@example.com' });
    const jsonApi = await register(
      JSON.stringify({
        data: { type: 'users', attributes: { email: 'Json.Api@Example.com', password: 'correct-horse-1', password_confirmation: 'correct-horse-1' } },
      }),
      { 'Content-Type': 'application/vnd.api+json', Accept: 'application/vnd.api+json' },
    );
    expect(jsonApi.status).toBe(201);
    expect(jsonApi.json.data.attributes).toEqual({ email: 'json.api@example.com' });
  });

  it.each([
    ['an invalid email', 'email=not-an-email&password=correct-horse-1', [['/data/attributes/email', 'Email is not a valid address.']]],
    ['a short password', 'email=short%40example.com&password=short', [['/data/attributes/password', 'Password must be at least 8 characters long.']]],
    [
      'a mismatched confirmation',
      'email=mismatch%40example.com&password=correct-horse-1&password_confirmation=other-horse-1',
      [['/data/attributes/password_confirmation', 'Password confirmation does not match the password.']],
    ],
    [
      'an over-long email',
      `email=${'a'.repeat(250)}%40example.com&password=correct-horse-1`,
      [['/data/attributes/email', 'Email must be at most 254 characters.']],
    ],
    [
      'a password over 72 bytes',
      `email=long-pass%40example.com&password=${'p'.repeat(73)}`,
      [['/data/attributes/password', 'Password must be at most 72 bytes long (bcrypt ignores anything beyond).']],
    ],
    [
      'missing fields',
      '',
      [
        ['/data/attributes/email', 'Email is not a valid address.'],
        ['/data/attributes/password', 'Password must be at least 8 characters long.'],
      ],
    ],
    ['an extra field', 'email=extra%40example.com&password=correct-horse-1&admin=true', [['/data/attributes/admin', 'Unknown parameter admin']]],
    [
      'a repeated field (an array where a string belongs)',
      'email=a%40example.com&email=b%40example.com&password=correct-horse-1',
      [['/data/attributes/email', 'Invalid parameter email: must be a string']],
    ],
  ])('answers %s with 422 and a JSON:API error pointing at the attribute', async (_case, body, errors) => {
    const response = await register(body);
    expect(response.status).toBe(422);
    expect(response.type).toBe('application/vnd.api+json');
    expect(response.json).toEqual(invalid(...(errors as Array<[string, string]>)));
  });

  it('refuses a wrong JSON type with a pointer, and leaves no user behind', async () => {
    const email = uniqueEmail('typed');
    const response = await register(JSON.stringify({ email, password: 12345678 }), JSON_BODY);
    expect(response.status).toBe(422);
    expect(response.json).toEqual(invalid(['/data/attributes/password', 'Invalid parameter password: must be a string']));
    await expectEmailStillFree(email);
  });

  it('ignores the form boilerplate a Rails page adds', async () => {
    const response = await register('utf8=%E2%9C%93&authenticity_token=abc&commit=Sign+up&email=boiler%40example.com&password=correct-horse-1');
    expect(response.status).toBe(201);
  });

  it('answers a taken email (in any case) with 422 on the email, and leaves the first account alone', async () => {
    const email = uniqueEmail('taken');
    expect((await register(`email=${encodeURIComponent(email)}&password=correct-horse-1`)).status).toBe(201);
    const again = await register(`email=${encodeURIComponent(email.toUpperCase())}&password=other-horse-2`);
    expect(again.status).toBe(422);
    expect(again.json).toEqual(invalid(['/data/attributes/email', 'An account with that email already exists.']));
    const session = await rest(server, 'POST', SESSION, { body: `email=${encodeURIComponent(email)}&password=correct-horse-1`, headers: SEED_HEADERS });
    expect(session.status).toBe(201);
  });

  it.each([
    ['invalid', 'email=not-an-email&password=correct-horse-1'],
    ['mismatched', 'password=correct-horse-1&password_confirmation=nope-nope-1'],
  ])('leaves no half-created user after an %s request', async (_case, body) => {
    const email = uniqueEmail('half');
    const response = await register(body.includes('email=') ? body : `email=${encodeURIComponent(email)}&${body}`);
    expect(response.status).toBe(422);
    await expectEmailStillFree(email);
  });
});

describe('POST /api/v1/users/session', () => {
  beforeAll(async () => {
    expect((await register('email=peggie.kassulke%40schneider.biz&password=password&password_confirmation=password')).status).toBe(201);
  });

  it('replays the documented example: 201 with a tokens resource whose id is the creation time and access the JWT', async () => {
    const before = Date.now();
    const response = await rest(server, 'POST', SESSION, { body: 'email=peggie.kassulke%40schneider.biz&password=password', headers: SEED_HEADERS });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/vnd.api+json');
    expect(response.json).toEqual({
      data: {
        id: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/),
        type: 'tokens',
        attributes: { access: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) },
      },
      jsonapi: { version: '1.0' },
    });
    const created = Date.parse(response.json.data.id.replace(' UTC', 'Z').replace(' ', 'T'));
    expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
    const me = await server.gql(MeDocument, {}, { token: response.json.data.attributes.access });
    expect(dataOf(me).me!.email).toBe('peggie.kassulke@schneider.biz');
    expect(response.text).not.toMatch(/password/i);
  });

  it.each([
    ['a wrong password', 'email=peggie.kassulke%40schneider.biz&password=wrong-password'],
    ['an unknown email', 'email=nobody%40example.com&password=password'],
  ])('answers %s with 401 in JSON:API form', async (_case, body) => {
    const response = await rest(server, 'POST', SESSION, { body, headers: SEED_HEADERS });
    expect(response.status).toBe(401);
    expect(response.type).toBe('application/vnd.api+json');
    expect(response.json).toEqual({
      errors: [{ status: '401', title: 'Unauthorized', detail: 'Invalid email, username or password.' }],
      jsonapi: { version: '1.0' },
    });
  });

  it('answers an over-long email with 422 on the email', async () => {
    const response = await rest(server, 'POST', SESSION, { body: `email=${'a'.repeat(300)}%40example.com&password=password`, headers: SEED_HEADERS });
    expect(response.status).toBe(422);
    expect(response.json).toEqual(invalid(['/data/attributes/email', 'At most 254 characters.']));
  });

  it('answers missing credentials with 422 pointing at email and password', async () => {
    const response = await rest(server, 'POST', SESSION, { body: '', headers: SEED_HEADERS });
    expect(response.status).toBe(422);
    expect(response.json).toEqual(invalid(['/data/attributes/email', 'Enter your email or username.'], ['/data/attributes/password', 'Enter your password.']));
  });

  it('answers an extra field and a wrong type in the dialect shape', async () => {
    const extra = await rest(server, 'POST', SESSION, { body: 'email=a%40b.c&password=x&role=admin', headers: SEED_HEADERS });
    expect(extra.json).toEqual(invalid(['/data/attributes/role', 'Unknown parameter role']));
    const typed = await rest(server, 'POST', SESSION, {
      body: JSON.stringify({ email: ['peggie.kassulke@schneider.biz'], password: 'password' }),
      headers: JSON_BODY,
    });
    expect(typed.json).toEqual(invalid(['/data/attributes/email', 'Invalid parameter email: must be a string']));
  });
});

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

defineDialectContract('000', {
  server: () => server,
  errorType: 'application/vnd.api+json',
  error: (status, _code, detail) => ({ status, body: { errors: [{ status: String(status), title: TITLES[status], detail }], jsonapi: { version: '1.0' } } }),
  send: (body, contentType) => register(body, { 'Content-Type': contentType }),
  json: 'application/json',
  accepts: [FORM['Content-Type'], 'application/json', 'application/vnd.api+json'],
  bodyLimit: 4096,
  // Refused before the (multipart) body is read.
  signedIn: (token) => rest(server, 'POST', '/api/v1/users/video', { headers: bearer(token, {}) }),
  // The dialect has no admin-only route.
  adminOnly: null,
  throttled: {
    // LOGIN_FAILURES_PER_ACCOUNT (5 by default) wrong passwords lock the account.
    allowed: 5,
    async start() {
      const { user } = await signUp(server);
      return () => rest(server, 'POST', SESSION, { body: `email=${encodeURIComponent(user.email!)}&password=wrong-password`, headers: SEED_HEADERS });
    },
  },
  readsDatabase: () => register(`email=${encodeURIComponent(uniqueEmail('outage'))}&password=correct-horse-1`),
});
