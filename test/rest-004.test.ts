// Dialect 004 (Crafter Studio 3 `api/1` user service): create.json as its
// document shows it, and the rest of the service from its origin (seeds
// README), each with Crafter's access rule, replayed over HTTP.
import { LoginDocument } from './__generated__/graphql';
import { tokenFromMail } from './support/server';
import { JSON_BODY, bearer, rest } from './support/rest';
import { signIn, signInAsAdmin, uniqueEmail } from './support/fixtures';
import { defineDialectContract, startDialectServer, type DialectServer } from './support/dialect-contract';

const BASE = '/api/1/services/api/1/user';
const PASSWORD = 'SuperSecretPassword123#';

let server: DialectServer;
let adminToken: string;
beforeAll(async () => {
  server = await startDialectServer({ BODY_LIMIT: '4096' });
  adminToken = (await signInAsAdmin(server)).accessToken;
});
afterAll(() => server.stop());

const post = (service: string, body: unknown, token: string | null = adminToken) =>
  rest(server, 'POST', `${BASE}/${service}`, { body: typeof body === 'string' ? body : JSON.stringify(body), headers: bearer(token, JSON_BODY) });
const get = (service: string, query: string, token: string | null = adminToken) =>
  rest(server, 'GET', `${BASE}/${service}?${query}`, { headers: bearer(token, JSON_BODY) });
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An absolute URL (the configured public URL) of the user's get.json. */
const location = (username: string) =>
  expect.stringMatching(new RegExp(`^http://[^/]+${escape(`${BASE}/get.json?username=${encodeURIComponent(username)}`)}$`));
const msg = (message: string) => ({ message });

let counter = 0;
/** Creates a user through create.json as the admin and signs them in. */
async function crafterUser(overrides: Record<string, string> = {}) {
  const username = overrides.username ?? `crafter.${process.pid}.${++counter}`;
  const body = { username, password: PASSWORD, first_name: 'Jane', last_name: 'Doe', email: uniqueEmail('crafter'), ...overrides };
  const created = await post('create.json', body);
  expect(created.status).toBe(201);
  const token = (await signIn(server, username, body.password)).accessToken;
  return { ...body, token };
}

type Who = 'anonymous' | 'the user' | 'another user' | 'admin';

/** The token of each caller of an access matrix, for a fresh user. */
async function callers() {
  const user = await crafterUser();
  const other = await crafterUser();
  const tokens: Record<Who, string | null> = { anonymous: null, 'the user': user.token, 'another user': other.token, admin: adminToken };
  return { user, tokens };
}

