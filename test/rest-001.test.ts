// Dialect 001 (beach-api-core on Doorkeeper): every documented endpoint, the
// origin's DELETE /v1/auth/:token and /v1/password, application credentials,
// Bearer tokens and the confirmation_token header, replayed over HTTP.
import { Client } from 'pg';
import { CreateApplicationDocument, UpdateMeDocument } from './__generated__/graphql';
import { startTestServer, tokenFromMail, type TestServer } from './support/server';
import { FORM, JSON_BODY, bearer, railsForm, rest } from './support/rest';
import { PASSWORD, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';
import { defineDialectContract, startDialectServer, type DialectServer } from './support/dialect-contract';

let server: DialectServer;
let appHeader: string;
let appId: string;
let adminToken: string;
beforeAll(async () => {
  server = await startDialectServer({ BODY_LIMIT: '4096' });
  adminToken = (await signInAsAdmin(server)).accessToken;
  const app = dataOf(await server.gql(CreateApplicationDocument, { name: 'Legacy mobile app' }, { token: adminToken })).createApplication;
  appHeader = `application_id ${app.uid}, client_secret ${app.secret}`;
  appId = app.id;
});
afterAll(() => server.stop());

const withApp = () => ({ ...FORM, AUTHORIZATION: appHeader });
const error = (message: string) => ({ error: { message } });

/** The user object of the document's example response, for a fresh account. */
function freshUser(email: string, username: string | null) {
  return {
    id: expect.any(Number),
    email,
    username,
    user_preferences: [],
    is_me: true,
    roles: {},
    scores: 0,
    profile: { id: expect.any(Number), first_name: null, last_name: null, birth_date: null, sex: null, time_zone: null, avatar_url: null },
    organisations: [],
    teams: [],
  };
}

const JWT = expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/);

async function signUpRest(overrides: { email?: string; username?: string } = {}) {
  const email = overrides.email ?? uniqueEmail('beach');
  const username = overrides.username ?? `beach-${Math.random().toString(36).slice(2, 10)}`;
  const response = await rest(server, 'POST', '/v1/users', { body: railsForm({ user: { email, username, password: PASSWORD } }), headers: withApp() });
  expect(response.status).toBe(201);
  return { email, username, token: response.json.access_token as string, id: response.json.user.id as number };
}

