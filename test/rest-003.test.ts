// Dialect 003 (CodeIgniter Sprint/Bonfire API Blueprint users resource):
// every example and documented error of the document, issue 3's bad inputs,
// the access rules (admin for the list, admin or self for an item), the HTML
// forms as HTML, the `_method` override and the edit form's token.
import Ajv2020 from 'ajv/dist/2020';
import { CreateApplicationDocument, LogoutDocument } from './__generated__/graphql';
import { FORM, JSON_BODY, bearer, railsForm, rest, type RestResult } from './support/rest';
import { PASSWORD, signIn, signInAsAdmin, uniqueEmail, dataOf } from './support/fixtures';
import { defineDialectContract, startDialectServer, type DialectServer } from './support/dialect-contract';

/** Enough for this file's own sign-ups from 127.0.0.1, few enough for the contract to use up from another address. */
const REGISTRATIONS_PER_IP = 100;
let server: DialectServer;
let adminToken: string;
/** The server's public URL, which links in answers and forms start with. */
let base: string;
beforeAll(async () => {
  // Registrations are limited per address; the contract's throttle case spends its own forwarded address's.
  server = await startDialectServer({ BODY_LIMIT: '4096', REGISTRATIONS_PER_IP: String(REGISTRATIONS_PER_IP), TRUST_PROXY: '1' });
  adminToken = (await signInAsAdmin(server)).accessToken;
  base = (await rest(server, 'GET', '/rest/openapi.json')).json.servers[0].url;
});
afterAll(() => server.stop());

const admin = () => bearer(adminToken);
const error = (name: string, description: string) => ({ error: name, error_description: description });
const form = (fields: Record<string, string | number>) => new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString();
const uniqueName = (prefix = 'sprint') => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

const UNAUTHORIZED = error('unauthorized', 'You must be signed in to do this.');
const USERNAME_TAKEN = '<p>The username is already in use on this site.</p>';

/** The document's user record, field by field, for a user as the server holds it. */
function record(fields: {
  id?: unknown;
  email: string | null;
  username: string | null;
  status?: string | null;
  status_message?: string | null;
  active?: 0 | 1;
  force_pass_reset?: 0 | 1;
}) {
  return {
    id: fields.id ?? expect.any(Number),
    email: fields.email,
    username: fields.username,
    password_hash: null,
    reset_hash: null,
    activate_hash: null,
    created_on: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
    status: fields.status ?? null,
    status_message: fields.status_message ?? null,
    active: fields.active ?? 1,
    deleted: 0,
    force_pass_reset: fields.force_pass_reset ?? 0,
    meta: { url: expect.stringMatching(/^http:\/\/[^/]+\/v1\/users\/\d+$/) },
  };
}

interface Created {
  id: number;
  email: string;
  username: string;
  token: string;
}

/** Registers through POST /v1/users (the standard form) and signs in. */
async function createUser(overrides: { email?: string; username?: string } = {}): Promise<Created> {
  const email = overrides.email ?? uniqueEmail('sprint');
  const username = overrides.username ?? uniqueName();
  const response = await rest(server, 'POST', '/v1/users', { body: form({ email, username, password: PASSWORD, pass_confirm: PASSWORD }), headers: FORM });
  expect(response.status).toBe(201);
  const token = (await signIn(server, email, PASSWORD)).accessToken;
  return { id: response.json.id, email, username, token };
}