describe('POST create.json', () => {
  it('creates the document’s example user: 201, Location of its get.json, {"message":"OK"}', async () => {
    const example = { username: 'jane.doe', password: 'SuperSecretPassword123#', first_name: 'Jane', last_name: 'Doe', email: 'jane@example.com' };
    const response = await post('create.json', example);
    expect(response.status).toBe(201);
    expect(response.type).toBe('application/json');
    expect(response.headers.get('location')).toEqual(location('jane.doe'));
    expect(response.json).toEqual(msg('OK'));
    const login = await server.gql(LoginDocument, { identifier: 'jane.doe', password: example.password });
    expect(login.errors).toBeUndefined();
    const read = await rest(server, 'GET', new URL(response.headers.get('location')!).pathname + new URL(response.headers.get('location')!).search, {
      headers: bearer(adminToken, JSON_BODY),
    });
    expect(read.json).toEqual({
      username: 'jane.doe',
      first_name: 'Jane',
      last_name: 'Doe',
      email: 'jane@example.com',
      enabled: true,
      externally_managed: false,
    });
  });

  it('answers 409 with the Location of the existing user for a taken username or email, changing nothing', async () => {
    const existing = await crafterUser();
    const again = await post('create.json', { ...existing, token: undefined, first_name: 'Other' });
    expect(again.status).toBe(409);
    expect(again.headers.get('location')).toEqual(location(existing.username));
    expect(again.json).toEqual(msg('User already exists'));
    const sameEmail = await post('create.json', { username: 'fresh.name.409', password: PASSWORD, first_name: 'A', last_name: 'B', email: existing.email });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.headers.get('location')).toEqual(location('fresh.name.409'));
    expect(sameEmail.json).toEqual(msg('User already exists'));
    expect((await get('get.json', `username=${existing.username}`)).json.first_name).toBe('Jane');
    expect((await get('get.json', 'username=fresh.name.409')).status).toBe(404);
  });

  const valid = { username: 'bad.input', password: PASSWORD, first_name: 'Jane', last_name: 'Doe', email: 'bad.input@example.com' };
  it.each([
    ['a missing email', { ...valid, email: undefined }],
    ['a missing username', { ...valid, username: undefined }],
    ['a missing first_name', { ...valid, first_name: undefined }],
    ['a blank last_name', { ...valid, last_name: '  ' }],
    ['a number for the password', { ...valid, password: 12345678 }],
    ['an unknown field', { ...valid, admin: 'true' }],
    ['an invalid email', { ...valid, email: 'not-an-email' }],
    ['a short password', { ...valid, password: 'short' }],
    ['an over-long username', { ...valid, username: 'u'.repeat(65) }],
    ['an over-long first name', { ...valid, first_name: 'n'.repeat(101) }],
    ['an array body', [valid]],
    ['no body', ''],
  ])('answers %s with 400 {"message":"Invalid parameter(s)"} and creates nobody', async (_case, body) => {
    const response = await post('create.json', body);
    expect(response.status).toBe(400);
    expect(response.json).toEqual(msg('Invalid parameter(s)'));
    expect((await get('get.json', 'username=bad.input')).status).toBe(404);
  });

  it('answers 401 {"message":"Unauthorized"} without a valid token and 403 for a non-admin, before reading the body', async () => {
    const anonymous = await post('create.json', valid, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual(msg('Unauthorized'));
    expect((await post('create.json', {}, 'not-a-token')).json).toEqual(msg('Unauthorized'));
    const user = await crafterUser();
    const forbidden = await post('create.json', valid, user.token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toEqual(msg('Forbidden'));
    expect((await get('get.json', 'username=bad.input')).status).toBe(404);
  });
});

describe('GET get.json (admin or self)', () => {
  it.each([
    ['anonymous', 401, msg('Unauthorized')],
    ['the user', 200, undefined],
    ['another user', 403, msg('Forbidden')],
    ['admin', 200, undefined],
  ] as const)('answers %s with %i', async (who, status, body) => {
    const { user, tokens } = await callers();
    const response = await get('get.json', `username=${user.username}`, tokens[who]);
    expect(response.status).toBe(status);
    expect(response.json).toEqual(
      body ?? { username: user.username, first_name: 'Jane', last_name: 'Doe', email: user.email, enabled: true, externally_managed: false },
    );
    expect(response.text).not.toContain(PASSWORD);
  });

  it('answers 404 for an unknown or deleted user, 400 without a username or with an extra parameter', async () => {
    expect(await get('get.json', 'username=nobody.here')).toMatchObject({ status: 404, json: msg('User not found') });
    const doomed = await crafterUser();
    expect((await post('delete.json', { username: doomed.username })).status).toBe(204);
    expect(await get('get.json', `username=${doomed.username}`)).toMatchObject({ status: 404, json: msg('User not found') });
    expect(await get('get.json', '')).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await get('get.json', 'username=a&extra=1')).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await get('get.json', 'username[a]=1')).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
  });
});