async function applicationOfLatestSession(userId: number): Promise<number | null | undefined> {
  if (!server.databaseUrl) return undefined;
  const db = new Client({ connectionString: server.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query('SELECT application_id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1', [userId]);
    return rows[0]?.application_id ?? null;
  } finally {
    await db.end();
  }
}

describe('POST /v1/auth', () => {
  let email: string;
  beforeAll(async () => {
    email = uniqueEmail('auth');
    await signUp(server, { email, username: 'auth-user' });
  });

  it('signs in with session[email] and session[password] and the application header, answering the full user object and an access token', async () => {
    const response = await rest(server, 'POST', '/v1/auth', {
      body: `session%5Bemail%5D=${encodeURIComponent(email)}&session%5Bpassword%5D=${PASSWORD}`,
      headers: withApp(),
    });
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    expect(response.json).toEqual({ user: freshUser(email, 'auth-user'), access_token: JWT });
    expect(response.text).not.toContain(PASSWORD);
    const me = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${response.json.access_token}` } });
    expect(me.json.user.email).toBe(email);
    const recorded = await applicationOfLatestSession(response.json.user.id);
    if (recorded !== undefined) expect(String(recorded)).toBe(appId);
  });

  it('accepts a JSON body too', async () => {
    const response = await rest(server, 'POST', '/v1/auth', {
      body: JSON.stringify({ session: { email, password: PASSWORD } }),
      headers: { ...JSON_BODY, Authorization: appHeader },
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['missing application credentials', undefined, 'Require Application ID and secret'],
    ['a wrong client secret', () => appHeader.replace(/client_secret \S+/, 'client_secret wrong-secret'), 'Application ID and/or secret are not correct'],
    ['an unknown application id', () => appHeader.replace(/application_id \S+,/, 'application_id nobody,'), 'Application ID and/or secret are not correct'],
    ['a Bearer token instead', () => `Bearer ${adminToken}`, 'Application ID and/or secret are not correct'],
  ])('refuses %s with 400, the one error the document lists', async (_case, header, message) => {
    const headers: Record<string, string> = { ...FORM, ...(header ? { Authorization: header() } : {}) };
    const response = await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email, password: PASSWORD } }), headers });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error(message));
  });

  it.each([
    ['a wrong password', { session: { email: '$email', password: 'wrong-password' } }, 400, 'Invalid email, username or password.'],
    ['an unknown email', { session: { email: 'nobody@example.com', password: PASSWORD } }, 400, 'Invalid email, username or password.'],
    ['no session hash', { email: '$email', password: PASSWORD }, 400, 'Missing parameter session'],
    ['a missing password', { session: { email: '$email' } }, 400, 'Missing parameter session[password]'],
    ['an extra field', { session: { email: '$email', password: PASSWORD, admin: '1' } }, 400, 'Unknown parameter session[admin]'],
    ['an array for the email', { session: { email: ['$email'], password: PASSWORD } }, 400, 'Invalid parameter session[email]: must be a string'],
    ['a string for the session', { session: 'me' }, 400, 'Invalid parameter session: must be a hash'],
    ['an over-long email', { session: { email: `${'a'.repeat(260)}@example.com`, password: PASSWORD } }, 400, 'At most 254 characters.'],
  ])('answers %s in the dialect error shape', async (_case, template, status, message) => {
    const body = JSON.parse(JSON.stringify(template).replace(/\$email/g, email));
    const response = await rest(server, 'POST', '/v1/auth', { body: railsForm(body), headers: withApp() });
    expect(response.status).toBe(status);
    expect(response.json).toEqual(error(message));
  });
});

describe('POST /v1/users', () => {
  it('registers with user[email], user[username], user[password] and answers 201 with the user and an access token', async () => {
    const email = uniqueEmail('register');
    const body = `user%5Bemail%5D=${encodeURIComponent(email)}&user%5Busername%5D=brennaheathcote-44&user%5Bpassword%5D=${PASSWORD}`;
    const response = await rest(server, 'POST', '/v1/users', { body, headers: withApp() });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ user: freshUser(email, 'brennaheathcote-44'), access_token: JWT });
    expect(response.text).not.toContain(PASSWORD);
    const recorded = await applicationOfLatestSession(response.json.user.id);
    if (recorded !== undefined) expect(String(recorded)).toBe(appId);
  });

  it('refuses a taken email or username with 400, without touching the existing account', async () => {
    const first = await signUpRest();
    const sameEmail = await rest(server, 'POST', '/v1/users', {
      body: railsForm({ user: { email: first.email.toUpperCase(), username: 'someone-else', password: PASSWORD } }),
      headers: withApp(),
    });
    expect(sameEmail.status).toBe(400);
    expect(sameEmail.json).toEqual(error('An account with that email already exists.'));
    const sameName = await rest(server, 'POST', '/v1/users', {
      body: railsForm({ user: { email: uniqueEmail(), username: first.username, password: PASSWORD } }),
      headers: withApp(),
    });
    expect(sameName.status).toBe(400);
    expect(sameName.json).toEqual(error('That username is already taken.'));
    const me = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${first.token}` } });
    expect(me.json.user.username).toBe(first.username);
  });

  it.each([
    ['a missing username', (e: string) => ({ user: { email: e, password: PASSWORD } }), 'Missing parameter user[username]'],
    ['an over-long username', (e: string) => ({ user: { email: e, username: 'u'.repeat(65), password: PASSWORD } }), 'Username must be 3 to 64 characters.'],
    ['an invalid email', () => ({ user: { email: 'nope', username: 'valid-name', password: PASSWORD } }), 'Email is not a valid address.'],
    ['a short password', (e: string) => ({ user: { email: e, username: 'short-pass', password: 'short' } }), 'Password must be at least 8 characters long.'],
    ['an extra field', (e: string) => ({ user: { email: e, username: 'extra-field', password: PASSWORD, roles: 'admin' } }), 'Unknown parameter user[roles]'],
    [
      'a hash for the username',
      (e: string) => ({ user: { email: e, username: { first: 'x' }, password: PASSWORD } }),
      'Invalid parameter user[username]: must be a string',
    ],
  ])('answers %s with 400 and leaves no user behind', async (_case, body, message) => {
    const email = uniqueEmail('bad');
    const response = await rest(server, 'POST', '/v1/users', { body: railsForm(body(email)), headers: withApp() });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error(message));
    await signUpRest({ email });
  });

  it('refuses missing or wrong application credentials with 400 and creates nothing', async () => {
    const email = uniqueEmail('noapp');
    const body = railsForm({ user: { email, username: 'no-app-user', password: PASSWORD } });
    const missing = await rest(server, 'POST', '/v1/users', { body, headers: FORM });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual(error('Require Application ID and secret'));
    const wrong = await rest(server, 'POST', '/v1/users', {
      body,
      headers: { ...FORM, Authorization: appHeader.replace(/client_secret \S+/, 'client_secret x') },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual(error('Application ID and/or secret are not correct'));
    await signUpRest({ email, username: 'no-app-user' });
  });

  it('is chosen for a user[...] body or the application header (a flat form belongs to dialect 003)', async () => {
    // A flat form without application credentials is dialect 003's registration form (test/rest-003.test.ts).
    const flat = await rest(server, 'POST', '/v1/users', {
      body: 'email=flat%40example.com&username=flat&password=correct-horse-1&pass_confirm=correct-horse-1',
      headers: FORM,
    });
    expect(flat.status).toBe(201);
    expect(flat.json).toMatchObject({ email: 'flat@example.com', username: 'flat', password_hash: null });
    expect(flat.json.access_token).toBeUndefined();
    const json = await rest(server, 'POST', '/v1/users', {
      body: JSON.stringify({ user: { email: uniqueEmail('json'), username: 'json-user', password: PASSWORD } }),
      headers: { ...JSON_BODY, Authorization: appHeader },
    });
    expect(json.status).toBe(201);
  });
});