describe('POST /v1/users (Create a new User)', () => {
  it('answers 201 with the user record for a standard form submittal, never a secret', async () => {
    const email = uniqueEmail('create');
    const username = uniqueName('create');
    const response = await rest(server, 'POST', '/v1/users', { body: form({ email, username, password: PASSWORD, pass_confirm: PASSWORD }), headers: FORM });
    expect(response.status).toBe(201);
    expect(response.type).toBe('application/json');
    expect(response.json).toEqual(record({ email, username }));
    expect(response.json.meta.url).toBe(`${base}/v1/users/${response.json.id}`);
    expect(response.headers.get('location')).toBe(response.json.meta.url);
    expect(response.text).not.toContain(PASSWORD);
    expect(response.text).not.toMatch(/\$argon|\$2[aby]\$|scrypt/);
    // The record is the one the API holds.
    const shown = await rest(server, 'GET', `/v1/users/${response.json.id}`, { headers: admin() });
    expect(shown.json).toEqual(response.json);
  });

  it('takes the same fields as JSON', async () => {
    const email = uniqueEmail('json');
    const username = uniqueName('json');
    const response = await rest(server, 'POST', '/v1/users', {
      body: JSON.stringify({ email, username, password: PASSWORD, pass_confirm: PASSWORD }),
      headers: JSON_BODY,
    });
    expect(response.status).toBe(201);
    expect(response.json).toEqual(record({ email, username }));
  });

  it('answers 409 resource_exists for a taken email (any case) and 400 invalid_request for a taken username', async () => {
    const first = await createUser();
    const sameEmail = await rest(server, 'POST', '/v1/users', {
      body: form({ email: first.email.toUpperCase(), username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD }),
      headers: FORM,
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.json).toEqual(error('resource_exists', 'A User with that email already exists.'));
    const sameName = await rest(server, 'POST', '/v1/users', {
      body: form({ email: uniqueEmail(), username: first.username, password: PASSWORD, pass_confirm: PASSWORD }),
      headers: FORM,
    });
    expect(sameName.status).toBe(400);
    expect(sameName.json).toEqual(error('invalid_request', USERNAME_TAKEN));
  });

  const p = (message: string) => `<p>${message}</p>`;
  it.each([
    ['a missing email', (_email: string) => form({ username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD }), p('Missing parameter email'), FORM],
    ['a missing username', (e: string) => form({ email: e, password: PASSWORD, pass_confirm: PASSWORD }), p('Missing parameter username'), FORM],
    [
      'an empty username',
      (e: string) => form({ email: e, username: ' ', password: PASSWORD, pass_confirm: PASSWORD }),
      p('The Username field is required.'),
      FORM,
    ],
    [
      'a missing password and confirmation',
      (e: string) => form({ email: e, username: uniqueName() }),
      `${p('Missing parameter password')}\n${p('Missing parameter pass_confirm')}`,
      FORM,
    ],
    [
      'a confirmation that differs',
      (e: string) => form({ email: e, username: uniqueName(), password: PASSWORD, pass_confirm: 'other-horse-2' }),
      p('Password confirmation does not match the password.'),
      FORM,
    ],
    [
      'an invalid email',
      () => form({ email: 'not-an-email', username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD }),
      p('Email is not a valid address.'),
      FORM,
    ],
    [
      'a short password',
      (e: string) => form({ email: e, username: uniqueName(), password: 'short', pass_confirm: 'short' }),
      expect.stringMatching(/^<p>Password must be .*<\/p>$/),
      FORM,
    ],
    [
      'an over-long username',
      (e: string) => form({ email: e, username: 'u'.repeat(65), password: PASSWORD, pass_confirm: PASSWORD }),
      p('Username must be 3 to 64 characters.'),
      FORM,
    ],
    [
      'an over-long email',
      () => form({ email: `${'e'.repeat(250)}@example.com`, username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD }),
      p('Email must be at most 254 characters.'),
      FORM,
    ],
    [
      'a username with markup',
      (e: string) => form({ email: e, username: '<b>x</b>', password: PASSWORD, pass_confirm: PASSWORD }),
      expect.stringMatching(/^<p>Username may contain only/),
      FORM,
    ],
    [
      'an extra field',
      (e: string) => form({ email: e, username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD, role: 'admin' }),
      p('Unknown parameter role'),
      FORM,
    ],
    [
      'a JSON number for the email',
      () => JSON.stringify({ email: 42, username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD }),
      p('Invalid parameter email: must be a string'),
      JSON_BODY,
    ],
  ])('answers %s with 400 invalid_request and leaves no user behind', async (_case, body, description, headers) => {
    const email = uniqueEmail('bad');
    const response = await rest(server, 'POST', '/v1/users', { body: body(email), headers });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error('invalid_request', description as string));
    await createUser({ email });
  });

  it('shares the path with dialect 001: user[...] or application credentials go to 001, a flat form to 003', async () => {
    const app = dataOf(await server.gql(CreateApplicationDocument, { name: 'Sprint dispatch' }, { token: adminToken })).createApplication;
    const appHeader = `application_id ${app.uid}, client_secret ${app.secret}`;
    const beach = await rest(server, 'POST', '/v1/users', {
      body: railsForm({ user: { email: uniqueEmail('beach'), username: uniqueName('beach'), password: PASSWORD } }),
      headers: { ...FORM, AUTHORIZATION: appHeader },
    });
    expect(beach.status).toBe(201);
    expect(beach.json).toMatchObject({ user: { is_me: true }, access_token: expect.any(String) });
    const beachNoApp = await rest(server, 'POST', '/v1/users', {
      body: railsForm({ user: { email: uniqueEmail(), username: uniqueName(), password: PASSWORD } }),
      headers: FORM,
    });
    expect(beachNoApp.status).toBe(400);
    expect(beachNoApp.json).toEqual({ error: { message: 'Require Application ID and secret' } });
    // A flat form with application credentials is still 001's (refused there for lacking user[...]).
    const flatWithApp = await rest(server, 'POST', '/v1/users', {
      body: form({ email: uniqueEmail(), username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD }),
      headers: { ...FORM, AUTHORIZATION: appHeader },
    });
    expect(flatWithApp.json).toEqual({ error: { message: 'Missing parameter user' } });
    const flat = await createUser();
    expect(flat.id).toEqual(expect.any(Number));
  });
});