describe('GET get-all.json (admin)', () => {
  it('answers {users, total}, 25 by default, with start and number as an offset window', async () => {
    for (let i = 0; i < 4; i++) await crafterUser();
    const all = await get('get-all.json', '');
    expect(all.status).toBe(200);
    expect(all.json.total).toBeGreaterThanOrEqual(5);
    expect(all.json.users).toHaveLength(Math.min(25, all.json.total));
    expect(all.json.users[0]).toEqual({
      username: null,
      first_name: null,
      last_name: null,
      email: 'admin@usergraph.test',
      enabled: true,
      externally_managed: false,
    });
    const everyone = (await get('get-all.json', 'start=0&number=100')).json.users.map((u: { email: string }) => u.email);
    // A window across two pages of its size, and one on a page boundary.
    const window = await get('get-all.json', 'start=1&number=3');
    expect(window.json).toEqual({ users: expect.any(Array), total: all.json.total });
    expect(window.json.users.map((u: { email: string }) => u.email)).toEqual(everyone.slice(1, 4));
    expect((await get('get-all.json', 'start=2&number=2')).json.users.map((u: { email: string }) => u.email)).toEqual(everyone.slice(2, 4));
    expect((await get('get-all.json', `start=${all.json.total}&number=5`)).json).toEqual({ users: [], total: all.json.total });
  });

  it.each([['number=0'], ['number=abc'], ['number=101'], ['start=-1'], ['start=x'], ['page=2']])('answers %s with 400', async (query) => {
    expect(await get('get-all.json', query)).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
  });

  it('refuses anonymous (401) and non-admins (403)', async () => {
    const { tokens } = await callers();
    expect(await get('get-all.json', '', null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
    expect(await get('get-all.json', '', tokens['the user'])).toMatchObject({ status: 403, json: msg('Forbidden') });
  });
});

describe('POST update.json (admin or self)', () => {
  it.each([
    ['anonymous', 401, 'Unauthorized'],
    ['the user', 200, 'OK'],
    ['another user', 403, 'Forbidden'],
    ['admin', 200, 'OK'],
  ] as const)('answers %s with %i', async (who, status, text) => {
    const { user, tokens } = await callers();
    const response = await post('update.json', { username: user.username, first_name: 'Janet', last_name: 'Smith' }, tokens[who]);
    expect(response.status).toBe(status);
    expect(response.json).toEqual(msg(text));
    const after = (await get('get.json', `username=${user.username}`)).json;
    if (status === 200) {
      expect(response.headers.get('location')).toEqual(location(user.username));
      expect(after).toMatchObject({ first_name: 'Janet', last_name: 'Smith' });
    } else expect(after).toMatchObject({ first_name: 'Jane', last_name: 'Doe' });
  });

  it('lets an admin change the email; answers 409 for a taken one, 400 for nothing to change or bad input, 404 for an unknown user', async () => {
    const user = await crafterUser();
    const other = await crafterUser();
    const email = uniqueEmail('moved');
    expect((await post('update.json', { username: user.username, email })).status).toBe(200);
    expect((await get('get.json', `username=${user.username}`)).json.email).toBe(email);
    expect(await post('update.json', { username: user.username, email: other.email })).toMatchObject({ status: 409, json: msg('User already exists') });
    expect(await post('update.json', { username: user.username })).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await post('update.json', { username: user.username, email: 'nope' })).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await post('update.json', { username: user.username, enabled: 'false' })).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await post('update.json', { username: 'nobody.here', first_name: 'X' })).toMatchObject({ status: 404, json: msg('User not found') });
  });
});

describe('POST delete.json (admin)', () => {
  it.each([
    ['anonymous', 401, 'Unauthorized'],
    ['the user', 403, 'Forbidden'],
    ['another user', 403, 'Forbidden'],
  ] as const)('refuses %s with %i', async (who, status, text) => {
    const { user, tokens } = await callers();
    expect(await post('delete.json', { username: user.username }, tokens[who])).toMatchObject({ status, json: msg(text) });
    expect((await get('get.json', `username=${user.username}`)).status).toBe(200);
  });

  it('deletes for an admin with 204 and no body; the user can no longer sign in; 404 after, 400 without a username', async () => {
    const user = await crafterUser();
    const response = await post('delete.json', { username: user.username });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect((await server.gql(LoginDocument, { identifier: user.username, password: PASSWORD })).errors).toHaveLength(1);
    expect(await post('delete.json', { username: user.username })).toMatchObject({ status: 404, json: msg('User not found') });
    expect(await post('delete.json', {})).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
  });
});