describe('GET /v1/user', () => {
  it('answers the signed-in user', async () => {
    const user = await signUpRest();
    const response = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ user: freshUser(user.email, user.username) });
  });

  it('shows roles as an object', async () => {
    const response = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(response.json.user.roles).toEqual({ admin: true });
  });

  it('answers application credentials (not a user) with 400', async () => {
    const response = await rest(server, 'GET', '/v1/user', { headers: { AUTHORIZATION: 'application_id a, client_secret b' } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error('You must be signed in to do this.'));
  });
});

describe('PUT /v1/user', () => {
  let user: Awaited<ReturnType<typeof signUpRest>>;
  let profileId: number;
  beforeAll(async () => {
    user = await signUpRest();
    profileId = (await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } })).json.user.profile.id;
  });

  it('updates the username and the nested profile, keeping unknown profile keys as custom fields', async () => {
    const body = railsForm({
      user: {
        email: user.email,
        username: `${user.username}-x`,
        profile_attributes: { id: profileId, first_name: 'Gavin', last_name: 'Dickens', sex: 'male', birth_date: '1976-04-02', favourite_colour: 'blue' },
      },
    });
    const response = await rest(server, 'PUT', '/v1/user', { body, headers: bearer(user.token) });
    expect(response.status).toBe(200);
    expect(response.json.user).toEqual({
      ...freshUser(user.email, `${user.username}-x`),
      id: user.id,
      profile: {
        id: profileId,
        first_name: 'Gavin',
        last_name: 'Dickens',
        birth_date: '1976-04-02',
        sex: 'male',
        time_zone: null,
        avatar_url: null,
        favourite_colour: 'blue',
      },
    });
    user.username = `${user.username}-x`;
    const again = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } });
    expect(again.json.user.profile.favourite_colour).toBe('blue');
  });

  it('removes a custom field given as JSON null', async () => {
    const set = await rest(server, 'PUT', '/v1/user', {
      body: railsForm({ user: { email: user.email, profile_attributes: { id: profileId, nickname: 'Gav' } } }),
      headers: bearer(user.token),
    });
    expect(set.json.user.profile.nickname).toBe('Gav');
    const removed = await rest(server, 'PUT', '/v1/user', {
      body: JSON.stringify({ user: { email: user.email, profile_attributes: { id: profileId, nickname: null } } }),
      headers: { ...JSON_BODY, Authorization: `Bearer ${user.token}` },
    });
    expect(removed.status).toBe(200);
    expect(removed.json.user.profile).not.toHaveProperty('nickname');
  });

  it('turns current_age into Date.today - current_age.years - 1.day', async () => {
    const body = railsForm({ user: { email: user.email, profile_attributes: { id: profileId, current_age: '30' } } });
    const response = await rest(server, 'PUT', '/v1/user', { body, headers: bearer(user.token) });
    expect(response.status).toBe(200);
    const today = new Date();
    const expected = new Date(Date.UTC(today.getUTCFullYear() - 30, today.getUTCMonth(), today.getUTCDate() - 1)).toISOString().slice(0, 10);
    expect(response.json.user.profile.birth_date).toBe(expected);
  });

  it('replaces preferences by id, from indexed and from Rails [] arrays of hashes', async () => {
    const created = await server.gql(
      UpdateMeDocument,
      { input: { preferences: [{ preferences: { theme: 'light' } }, { preferences: { lang: 'en' } }] } },
      { token: user.token },
    );
    const [first, second] = dataOf(created).updateMe.preferences;
    const indexed = await rest(server, 'PUT', '/v1/user', {
      body: railsForm({ user: { email: user.email, user_preferences_attributes: [{ id: first.id, preferences: { theme: 'dark' } }] } }),
      headers: bearer(user.token),
    });
    expect(indexed.status).toBe(200);
    expect(indexed.json.user.user_preferences).toEqual([
      { id: Number(first.id), preferences: { theme: 'dark' } },
      { id: Number(second.id), preferences: { lang: 'en' } },
    ]);
    const p = encodeURIComponent('user[user_preferences_attributes][]');
    const railsArrays = `user%5Bemail%5D=${encodeURIComponent(user.email)}&${p}%5Bid%5D=${first.id}&${p}%5Bpreferences%5D%5Btheme%5D=blue&${p}%5Bid%5D=${second.id}&${p}%5Bpreferences%5D%5Blang%5D=fr`;
    const rails = await rest(server, 'PUT', '/v1/user', { body: railsArrays, headers: bearer(user.token) });
    expect(rails.status).toBe(200);
    expect(rails.json.user.user_preferences).toEqual([
      { id: Number(first.id), preferences: { theme: 'blue' } },
      { id: Number(second.id), preferences: { lang: 'fr' } },
    ]);
  });

  it('changes the password only with the current password', async () => {
    const someone = await signUpRest();
    const pid = (await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${someone.token}` } })).json.user.profile.id;
    const change = (extra: Record<string, string>) =>
      rest(server, 'PUT', '/v1/user', {
        body: railsForm({
          user: { email: someone.email, profile_attributes: { id: pid, password: 'new-horse-22', password_confirmation: 'new-horse-22', ...extra } },
        }),
        headers: bearer(someone.token),
      });
    const missing = await change({});
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual(error('Enter your current password to change your email or password.'));
    const wrong = await change({ current_password: 'not-my-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.json).toEqual(error('The current password is wrong.'));
    const mismatch = await change({ current_password: PASSWORD, password_confirmation: 'other-horse-33' });
    expect(mismatch.json).toEqual(error('Password confirmation does not match the password.'));
    const ok = await change({ current_password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.text).not.toContain('new-horse-22');
    const login = await rest(server, 'POST', '/v1/auth', {
      body: railsForm({ session: { email: someone.email, password: 'new-horse-22' } }),
      headers: withApp(),
    });
    expect(login.status).toBe(200);
  });

  it.each([
    ['no user hash', {}, 400, 'Missing parameter user'],
    ['a missing email', { user: { username: 'whatever' } }, 400, 'Missing parameter user[email]'],
    ['an unknown user field', { user: { email: '$email', admin: '1' } }, 400, 'Unknown parameter user[admin]'],
    ['a missing profile id', { user: { email: '$email', profile_attributes: { first_name: 'X' } } }, 400, 'Missing parameter user[profile_attributes][id]'],
    [
      'an invalid sex',
      { user: { email: '$email', profile_attributes: { id: '$pid', sex: 'other' } } },
      400,
      'Invalid parameter user[profile_attributes][sex]: must be one of: male, female',
    ],
    [
      'a non-integer age',
      { user: { email: '$email', profile_attributes: { id: '$pid', current_age: 'old' } } },
      400,
      'Invalid parameter user[profile_attributes][current_age]: must be an integer from 0 to 150',
    ],
    [
      'an invalid birth date',
      { user: { email: '$email', profile_attributes: { id: '$pid', birth_date: '1976-02-30' } } },
      400,
      'Birth date must be a real date written YYYY-MM-DD.',
    ],
    [
      'an over-long first name',
      { user: { email: '$email', profile_attributes: { id: '$pid', first_name: 'n'.repeat(101) } } },
      400,
      'Must be at most 100 characters.',
    ],
    [
      'a custom field that is not a string',
      { user: { email: '$email', profile_attributes: { id: '$pid', hobby: { a: 'b' } } } },
      400,
      'Invalid parameter user[profile_attributes][hobby]: must be a string',
    ],
    [
      'a preference without preferences',
      { user: { email: '$email', user_preferences_attributes: [{ id: '1' }] } },
      400,
      'Missing parameter user[user_preferences_attributes][0][preferences]',
    ],
    [
      'a preference that is not yours',
      { user: { email: '$email', user_preferences_attributes: [{ id: '999999', preferences: { a: 'b' } }] } },
      400,
      'Preferences 999999 was not found.',
    ],
  ])('answers %s in the dialect error shape', async (_case, template, status, message) => {
    const body = railsForm(
      JSON.parse(
        JSON.stringify(template)
          .replace(/\$email/g, user.email)
          .replace(/\$pid/g, String(profileId)),
      ),
    );
    const response = await rest(server, 'PUT', '/v1/user', { body, headers: bearer(user.token) });
    expect(response.status).toBe(status);
    expect(response.json).toEqual(error(message));
  });

  it('refuses a taken username or email', async () => {
    const other = await signUpRest();
    const response = await rest(server, 'PUT', '/v1/user', {
      body: railsForm({ user: { email: user.email, username: other.username } }),
      headers: bearer(user.token),
    });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error('That username is already taken.'));
    const email = await rest(server, 'PUT', '/v1/user', {
      body: railsForm({ user: { email: other.email, current_password: PASSWORD } }),
      headers: bearer(user.token),
    });
    expect(email.status).toBe(400);
    expect(email.json).toEqual(error('An account with that email already exists.'));
  });

  it('needs a Bearer token', async () => {
    const response = await rest(server, 'PUT', '/v1/user', { body: railsForm({ user: { email: user.email } }), headers: FORM });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error('You must be signed in to do this.'));
  });
});

describe('POST /v1/users/:id/confirm', () => {
  it('confirms with the confirmation_token header and answers the user object and an access token', async () => {
    const user = await signUpRest();
    const token = tokenFromMail((await server.mails(user.email)).at(-1)!);
    const response = await rest(server, 'POST', `/v1/users/${user.id}/confirm`, { headers: { confirmation_token: token } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ user: { ...freshUser(user.email, user.username), id: user.id }, access_token: JWT });
    const reused = await rest(server, 'POST', `/v1/users/${user.id}/confirm`, { headers: { confirmation_token: token } });
    expect(reused.status).toBe(400);
    expect(reused.json).toEqual(error('The confirmation token is invalid or has expired.'));
  });

  it.each([
    ['a wrong token', () => '1', { confirmation_token: 'wrong' }, 'The confirmation token is invalid or has expired.'],
    ['an unknown id', () => '999999', { confirmation_token: 'wrong' }, 'The confirmation token is invalid or has expired.'],
    ['a missing header', () => '1', {}, 'Missing header confirmation_token'],
    ['a non-numeric id', () => 'abc', { confirmation_token: 'x' }, 'id must be a positive integer id.'],
  ])('answers %s with 400', async (_case, id, headers, message) => {
    const response = await rest(server, 'POST', `/v1/users/${id()}/confirm`, { headers: headers });
    expect(response.status).toBe(400);
    expect(response.json).toEqual(error(message));
  });
});

describe('PUT /v1/users/confirm_user/:id', () => {
  it('is mounted only when the schema has confirmUserById (admin issue)', async () => {
    const openapi = (await rest(server, 'GET', '/rest/openapi.json')).json;
    const mounted = Boolean(openapi.paths['/v1/users/confirm_user/{id}']);
    const target = await signUpRest();
    const asAdmin = await rest(server, 'PUT', `/v1/users/confirm_user/${target.id}`, { headers: { Authorization: `Bearer ${adminToken}` } });
    if (!mounted) {
      expect(asAdmin.status).toBe(404);
      return;
    }
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.json).toEqual({ message: `User with id: ${target.id} was successfully confirmed` });
    const asUser = await rest(server, 'PUT', `/v1/users/confirm_user/${target.id}`, { headers: { Authorization: `Bearer ${target.token}` } });
    expect(asUser.status).toBe(400);
    expect(asUser.json.error.message).toEqual(expect.any(String));
    const anonymous = await rest(server, 'PUT', `/v1/users/confirm_user/${target.id}`);
    expect(anonymous.status).toBe(400);
    const unknown = await rest(server, 'PUT', '/v1/users/confirm_user/999999', { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(unknown.status).toBe(400);
  });
});

describe('DELETE /v1/auth/:token', () => {
  it('revokes the session of the token: it stops working at once', async () => {
    const user = await signUpRest();
    const response = await rest(server, 'DELETE', `/v1/auth/${user.token}`, { headers: { Authorization: `Bearer ${user.token}` } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ message: 'Access token was successfully revoked' });
    expect((await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } })).status).toBe(400);
  });

  it("revokes another of one's own tokens, but not somebody else's", async () => {
    const user = await signUpRest();
    const second = await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email: user.email, password: PASSWORD } }), headers: withApp() });
    const other = await signUpRest();
    const foreign = await rest(server, 'DELETE', `/v1/auth/${other.token}`, { headers: { Authorization: `Bearer ${user.token}` } });
    expect(foreign.status).toBe(404);
    expect(foreign.json).toEqual(error('Access token not found'));
    expect((await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${other.token}` } })).status).toBe(200);
    const own = await rest(server, 'DELETE', `/v1/auth/${second.json.access_token}`, { headers: { Authorization: `Bearer ${user.token}` } });
    expect(own.status).toBe(200);
    expect((await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${second.json.access_token}` } })).status).toBe(400);
    expect((await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } })).status).toBe(200);
  });

  it('needs a Bearer token, and answers 404 for something that is not a token', async () => {
    const user = await signUpRest();
    const anonymous = await rest(server, 'DELETE', `/v1/auth/${user.token}`);
    expect(anonymous.status).toBe(400);
    expect(anonymous.json).toEqual(error('You must be signed in to do this.'));
    const garbage = await rest(server, 'DELETE', '/v1/auth/garbage', { headers: { Authorization: `Bearer ${user.token}` } });
    expect(garbage.status).toBe(404);
  });
});

describe('/v1/password', () => {
  it('answers the same whether or not the account exists, and mails a reset token that PUT accepts', async () => {
    const user = await signUpRest();
    const known = await rest(server, 'POST', '/v1/password', { body: `email=${encodeURIComponent(user.email)}`, headers: FORM });
    const unknown = await rest(server, 'POST', '/v1/password', { body: 'email=nobody%40example.com', headers: FORM });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(known.json).toEqual(unknown.json);
    expect(known.json).toEqual({ message: expect.any(String) });
    const mail = await server.waitForMail(user.email, 'Subject: Reset your password');
    const token = tokenFromMail(mail);
    const mismatch = await rest(server, 'PUT', '/v1/password', {
      body: railsForm({ token, password: 'reset-horse-1', password_confirmation: 'other' }),
      headers: FORM,
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json).toEqual(error('Password confirmation does not match the password.'));
    const reset = await rest(server, 'PUT', '/v1/password', {
      body: railsForm({ token, password: 'reset-horse-1', password_confirmation: 'reset-horse-1' }),
      headers: FORM,
    });
    expect(reset.status).toBe(200);
    expect(reset.json).toEqual({ message: expect.any(String) });
    expect((await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } })).status).toBe(400);
    const login = await rest(server, 'POST', '/v1/auth', {
      body: railsForm({ session: { email: user.email, password: 'reset-horse-1' } }),
      headers: withApp(),
    });
    expect(login.status).toBe(200);
    const reused = await rest(server, 'PUT', '/v1/password', { body: railsForm({ token, password: 'again-horse-1' }), headers: FORM });
    expect(reused.status).toBe(400);
    expect(reused.json).toEqual(error('The reset token is invalid or has expired; ask for a new one.'));
  });

  it('answers missing parameters with 400', async () => {
    expect((await rest(server, 'POST', '/v1/password', { body: '', headers: FORM })).json).toEqual(error('Missing parameter email'));
    const put = await rest(server, 'PUT', '/v1/password', { body: 'password=x', headers: FORM });
    expect(put.status).toBe(400);
    expect(put.json).toEqual(error('Missing parameter token'));
  });
});

it('never answers a password hash or secret', async () => {
  const user = await signUpRest();
  const response = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${user.token}` } });
  expect(response.text).not.toMatch(/hash|secret|\$2[aby]\$/i);
});