describe('GET /v1/users (List Users)', () => {
  it('answers the documented envelope for an admin, 20 a page by default', async () => {
    await createUser();
    const response = await rest(server, 'GET', '/v1/users', { headers: admin() });
    expect(response.status).toBe(200);
    expect(Object.keys(response.json)).toEqual(['total', 'first', 'last', 'prev_url', 'next_url', 'users']);
    const { total, users } = response.json;
    expect(response.json).toMatchObject({ first: 1, last: Math.min(20, total), prev_url: null });
    expect(users).toHaveLength(Math.min(20, total));
    expect(response.json.next_url).toBe(total > 20 ? `${base}/v1/users?page=2&per_page=20` : null);
    expect(users[0]).toEqual(record({ id: 1, email: 'admin@usergraph.test', username: null }));
    for (const user of users)
      expect(user).toEqual(
        record({
          email: user.email,
          username: user.username,
          status: user.status,
          status_message: user.status_message,
          active: user.active,
          force_pass_reset: user.force_pass_reset,
        }),
      );
  });

  it('pages with page and per_page, linking the neighbours', async () => {
    await createUser();
    await createUser();
    const { total } = (await rest(server, 'GET', '/v1/users?per_page=1', { headers: admin() })).json;
    expect(total).toBeGreaterThanOrEqual(3);
    const second = await rest(server, 'GET', '/v1/users?page=2&per_page=1', { headers: admin() });
    expect(second.json).toMatchObject({
      total,
      first: 2,
      last: 2,
      prev_url: `${base}/v1/users?page=1&per_page=1`,
      next_url: `${base}/v1/users?page=3&per_page=1`,
    });
    expect(second.json.users).toHaveLength(1);
    const last = await rest(server, 'GET', `/v1/users?page=${total}&per_page=1`, { headers: admin() });
    expect(last.json).toMatchObject({ first: total, last: total, next_url: null });
  });

  it('answers 404 resource_not_found when no users match', async () => {
    const response = await rest(server, 'GET', '/v1/users?page=100000&per_page=100', { headers: admin() });
    expect(response.status).toBe(404);
    expect(response.json).toEqual(error('resource_not_found', 'Unable to find any users that match your request.'));
  });

  it.each([
    ['page=0', '<p>Invalid parameter page: must be an integer from 1 to 2147483647</p>'],
    ['page=abc', '<p>Invalid parameter page: must be an integer from 1 to 2147483647</p>'],
    ['per_page=0', '<p>Invalid parameter per_page: must be an integer from 1 to 100</p>'],
    ['per_page=1000', '<p>Invalid parameter per_page: must be an integer from 1 to 100</p>'],
  ])('answers %s with 400 invalid_request', async (query, description) => {
    const response = await rest(server, 'GET', `/v1/users?${query}`, { headers: admin() });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error('invalid_request', description));
  });
});