describe('POST enable.json / disable.json and GET status.json (admin)', () => {
  it('disables and enables a user, as status.json shows and sign-in obeys', async () => {
    const user = await crafterUser();
    expect(await get('status.json', `username=${user.username}`)).toMatchObject({ status: 200, json: { username: user.username, enabled: true } });
    const disabled = await post('disable.json', { username: user.username });
    expect(disabled).toMatchObject({ status: 200, json: msg('OK') });
    expect(disabled.headers.get('location')).toEqual(location(user.username));
    expect((await get('status.json', `username=${user.username}`)).json).toEqual({ username: user.username, enabled: false });
    expect((await server.gql(LoginDocument, { identifier: user.username, password: PASSWORD })).errors).toHaveLength(1);
    expect(await post('enable.json', { username: user.username })).toMatchObject({ status: 200, json: msg('OK') });
    expect((await get('status.json', `username=${user.username}`)).json).toEqual({ username: user.username, enabled: true });
    expect((await server.gql(LoginDocument, { identifier: user.username, password: PASSWORD })).errors).toBeUndefined();
  });

  it.each(['enable.json', 'disable.json', 'status.json'])(
    '%s refuses anonymous (401), the user and others (403); 404 unknown, 400 missing',
    async (service) => {
      const { user, tokens } = await callers();
      const call = (token: string | null, username?: string) =>
        service === 'status.json' ? get(service, username ? `username=${username}` : '', token) : post(service, username ? { username } : {}, token);
      expect(await call(null, user.username)).toMatchObject({ status: 401, json: msg('Unauthorized') });
      expect(await call(tokens['the user'], user.username)).toMatchObject({ status: 403, json: msg('Forbidden') });
      expect(await call(tokens['another user'], user.username)).toMatchObject({ status: 403, json: msg('Forbidden') });
      expect(await call(adminToken, 'nobody.here')).toMatchObject({ status: 404, json: msg('User not found') });
      expect(await call(adminToken)).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
      expect((await get('status.json', `username=${user.username}`)).json.enabled).toBe(true);
    },
  );
});