describe('POST /v1/users where sign-in needs a confirmed email', () => {
  let strict: TestServer;
  let strictApp: string;
  beforeAll(async () => {
    strict = await startTestServer({ REQUIRE_EMAIL_CONFIRMATION: 'true' });
    const admin = await signInAsAdmin(strict);
    const app = dataOf(await strict.gql(CreateApplicationDocument, { name: 'strict' }, { token: admin.accessToken })).createApplication;
    strictApp = `application_id ${app.uid}, client_secret ${app.secret}`;
  });
  afterAll(() => strict.stop());

  it('answers 201 without a token rather than an error for an account it did create', async () => {
    const email = uniqueEmail('strict');
    const body = railsForm({ user: { email, username: 'strict-user', password: PASSWORD } });
    const response = await rest(strict, 'POST', '/v1/users', { body, headers: { ...FORM, Authorization: strictApp } });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ user: null, access_token: null, message: 'Confirm your email address before signing in; check your inbox for the link.' });
    const again = await rest(strict, 'POST', '/v1/users', { body, headers: { ...FORM, Authorization: strictApp } });
    expect(again.json).toEqual(error('An account with that email already exists.'));
    const signIn = await rest(strict, 'POST', '/v1/auth', {
      body: railsForm({ session: { email, password: PASSWORD } }),
      headers: { ...FORM, Authorization: strictApp },
    });
    expect(signIn.status).toBe(400);
    expect(signIn.json).toEqual(error('Confirm your email address before signing in; check your inbox for the link.'));
  });
});