describe('GET /v1/users/:id (Get a Single User)', () => {
  it('answers the record to the user and to an admin; 403 another user; 401 anonymous', async () => {
    const user = await createUser();
    const other = await createUser();
    const expected = record({ id: user.id, email: user.email, username: user.username });
    for (const token of [user.token, adminToken]) {
      const response = await rest(server, 'GET', `/v1/users/${user.id}`, { headers: bearer(token) });
      expect(response.status).toBe(200);
      expect(response.json).toEqual(expected);
    }
    const forbidden = await rest(server, 'GET', `/v1/users/${user.id}`, { headers: bearer(other.token) });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toEqual(error('forbidden', 'You may only do this for your own account.'));
    const anonymous = await rest(server, 'GET', `/v1/users/${user.id}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual(UNAUTHORIZED);
  });

  it.each(['999999', 'abc', '0', '99999999999', '1.5'])('answers an unknown id (%s) with 404 resource_not_found', async (id) => {
    const response = await rest(server, 'GET', `/v1/users/${id}`, { headers: admin() });
    expect(response.status).toBe(404);
    expect(response.json).toEqual(error('resource_not_found', 'Unable to find that user.'));
  });
});

describe('PUT /v1/users/:id (Update a User)', () => {
  it('lets the user change their username and answers the record', async () => {
    const user = await createUser();
    const username = uniqueName('renamed');
    const response = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ username }), headers: bearer(user.token) });
    expect(response.status).toBe(200);
    expect(response.json).toEqual(record({ id: user.id, email: user.email, username }));
  });

  it('lets an admin set status, status_message and active (JSON or form)', async () => {
    const user = await createUser();
    const response = await rest(server, 'PUT', `/v1/users/${user.id}`, {
      body: JSON.stringify({ status: 'away', status_message: 'On holiday', active: 0 }),
      headers: { ...JSON_BODY, Authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual(record({ id: user.id, email: user.email, username: user.username, status: 'away', status_message: 'On holiday', active: 0 }));
    const again = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ active: 1, status: '' }), headers: admin() });
    expect(again.json).toMatchObject({ active: 1, status: null, status_message: 'On holiday' });
  });

  it('changes the own password only with current_password', async () => {
    const user = await createUser();
    const newPassword = 'another-horse-2';
    const missing = await rest(server, 'PUT', `/v1/users/${user.id}`, {
      body: form({ password: newPassword, pass_confirm: newPassword }),
      headers: bearer(user.token),
    });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual(error('bad_request', '<p>Enter your current password to change your email or password.</p>'));
    const wrong = await rest(server, 'PUT', `/v1/users/${user.id}`, {
      body: form({ password: newPassword, pass_confirm: newPassword, current_password: 'wrong-password' }),
      headers: bearer(user.token),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual(error('bad_request', '<p>The current password is wrong.</p>'));
    const right = await rest(server, 'PUT', `/v1/users/${user.id}`, {
      body: form({ password: newPassword, pass_confirm: newPassword, current_password: PASSWORD }),
      headers: bearer(user.token),
    });
    expect(right.status).toBe(200);
    await signIn(server, user.email, newPassword);
  });

  it('answers the documented 400s: no data, a taken username; and 409 for a taken email', async () => {
    const user = await createUser();
    const other = await createUser();
    const empty = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: '', headers: bearer(user.token) });
    expect(empty.status).toBe(400);
    expect(empty.json).toEqual(error('bad_request', 'No data found to update.'));
    const taken = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ username: other.username }), headers: bearer(user.token) });
    expect(taken.status).toBe(400);
    expect(taken.json).toEqual(error('bad_request', USERNAME_TAKEN));
    const email = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ email: other.email }), headers: admin() });
    expect(email.status).toBe(409);
    expect(email.json).toEqual(error('resource_exists', 'A User with that email already exists.'));
  });

  it.each([
    ['an unknown field', { nickname: 'x' }, '<p>Unknown parameter nickname</p>'],
    ['active that is not 0 or 1', { active: 2 }, '<p>The active field must be 0 or 1.</p>'],
    ['deleted=1 (delete with DELETE)', { deleted: 1 }, '<p>To delete a user, send DELETE to the user.</p>'],
    ['an invalid email', { email: 'nope' }, '<p>Email is not a valid address.</p>'],
    ['an over-long status', { status: 's'.repeat(65) }, '<p>Must be at most 64 characters.</p>'],
  ])('answers %s with 400 bad_request', async (_case, fields, description) => {
    const user = await createUser();
    const response = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form(fields), headers: admin() });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error('bad_request', description));
  });

  it('keeps admin fields for admins (403), other users out (403) and anonymous callers out (401)', async () => {
    const user = await createUser();
    const other = await createUser();
    const ownStatus = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ status: 'vip' }), headers: bearer(user.token) });
    expect(ownStatus.status).toBe(403);
    expect(ownStatus.json).toEqual(error('forbidden', 'Only an admin may change status.'));
    const others = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ username: uniqueName() }), headers: bearer(other.token) });
    expect(others.status).toBe(403);
    expect(others.json).toEqual(error('forbidden', 'You may only do this for your own account.'));
    const anonymous = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ username: uniqueName() }), headers: FORM });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual(UNAUTHORIZED);
  });

  it('answers 404 resource_not_found for an unknown user and 410 resource_gone for a deleted one', async () => {
    const unknown = await rest(server, 'PUT', '/v1/users/999999', { body: form({ username: uniqueName() }), headers: admin() });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(error('resource_not_found', 'Unable to find that User.'));
    const user = await createUser();
    await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: admin() });
    const gone = await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ username: uniqueName() }), headers: admin() });
    expect(gone.status).toBe(410);
    expect(gone.json).toEqual(error('resource_gone', 'That User has been deleted.'));
  });

  it('is reached by POST with _method=PUT (HTML forms), and POST without it is no route', async () => {
    const user = await createUser();
    const username = uniqueName('override');
    const response = await rest(server, 'POST', `/v1/users/${user.id}`, { body: form({ _method: 'PUT', username }), headers: bearer(user.token) });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: user.id, username });
    const plain = await rest(server, 'POST', `/v1/users/${user.id}`, { body: form({ username }), headers: bearer(user.token) });
    expect(plain.status).toBe(404);
    expect(plain.json).toEqual(error('resource_not_found', `No route for POST /v1/users/${user.id}: send the form with _method=PUT or DELETE.`));
    // Only a form body overrides: JSON's _method is an unknown field of POST /v1/users/:id, which does not exist.
    const json = await rest(server, 'POST', `/v1/users/${user.id}`, {
      body: JSON.stringify({ _method: 'PUT', username }),
      headers: { ...JSON_BODY, Authorization: `Bearer ${user.token}` },
    });
    expect(json.status).toBe(404);
  });
});

describe('DELETE /v1/users/:id (Delete A User)', () => {
  it('soft-deletes: 200 {"response":"User was deleted"}, then 410 resource_gone', async () => {
    const user = await createUser();
    const response = await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: admin() });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ response: 'User was deleted' });
    const shown = await rest(server, 'GET', `/v1/users/${user.id}`, { headers: admin() });
    expect(shown.status).toBe(410);
    expect(shown.json).toEqual(error('resource_gone', 'That user has been deleted.'));
    const again = await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: admin() });
    expect(again.status).toBe(410);
    expect(again.json).toEqual(error('resource_gone', 'That User has been deleted.'));
    const list = await rest(server, 'GET', '/v1/users?per_page=100', { headers: admin() });
    expect(list.json.users.map((u: { id: number }) => u.id)).not.toContain(user.id);
  });

  it('lets users delete themselves, not others; 401 anonymous; 404 unknown', async () => {
    const user = await createUser();
    const other = await createUser();
    const anonymous = await rest(server, 'DELETE', `/v1/users/${user.id}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual(UNAUTHORIZED);
    const others = await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: bearer(other.token) });
    expect(others.status).toBe(403);
    expect(others.json).toEqual(error('forbidden', 'You may only do this for your own account.'));
    const self = await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: bearer(user.token) });
    expect(self.json).toEqual({ response: 'User was deleted' });
    const unknown = await rest(server, 'DELETE', '/v1/users/999999', { headers: admin() });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(error('resource_not_found', 'Unable to find that User.'));
  });

  it('is reached by POST with _method=DELETE', async () => {
    const user = await createUser();
    const response = await rest(server, 'POST', `/v1/users/${user.id}`, { body: form({ _method: 'delete' }), headers: bearer(user.token) });
    expect(response.json).toEqual({ response: 'User was deleted' });
  });
});