describe('POST change-password.json (self)', () => {
  it('changes the caller’s own password; the old one stops working', async () => {
    const user = await crafterUser();
    const response = await post('change-password.json', { username: user.username, current: PASSWORD, new: 'AnotherPassword456#' }, user.token);
    expect(response).toMatchObject({ status: 200, json: msg('OK') });
    expect(response.headers.get('location')).toEqual(location(user.username));
    expect((await server.gql(LoginDocument, { identifier: user.username, password: 'AnotherPassword456#' })).errors).toBeUndefined();
    expect((await server.gql(LoginDocument, { identifier: user.username, password: PASSWORD })).errors).toHaveLength(1);
  });

  it('answers a wrong current password with 401, a refused new one with 400, missing fields with 400', async () => {
    const user = await crafterUser();
    expect(await post('change-password.json', { username: user.username, current: 'wrong-password', new: 'AnotherPassword456#' }, user.token)).toMatchObject({
      status: 401,
      json: msg('Unauthorized'),
    });
    expect(await post('change-password.json', { username: user.username, current: PASSWORD, new: 'short' }, user.token)).toMatchObject({
      status: 400,
      json: msg('Invalid parameter(s)'),
    });
    expect(await post('change-password.json', { username: user.username, current: PASSWORD }, user.token)).toMatchObject({
      status: 400,
      json: msg('Invalid parameter(s)'),
    });
    expect((await server.gql(LoginDocument, { identifier: user.username, password: PASSWORD })).errors).toBeUndefined();
  });

  it('refuses anonymous (401), another user and an admin naming someone else (403)', async () => {
    const { user, tokens } = await callers();
    const body = { username: user.username, current: PASSWORD, new: 'AnotherPassword456#' };
    expect(await post('change-password.json', body, null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
    expect(await post('change-password.json', body, tokens['another user'])).toMatchObject({ status: 403, json: msg('Forbidden') });
    expect(await post('change-password.json', body, adminToken)).toMatchObject({ status: 403, json: msg('Forbidden') });
    expect((await server.gql(LoginDocument, { identifier: user.username, password: PASSWORD })).errors).toBeUndefined();
  });
});

describe('POST reset-password.json (admin)', () => {
  it('sets a user’s password for an admin; refuses anonymous (401), the user and others (403); 404 unknown; 400 bad input', async () => {
    const { user, tokens } = await callers();
    const body = { username: user.username, new: 'ResetByAdmin789#' };
    expect(await post('reset-password.json', body, null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
    expect(await post('reset-password.json', body, tokens['the user'])).toMatchObject({ status: 403, json: msg('Forbidden') });
    expect(await post('reset-password.json', body, tokens['another user'])).toMatchObject({ status: 403, json: msg('Forbidden') });
    expect(await post('reset-password.json', { username: 'nobody.here', new: 'ResetByAdmin789#' })).toMatchObject({ status: 404, json: msg('User not found') });
    expect(await post('reset-password.json', { username: user.username, new: 'short' })).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    const response = await post('reset-password.json', body);
    expect(response).toMatchObject({ status: 200, json: msg('OK') });
    expect(response.headers.get('location')).toEqual(location(user.username));
    expect((await server.gql(LoginDocument, { identifier: user.username, password: 'ResetByAdmin789#' })).errors).toBeUndefined();
  });
});

describe('forgot-password.json, validate-token.json and set-password.json (anonymous)', () => {
  it('mails a token for a username, validates it without using it, and sets the password with it once', async () => {
    const user = await crafterUser();
    expect(await get('forgot-password.json', `username=${user.username}`, null)).toMatchObject({ status: 200, json: msg('OK') });
    const token = tokenFromMail(await server.waitForMail(user.email, 'Subject: Reset your password'));
    expect(await get('validate-token.json', `token=${encodeURIComponent(token)}`, null)).toMatchObject({ status: 200, json: msg('OK') });
    expect(await post('set-password.json', { token, new: 'short' }, null)).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await post('set-password.json', { token, new: 'FromTheMail321#' }, null)).toMatchObject({ status: 200, json: msg('OK') });
    expect((await server.gql(LoginDocument, { identifier: user.username, password: 'FromTheMail321#' })).errors).toBeUndefined();
    expect(await post('set-password.json', { token, new: 'FromTheMail321#' }, null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
    expect(await get('validate-token.json', `token=${encodeURIComponent(token)}`, null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
  });

  it('answers the same for an unknown username, and 400 for missing or extra parameters', async () => {
    expect(await get('forgot-password.json', 'username=nobody.here', null)).toMatchObject({ status: 200, json: msg('OK') });
    expect(await get('forgot-password.json', '', null)).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await get('validate-token.json', '', null)).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await get('validate-token.json', 'token=made-up', null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
    expect(await post('set-password.json', { token: 'made-up' }, null)).toMatchObject({ status: 400, json: msg('Invalid parameter(s)') });
    expect(await post('set-password.json', { token: 'made-up', new: 'FromTheMail321#', extra: 'x' }, null)).toMatchObject({
      status: 400,
      json: msg('Invalid parameter(s)'),
    });
    expect(await post('set-password.json', { token: 'made-up', new: 'FromTheMail321#' }, null)).toMatchObject({ status: 401, json: msg('Unauthorized') });
  });
});

/** Crafter's fixed sentence for each status (src/rest/d004-crafter/conventions.ts): the framework's message is not shown. */
const MESSAGES: Record<number, string> = {
  400: 'Invalid parameter(s)',
  401: 'Unauthorized',
  403: 'Forbidden',
  413: 'Request entity too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  503: 'Service unavailable',
};

defineDialectContract('004', {
  server: () => server,
  errorType: 'application/json',
  error: (status) => ({ status, body: msg(MESSAGES[status]) }),
  // Admin-only: refused before the body is read, so the admin's token.
  send: (body, contentType) => rest(server, 'POST', `${BASE}/create.json`, { body, headers: bearer(adminToken, { 'Content-Type': contentType }) }),
  json: 'application/json',
  accepts: ['application/json'],
  bodyLimit: 4096,
  signedIn: (token) => get('get-all.json', '', token),
  adminOnly: (token) => get('get-all.json', '', token),
  throttled: {
    // RESET_REQUESTS_PER_ACCOUNT (5 by default) requests an hour, known account or not.
    allowed: 5,
    async start() {
      const username = `crafter.forgot.${process.pid}.${++counter}`;
      return () => get('forgot-password.json', `username=${username}`, null);
    },
  },
  readsDatabase: () => get('get-all.json', ''),
});