defineDialectContract('001', {
  server: () => server,
  errorType: 'application/json',
  // Every client error is 400 here; a throttled client (429) and an outage (503) keep their status.
  error: (status, _code, message) => ({ status: status === 429 || status >= 500 ? status : 400, body: { error: { message } } }),
  send: (body, contentType) => rest(server, 'POST', '/v1/auth', { body, headers: { 'Content-Type': contentType, Authorization: appHeader } }),
  json: 'application/json',
  accepts: [FORM['Content-Type'], 'application/json'],
  bodyLimit: 4096,
  signedIn: (token) => rest(server, 'GET', '/v1/user', { headers: bearer(token, {}) }),
  adminOnly: async (token) => rest(server, 'PUT', `/v1/users/confirm_user/${(await signUpRest()).id}`, { headers: bearer(token, {}) }),
  throttled: {
    // RESET_REQUESTS_PER_ACCOUNT (5 by default) requests an hour, known account or not.
    allowed: 5,
    async start() {
      const email = uniqueEmail('beach-reset');
      return () => rest(server, 'POST', '/v1/password', { body: `email=${encodeURIComponent(email)}`, headers: FORM });
    },
  },
  readsDatabase: () => rest(server, 'GET', '/v1/user', { headers: bearer(adminToken, {}) }),
});