/** The value of a named input in a served form. */
function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  return tag ? /value="([^"]*)"/.exec(tag)?.[1] : undefined;
}

describe('GET /v1/users/new (Creation Form)', () => {
  it('is a public HTML form posting the standard fields to /v1/users', async () => {
    const response = await rest(server, 'GET', '/v1/users/new');
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/html');
    expect(response.text).toMatch(new RegExp(`<form action="${base}/v1/users" method="post"`));
    for (const name of ['email', 'username', 'password', 'pass_confirm']) expect(response.text).toContain(`name="${name}"`);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*form-action 'self'.*frame-ancestors 'none'/);
  });
});

describe('GET /v1/users/:id/edit (Editing Form)', () => {
  it('is an HTML form for the user with their values escaped, _method=PUT and a form token', async () => {
    const user = await createUser();
    await rest(server, 'PUT', `/v1/users/${user.id}`, {
      body: form({ status: '"><script>alert(1)</script>', status_message: "it's <b>&</b>" }),
      headers: admin(),
    });
    const response = await rest(server, 'GET', `/v1/users/${user.id}/edit`, { headers: admin() });
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/html');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.text).toContain(`<form action="${base}/v1/users/${user.id}" method="post"`);
    expect(inputValue(response.text, '_method')).toBe('PUT');
    expect(inputValue(response.text, 'email')).toBe(user.email);
    expect(inputValue(response.text, 'username')).toBe(user.username);
    expect(inputValue(response.text, 'status')).toBe('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(inputValue(response.text, 'status_message')).toBe('it&#39;s &#60;b&#62;&#38;&#60;/b&#62;');
    expect(response.text).not.toContain('<script>');
    expect(inputValue(response.text, 'form_token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Admin-only fields are not offered to the user themself (sending them would be refused).
    const own = await rest(server, 'GET', `/v1/users/${user.id}/edit`, { headers: bearer(user.token) });
    expect(own.status).toBe(200);
    expect(own.text).not.toContain('name="status"');
    expect(own.text).toContain('name="current_password"');
  });

  it('needs admin or the user: 401, 403; 404 and 410 as documented', async () => {
    const user = await createUser();
    const other = await createUser();
    const anonymous = await rest(server, 'GET', `/v1/users/${user.id}/edit`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual(UNAUTHORIZED);
    const others = await rest(server, 'GET', `/v1/users/${user.id}/edit`, { headers: bearer(other.token) });
    expect(others.status).toBe(403);
    const unknown = await rest(server, 'GET', '/v1/users/999999/edit', { headers: admin() });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual(error('resource_not_found', 'User was not found.'));
    await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: admin() });
    const gone = await rest(server, 'GET', `/v1/users/${user.id}/edit`, { headers: admin() });
    expect(gone.status).toBe(410);
    expect(gone.json).toEqual(error('resource_gone', 'That User has been deleted.'));
  });

  it('has a form token that updates that user only, for the fetching session only, and is no access token', async () => {
    const user = await createUser();
    const other = await createUser();
    const session = await signIn(server, user.email, PASSWORD);
    const page = await rest(server, 'GET', `/v1/users/${user.id}/edit`, { headers: bearer(session.accessToken) });
    const token = inputValue(page.text, 'form_token')!;
    const username = uniqueName('formtoken');
    const submit = (id: number, fields: Record<string, string>) =>
      rest(server, 'POST', `/v1/users/${id}`, { body: form({ _method: 'PUT', ...fields }), headers: FORM });

    const updated = await submit(user.id, { form_token: token, username });
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual(record({ id: user.id, email: user.email, username }));

    expect((await submit(other.id, { form_token: token, username: uniqueName() })).json).toEqual(UNAUTHORIZED);
    expect((await submit(user.id, { form_token: `${token.slice(0, -2)}xx`, username: uniqueName() })).json).toEqual(UNAUTHORIZED);
    expect((await submit(user.id, { username: uniqueName() })).json).toEqual(UNAUTHORIZED);
    // Only in the body of this PUT: not as a Bearer token, not for DELETE.
    expect((await rest(server, 'GET', `/v1/users/${user.id}`, { headers: bearer(token) })).status).toBe(401);
    expect((await submit(user.id, { _method: 'DELETE', form_token: token })).status).toBe(401);
    // It dies with the session that fetched the form.
    await server.gql(LogoutDocument, {}, { token: session.accessToken });
    expect((await submit(user.id, { form_token: token, username: uniqueName() })).json).toEqual(UNAUTHORIZED);
  });
});

it('lists every 003 route in the OpenAPI document', async () => {
  const doc = (await rest(server, 'GET', '/rest/openapi.json')).json;
  for (const [path, method] of [
    ['/v1/users', 'get'],
    ['/v1/users', 'post'],
    ['/v1/users/new', 'get'],
    ['/v1/users/{id}', 'get'],
    ['/v1/users/{id}', 'put'],
    ['/v1/users/{id}', 'delete'],
    ['/v1/users/{id}/edit', 'get'],
  ]) {
    expect(doc.paths[path]?.[method]?.['x-dialect']).toMatch(/d003/);
  }
  expect(doc.paths['/v1/users'].post['x-alternatives'].map((a: { dialect: string }) => a.dialect)).toEqual(['d001', 'd003']);
});

it('answers as the OpenAPI document describes (schemas of real answers)', async () => {
  const doc = (await rest(server, 'GET', '/rest/openapi.json')).json;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const expectDocumented = (method: string, path: string, response: RestResult) => {
    const media = doc.paths[path][method].responses[String(response.status)]?.content?.[response.type!];
    expect(`${method} ${path} ${response.status} ${media ? 'documented' : 'undocumented'}`).not.toMatch(/undocumented$/);
    if (response.type === 'text/html') return;
    const validate = ajv.compile(media.schema);
    validate(response.json);
    expect(validate.errors ?? []).toEqual([]);
  };
  const user = await createUser();
  const body = form({ email: uniqueEmail('doc'), username: uniqueName('doc'), password: PASSWORD, pass_confirm: PASSWORD });
  expectDocumented('post', '/v1/users', await rest(server, 'POST', '/v1/users', { body, headers: FORM }));
  expectDocumented('post', '/v1/users', await rest(server, 'POST', '/v1/users', { body, headers: FORM }));
  expectDocumented('post', '/v1/users', await rest(server, 'POST', '/v1/users', { body: form({ email: 'x' }), headers: FORM }));
  expectDocumented('get', '/v1/users', await rest(server, 'GET', '/v1/users?per_page=2', { headers: admin() }));
  expectDocumented('get', '/v1/users', await rest(server, 'GET', '/v1/users?page=99999', { headers: admin() }));
  expectDocumented('get', '/v1/users', await rest(server, 'GET', '/v1/users', { headers: bearer(user.token) }));
  expectDocumented('get', '/v1/users/{id}', await rest(server, 'GET', `/v1/users/${user.id}`, { headers: bearer(user.token) }));
  expectDocumented('get', '/v1/users/{id}', await rest(server, 'GET', '/v1/users/999999', { headers: admin() }));
  expectDocumented(
    'put',
    '/v1/users/{id}',
    await rest(server, 'PUT', `/v1/users/${user.id}`, { body: form({ username: uniqueName() }), headers: bearer(user.token) }),
  );
  expectDocumented('put', '/v1/users/{id}', await rest(server, 'PUT', `/v1/users/${user.id}`, { body: '', headers: bearer(user.token) }));
  expectDocumented('get', '/v1/users/new', await rest(server, 'GET', '/v1/users/new'));
  expectDocumented('get', '/v1/users/{id}/edit', await rest(server, 'GET', `/v1/users/${user.id}/edit`, { headers: bearer(user.token) }));
  expectDocumented('delete', '/v1/users/{id}', await rest(server, 'DELETE', `/v1/users/${user.id}`, { headers: bearer(user.token) }));
  expectDocumented('get', '/v1/users/{id}', await rest(server, 'GET', `/v1/users/${user.id}`, { headers: admin() }));
});

const ERROR_NAMES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'temporarily_unavailable',
};

defineDialectContract('003', {
  server: () => server,
  errorType: 'application/json',
  error: (status, _code, description) => ({ status, body: { error: ERROR_NAMES[status], error_description: description } }),
  send: (body, contentType) => rest(server, 'POST', '/v1/users', { body, headers: { 'Content-Type': contentType } }),
  json: 'application/json',
  accepts: [FORM['Content-Type'], 'application/json'],
  bodyLimit: 4096,
  signedIn: (token) => rest(server, 'GET', '/v1/users', { headers: bearer(token, {}) }),
  adminOnly: (token) => rest(server, 'GET', '/v1/users', { headers: bearer(token, {}) }),
  throttled: {
    // The only throttled operation here is registration, limited per client address (a taken email still counts).
    allowed: REGISTRATIONS_PER_IP,
    async start() {
      const taken = await createUser();
      const address = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      const body = form({ email: taken.email, username: uniqueName(), password: PASSWORD, pass_confirm: PASSWORD });
      return () => rest(server, 'POST', '/v1/users', { body, headers: { ...FORM, 'X-Forwarded-For': address } });
    },
  },
  readsDatabase: () => rest(server, 'GET', '/v1/users', { headers: admin() }),
});
