// Dialect 002 (BEdita 4 JSON:API users and roles): every example of the
// document replayed over HTTP and compared field by field, the /roles side the
// seeds README adds, pagination, every documented error, the bad inputs of
// issue 3, and who may call what (anonymous, the user, another user, admin).
// The server's public URL is http://example.com, as in the document.
import Ajv2020 from 'ajv/dist/2020';
import { LoginDocument } from './__generated__/graphql';
import { rest, type RestResult } from './support/rest';
import { PASSWORD, signInAsAdmin, signUp, uniqueTag } from './support/fixtures';
import { defineDialectContract, startDialectServer, type DialectServer } from './support/dialect-contract';

const BASE = 'http://example.com';
const JSON_API = 'application/vnd.api+json';
const STAMP = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
const ID = expect.stringMatching(/^\d+$/);

let server: DialectServer;
let adminToken: string;
let adminId: string;
let adminRoleId: string;
let user: Awaited<ReturnType<typeof signUp>>;
let other: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startDialectServer({ PUBLIC_URL: BASE });
  const admin = await signInAsAdmin(server);
  adminToken = admin.accessToken;
  adminId = admin.user.id;
  adminRoleId = admin.user.roles.find((r) => r.name === 'admin')!.id;
  user = await signUp(server);
  other = await signUp(server);
});
afterAll(() => server.stop());

type Body = Record<string, unknown> | unknown[] | string;

/** A request as the document writes it: JSON:API Accept and Content-Type, a Bearer token unless null. */
function api(method: string, path: string, token: string | null, body?: Body, headers: Record<string, string> = {}): Promise<RestResult> {
  return rest(server, method, path, {
    headers: {
      Accept: JSON_API,
      ...(body !== undefined ? { 'Content-Type': JSON_API } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const admin = (method: string, path: string, body?: Body) => api(method, path, adminToken, body);

const TITLES: Record<number, string> = {
  400: 'Invalid data',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  503: 'Service Unavailable',
};

function expectError(response: RestResult, status: number, code: string, detail: string | RegExp): void {
  expect({ status: response.status, type: response.type }).toEqual({ status, type: JSON_API });
  expect(response.json).toEqual({
    error: { status: String(status), title: TITLES[status], code, detail: typeof detail === 'string' ? detail : expect.stringMatching(detail) },
  });
}

const SIGN_IN = 'You must be signed in to do this.';
const ADMIN_ONLY = 'This needs the admin role.';

function userLinks(id: string) {
  return { roles: { links: { related: `${BASE}/users/${id}/roles`, self: `${BASE}/users/${id}/relationships/roles` } } };
}

function roleResource(role: { id: string; name: string; description?: string | null }) {
  return {
    id: role.id,
    type: 'roles',
    attributes: { name: role.name, description: role.description ?? null, unchangeable: false, created: STAMP, modified: STAMP },
    links: { self: `${BASE}/roles/${role.id}` },
    relationships: { users: { links: { related: `${BASE}/roles/${role.id}/users`, self: `${BASE}/roles/${role.id}/relationships/users` } } },
  };
}

async function createUser(attributes: Record<string, unknown>): Promise<string> {
  const response = await admin('POST', '/users', { data: { type: 'users', attributes: { password: PASSWORD, ...attributes } } });
  expect(response.status).toBe(201);
  return response.json.data.id;
}

async function createRole(name: string): Promise<{ id: string; name: string }> {
  const response = await admin('POST', '/roles', { data: { type: 'roles', attributes: { name } } });
  expect(response.status).toBe(201);
  return { id: response.json.data.id, name };
}

function pagination(count: number, page: number, pageCount: number, pageItems: number, pageSize = 20) {
  return { pagination: { count, page, page_count: pageCount, page_items: pageItems, page_size: pageSize } };
}

describe('POST /users (create user john doe)', () => {
  it('answers the document example as written with our password rule: 400, since j04nd0e is shorter than 8 characters', async () => {
    const response = await api('POST', '/users', adminToken, {
      data: { type: 'users', attributes: { username: 'johndoe', password: 'j04nd0e', uname: 'johndoe' } },
    });
    expectError(response, 400, 'BAD_USER_INPUT', 'password: Password must be at least 8 characters long.');
  });

  it("creates the user with the required attributes: 201, the document's body, password null, no email needed", async () => {
    const response = await api('POST', '/users', adminToken, {
      data: { type: 'users', attributes: { username: 'johndoe', password: 'j04nd0e-long', uname: 'johndoe' } },
    });
    expect(response.status).toBe(201);
    expect(response.type).toBe(JSON_API);
    const id = response.json.data.id;
    expect(response.json).toEqual({
      data: {
        id: ID,
        type: 'users',
        attributes: {
          username: 'johndoe',
          password: null,
          uname: 'johndoe',
          created_by: Number(adminId),
          modified_by: Number(adminId),
          created: STAMP,
          modified: STAMP,
          email: null,
          name: null,
          surname: null,
        },
        relationships: userLinks(id),
      },
      links: { self: `${BASE}/users`, home: `${BASE}/home` },
    });
    expect(response.text).not.toContain('j04nd0e-long');
    const login = await server.gql(LoginDocument, { identifier: 'johndoe', password: 'j04nd0e-long' });
    expect(login.data?.login.user.id).toBe(id);
  });

  it('takes name, surname and email, and plain application/json', async () => {
    const username = `jane-${uniqueTag()}`;
    const response = await api(
      'POST',
      '/users',
      adminToken,
      JSON.stringify({ data: { type: 'users', attributes: { username, password: PASSWORD, name: 'Jane', surname: 'Roe', email: `${username}@example.com` } } }),
      {
        'Content-Type': 'application/json',
      },
    );
    expect(response.status).toBe(201);
    expect(response.json.data.attributes).toMatchObject({ username, uname: username, name: 'Jane', surname: 'Roe', email: `${username}@example.com` });
  });

  it('answers 400 Invalid data when the user already exists', async () => {
    await createUser({ username: 'taken-name' });
    expectError(
      await admin('POST', '/users', { data: { type: 'users', attributes: { username: 'taken-name', password: PASSWORD } } }),
      400,
      'CONFLICT',
      'username: That username is already taken.',
    );
  });

  it.each([
    ['no username', { password: PASSWORD }, 'username: Missing parameter username'],
    ['no password', { username: 'no-password' }, 'password: Missing parameter password'],
    ['no attributes', undefined, 'username: Missing parameter username password: Missing parameter password'],
    ['a number for a username', { username: 42, password: PASSWORD }, 'username: Invalid parameter username: must be a string'],
    ['a uname unlike the username', { username: 'one-name', uname: 'other-name', password: PASSWORD }, 'uname: uname must equal username.'],
    ['an unknown attribute', { username: 'extra-field', password: PASSWORD, admin: true }, 'admin: Unknown parameter admin'],
    ['an over-long username', { username: 'u'.repeat(65), password: PASSWORD }, 'username: Username must be 3 to 64 characters.'],
    ['an over-long name', { username: 'long-name', password: PASSWORD, name: 'n'.repeat(101) }, 'name: Must be at most 100 characters.'],
    ['an over-long surname', { username: 'long-surname', password: PASSWORD, surname: 's'.repeat(101) }, 'surname: Must be at most 100 characters.'],
    ['an invalid email', { username: 'bad-email', password: PASSWORD, email: 'not-an-email' }, 'email: Email is not a valid address.'],
  ])('answers 400 Invalid data for %s, creating nothing', async (_case, attributes, detail) => {
    const response = await admin('POST', '/users', { data: { type: 'users', ...(attributes ? { attributes } : {}) } });
    expectError(response, 400, 'BAD_USER_INPUT', detail);
  });

  it('leaves no half-created user behind after a refused request', async () => {
    const username = `retry-${uniqueTag()}`;
    expectError(
      await admin('POST', '/users', { data: { type: 'users', attributes: { username, password: PASSWORD, surname: 's'.repeat(101) } } }),
      400,
      'BAD_USER_INPUT',
      'surname: Must be at most 100 characters.',
    );
    await createUser({ username });
  });

  it('refuses bodies that are not a users document', async () => {
    expectError(await admin('POST', '/users', '{"data": {"type": "users",'), 400, 'MALFORMED_BODY', 'The request body is not valid JSON.');
    expectError(
      await admin('POST', '/users', { type: 'users', attributes: { username: 'flat' } }),
      400,
      'BAD_USER_INPUT',
      'data: The body must be a JSON:API document with `data`.',
    );
    expectError(await admin('POST', '/users', { data: [{ type: 'users' }] }), 400, 'BAD_USER_INPUT', 'data: `data` must be a resource object.');
    expectError(
      await admin('POST', '/users', { data: { attributes: { username: 'typeless' } } }),
      400,
      'BAD_USER_INPUT',
      'data.type: Missing resource type: send "users".',
    );
    expectError(
      await admin('POST', '/users', { data: { type: 'users', attributes: 'johndoe' } }),
      400,
      'BAD_USER_INPUT',
      'data.attributes: `data.attributes` must be an object.',
    );
    expectError(
      await admin('POST', '/users', { data: { type: 'roles', attributes: { username: 'x-user', password: PASSWORD } } }),
      409,
      'CONFLICT',
      'data.type: Unsupported resource type roles: send "users".',
    );
  });

  it('is for admins only: 401 without a valid token, 403 for a user', async () => {
    const body = { data: { type: 'users', attributes: { username: 'by-a-user', password: PASSWORD } } };
    expectError(await api('POST', '/users', null, body), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(await api('POST', '/users', 'not-a-token', body), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(await api('POST', '/users', user.accessToken, body), 403, 'FORBIDDEN', ADMIN_ONLY);
  });
});

describe('GET /users and GET /users/:id', () => {
  let johnId: string;
  beforeAll(async () => {
    johnId = await createUser({ username: `john-${uniqueTag()}`, name: 'john', surname: 'doe' });
  });

  it('lists users as the document example: data, links with first/last/prev/next, meta.pagination', async () => {
    const response = await api('GET', '/users', adminToken);
    expect(response.status).toBe(200);
    expect(response.type).toBe(JSON_API);
    const count = response.json.meta.pagination.count;
    expect(count).toBeGreaterThan(3);
    expect(count).toBeLessThanOrEqual(20);
    expect(response.json.links).toEqual({ self: `${BASE}/users`, home: `${BASE}/home`, first: `${BASE}/users`, last: `${BASE}/users`, prev: null, next: null });
    expect(response.json.meta).toEqual(pagination(count, 1, 1, count));
    const john = response.json.data.find((u: { id: string }) => u.id === johnId);
    expect(john).toEqual({
      id: johnId,
      type: 'users',
      attributes: expect.objectContaining({ username: expect.stringMatching(/^john-/), name: 'john', surname: 'doe', password: null }),
      relationships: userLinks(johnId),
    });
    expect(response.json.data.map((u: { id: string }) => Number(u.id))).toEqual(
      [...response.json.data.map((u: { id: string }) => Number(u.id))].sort((a, b) => a - b),
    );
  });

  it('pages with page and page_size, keeping the other parameters in the links', async () => {
    const all = (await api('GET', '/users?page_size=100', adminToken)).json.meta.pagination.count as number;
    const last = Math.ceil(all / 2);
    const first = await api('GET', '/users?page_size=2', adminToken);
    expect(first.json.links).toEqual({
      self: `${BASE}/users?page_size=2`,
      home: `${BASE}/home`,
      first: `${BASE}/users?page_size=2`,
      last: `${BASE}/users?page_size=2&page=${last}`,
      prev: null,
      next: `${BASE}/users?page_size=2&page=2`,
    });
    expect(first.json.meta).toEqual(pagination(all, 1, last, 2, 2));
    const second = await api('GET', '/users?page=2&page_size=2', adminToken);
    expect(second.json.links).toMatchObject({
      self: `${BASE}/users?page=2&page_size=2`,
      prev: `${BASE}/users?page_size=2`,
      next: last > 2 ? `${BASE}/users?page_size=2&page=3` : null,
    });
    expect(second.json.data.map((u: { id: string }) => u.id)).not.toContain(first.json.data[0].id);
    const end = await api('GET', `/users?page=${last}&page_size=2`, adminToken);
    expect(end.json.links.next).toBeNull();
    expect(end.json.meta.pagination.page_items).toBe(all - 2 * (last - 1));
    expect((await api('GET', '/users?page_size=100', adminToken)).status).toBe(200);
  });

  it.each([
    ['page=0', 400, 'BAD_USER_INPUT', 'page: Invalid parameter page: must be an integer from 1'],
    ['page=-1', 400, 'BAD_USER_INPUT', 'page: Invalid parameter page: must be an integer from 1'],
    ['page=abc', 400, 'BAD_USER_INPUT', 'page: Invalid parameter page: must be an integer from 1'],
    ['page_size=101', 400, 'BAD_USER_INPUT', 'page_size: Invalid parameter page_size: must be an integer from 1 to 100'],
    ['page_size=0', 400, 'BAD_USER_INPUT', 'page_size: Invalid parameter page_size: must be an integer from 1 to 100'],
    ['page=999', 404, 'NOT_FOUND', /^Page 999 is out of range: the last page is 1\.$/],
  ])('answers %s with %i', async (query, status, code, detail) => {
    expectError(await api('GET', `/users?${query}`, adminToken), status, code, detail);
  });

  it('filters the collection with ?id=', async () => {
    const one = await api('GET', `/users?id=${johnId}`, adminToken);
    expect(one.json.data.map((u: { id: string }) => u.id)).toEqual([johnId]);
    expect(one.json.meta).toEqual(pagination(1, 1, 1, 1));
    expect(one.json.links).toMatchObject({ self: `${BASE}/users?id=${johnId}`, first: `${BASE}/users?id=${johnId}` });
    const none = await api('GET', '/users?id=999999', adminToken);
    expect(none.json).toMatchObject({ data: [], meta: pagination(0, 1, 1, 0) });
    expectError(await api('GET', '/users?id=abc', adminToken), 400, 'BAD_USER_INPUT', 'id: Not a valid id.');
  });

  it('lists every user for admins only: 401 without a valid token, 403 for a user', async () => {
    expectError(await api('GET', '/users', null), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(await api('GET', '/users', 'garbage'), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(await api('GET', '/users', user.accessToken), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('GET', `/users?id=${user.user.id}`, user.accessToken), 403, 'FORBIDDEN', ADMIN_ONLY);
  });

  it('reads one user: an admin or the user themself; another user is 403', async () => {
    const byAdmin = await api('GET', `/users/${johnId}`, adminToken);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.json).toEqual({
      data: {
        id: johnId,
        type: 'users',
        attributes: expect.objectContaining({ name: 'john', surname: 'doe', password: null, created_by: Number(adminId), created: STAMP, modified: STAMP }),
        relationships: userLinks(johnId),
      },
      links: { self: `${BASE}/users/${johnId}`, home: `${BASE}/home` },
    });
    const self = await api('GET', `/users/${user.user.id}`, user.accessToken);
    expect(self.status).toBe(200);
    expect(self.json.data.attributes).toMatchObject({ email: user.user.email, created_by: null, password: null });
    expectError(await api('GET', `/users/${other.user.id}`, user.accessToken), 403, 'FORBIDDEN', 'You may only do this for your own account.');
    expectError(await api('GET', `/users/${johnId}`, null), 401, 'UNAUTHENTICATED', SIGN_IN);
  });

  it('answers 404 for unknown and deleted users, 400 for a malformed id', async () => {
    expectError(await api('GET', '/users/999999', adminToken), 404, 'NOT_FOUND', 'User was not found.');
    const doomed = await createUser({ username: `doomed-${uniqueTag()}` });
    expect((await admin('DELETE', `/users/${doomed}`)).status).toBe(204);
    expectError(await api('GET', `/users/${doomed}`, adminToken), 404, 'GONE', 'User has been deleted.');
    expectError(await api('GET', '/users/abc', adminToken), 400, 'BAD_USER_INPUT', 'id: Not a valid id.');
  });
});

describe('GET /users/:id/roles (get user johndoe roles)', () => {
  let johnId: string;
  let dummy: { id: string; name: string };
  beforeAll(async () => {
    johnId = await createUser({ username: `johnroles-${uniqueTag()}` });
    dummy = await createRole(`dummy role ${uniqueTag()}`);
    expect((await admin('POST', `/users/${johnId}/relationships/roles`, { data: { type: 'roles', id: Number(dummy.id) } })).status).toBe(200);
  });

  it('answers the document example field by field', async () => {
    const response = await api('GET', `/users/${johnId}/roles`, adminToken);
    expect(response.status).toBe(200);
    expect(response.type).toBe(JSON_API);
    expect(response.json).toEqual({
      data: [roleResource(dummy)],
      links: {
        self: `${BASE}/users/${johnId}/roles`,
        home: `${BASE}/home`,
        first: `${BASE}/users/${johnId}/roles`,
        last: `${BASE}/users/${johnId}/roles`,
        prev: null,
        next: null,
      },
      meta: pagination(1, 1, 1, 1),
    });
  });

  it('answers the same with ?id= and the roles token on the collection', async () => {
    const response = await api('GET', `/users?id=${johnId}&roles`, adminToken);
    expect(response.status).toBe(200);
    expect(response.json.data).toEqual([roleResource(dummy)]);
    expect(response.json.meta).toEqual(pagination(1, 1, 1, 1));
    expect(response.json.links.self).toBe(`${BASE}/users?id=${johnId}&roles=`);
  });

  it('pages the roles, and refuses bad pages', async () => {
    const second = await createRole(`second role ${uniqueTag()}`);
    await admin('POST', `/users/${johnId}/relationships/roles`, { data: [{ type: 'roles', id: second.id }] });
    const page2 = await api('GET', `/users/${johnId}/roles?page=2&page_size=1`, adminToken);
    expect(page2.json.data).toEqual([roleResource(second)]);
    expect(page2.json.meta).toEqual(pagination(2, 2, 2, 1, 1));
    expect(page2.json.links).toMatchObject({ prev: `${BASE}/users/${johnId}/roles?page_size=1`, next: null });
    expectError(await api('GET', `/users/${johnId}/roles?page=3&page_size=1`, adminToken), 404, 'NOT_FOUND', 'Page 3 is out of range: the last page is 2.');
    expectError(
      await api('GET', `/users/${johnId}/roles?page_size=101`, adminToken),
      400,
      'BAD_USER_INPUT',
      'page_size: Invalid parameter page_size: must be an integer from 1 to 100',
    );
  });

  it('is for an admin or the user themself', async () => {
    const own = await api('GET', `/users/${user.user.id}/roles`, user.accessToken);
    expect(own.json).toMatchObject({ data: [], meta: pagination(0, 1, 1, 0) });
    expectError(await api('GET', `/users/${johnId}/roles`, user.accessToken), 403, 'FORBIDDEN', 'You may only do this for your own account.');
    expectError(await api('GET', `/users/${johnId}/roles`, null), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(await api('GET', '/users/999999/roles', adminToken), 404, 'NOT_FOUND', 'User was not found.');
  });
});

describe('PATCH /users/:id (modify user john doe)', () => {
  let johnId: string;
  let username: string;
  beforeAll(async () => {
    username = `johnpatch-${uniqueTag()}`;
    johnId = await createUser({ username, name: 'john', surname: 'doe' });
  });

  it('answers the document example field by field', async () => {
    const response = await api('PATCH', `/users/${johnId}`, adminToken, {
      data: { id: Number(johnId), type: 'users', attributes: { name: 'Johnny', surname: 'Doe' } },
    });
    expect(response.status).toBe(200);
    expect(response.type).toBe(JSON_API);
    expect(response.json).toEqual({
      data: {
        id: johnId,
        type: 'users',
        attributes: expect.objectContaining({ username, name: 'Johnny', surname: 'Doe', password: null, modified_by: Number(adminId) }),
        relationships: userLinks(johnId),
      },
      links: { self: `${BASE}/users/${johnId}`, home: `${BASE}/home` },
    });
  });

  it('takes a string id or none, clears a name with null, and changes the password without echoing it', async () => {
    const cleared = await admin('PATCH', `/users/${johnId}`, { data: { id: johnId, type: 'users', attributes: { name: null } } });
    expect(cleared.json.data.attributes).toMatchObject({ name: null, surname: 'Doe' });
    const password = 'a-new-password-1';
    const changed = await admin('PATCH', `/users/${johnId}`, { data: { type: 'users', attributes: { password } } });
    expect(changed.status).toBe(200);
    expect(changed.text).not.toContain(password);
    expect((await server.gql(LoginDocument, { identifier: username, password })).data?.login.user.id).toBe(johnId);
  });

  it('answers 409 when the document names another id or type', async () => {
    expectError(
      await admin('PATCH', `/users/${johnId}`, { data: { id: 1, type: 'users', attributes: { name: 'x' } } }),
      409,
      'CONFLICT',
      `data.id: IDs don't match: the URL names ${johnId}.`,
    );
    expectError(
      await admin('PATCH', `/users/${johnId}`, { data: { id: johnId, type: 'roles', attributes: { name: 'x' } } }),
      409,
      'CONFLICT',
      'data.type: Unsupported resource type roles: send "users".',
    );
  });

  it('answers 400 Invalid data for nothing to change, taken or over-long values, and unreadable bodies', async () => {
    expectError(
      await admin('PATCH', `/users/${johnId}`, { data: { type: 'users', attributes: {} } }),
      400,
      'BAD_USER_INPUT',
      'data.attributes: No data found to update.',
    );
    const taken = await createUser({ username: `taken-${uniqueTag()}` });
    const takenName = (await api('GET', `/users/${taken}`, adminToken)).json.data.attributes.username;
    expectError(
      await admin('PATCH', `/users/${johnId}`, { data: { type: 'users', attributes: { username: takenName } } }),
      400,
      'CONFLICT',
      'username: That username is already taken.',
    );
    expectError(
      await admin('PATCH', `/users/${johnId}`, { data: { type: 'users', attributes: { surname: 's'.repeat(101) } } }),
      400,
      'BAD_USER_INPUT',
      'surname: Must be at most 100 characters.',
    );
    expectError(
      await admin('PATCH', `/users/${johnId}`, { data: { type: 'users', attributes: { created: '2016-12-13T12:08:02+00:00' } } }),
      400,
      'BAD_USER_INPUT',
      'created: Unknown parameter created',
    );
    expectError(await admin('PATCH', `/users/${johnId}`, '{"data":'), 400, 'MALFORMED_BODY', 'The request body is not valid JSON.');
    expectError(
      await api('PATCH', `/users/${johnId}`, adminToken, 'name=x', { 'Content-Type': 'application/x-www-form-urlencoded' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /^Content type application\/x-www-form-urlencoded/,
    );
    const unchanged = await api('GET', `/users/${johnId}`, adminToken);
    expect(unchanged.json.data.attributes.username).toBe(username);
  });

  it('answers 404 for unknown users', async () => {
    expectError(await admin('PATCH', '/users/999999', { data: { type: 'users', attributes: { name: 'x' } } }), 404, 'NOT_FOUND', 'User was not found.');
  });

  it('is for admins only, even on your own record', async () => {
    const body = { data: { type: 'users', attributes: { name: 'Me' } } };
    expectError(await api('PATCH', `/users/${user.user.id}`, user.accessToken, body), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('PATCH', `/users/${johnId}`, other.accessToken, body), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('PATCH', `/users/${johnId}`, null, body), 401, 'UNAUTHENTICATED', SIGN_IN);
  });
});

describe('DELETE /users/:id (delete user john doe)', () => {
  it('answers 204 No Content, then 404 Not Found', async () => {
    const id = await createUser({ username: `johndel-${uniqueTag()}` });
    const response = await api('DELETE', `/users/${id}`, adminToken);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expectError(await api('DELETE', `/users/${id}`, adminToken), 404, 'GONE', 'User has been deleted.');
    expectError(await api('DELETE', '/users/999999', adminToken), 404, 'NOT_FOUND', 'User was not found.');
  });

  it('is for admins only, and never removes the last admin', async () => {
    expectError(await api('DELETE', `/users/${user.user.id}`, user.accessToken), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('DELETE', `/users/${other.user.id}`, user.accessToken), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('DELETE', `/users/${user.user.id}`, null), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(await api('DELETE', `/users/${adminId}`, adminToken), 403, 'FORBIDDEN', 'The last admin cannot be deleted: make someone else an admin first.');
  });
});

describe('POST and DELETE /users/:id/relationships/roles (add and remove a role)', () => {
  let johnId: string;
  let role: { id: string; name: string };
  const roleIds = async () => (await api('GET', `/users/${johnId}/roles`, adminToken)).json.data.map((r: { id: string }) => r.id);
  beforeAll(async () => {
    johnId = await createUser({ username: `johnrel-${uniqueTag()}` });
    role = await createRole(`rel role ${uniqueTag()}`);
  });

  it('adds role 7 to john doe as the document example, idempotently', async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await api('POST', `/users/${johnId}/relationships/roles`, adminToken, { data: { type: 'roles', id: Number(role.id) } });
      expect(response.status).toBe(200);
      expect(response.type).toBe(JSON_API);
      expect(response.json).toEqual({ links: { self: `${BASE}/users/${johnId}/relationships/roles`, home: `${BASE}/home` } });
    }
    expect(await roleIds()).toEqual([role.id]);
  });

  it('removes role 7 from john doe as the document example', async () => {
    const response = await api('DELETE', `/users/${johnId}/relationships/roles`, adminToken, { data: { type: 'roles', id: Number(role.id) } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ links: { self: `${BASE}/users/${johnId}/relationships/roles`, home: `${BASE}/home` } });
    expect(await roleIds()).toEqual([]);
  });

  it('takes an array of resource identifiers, all or nothing', async () => {
    const second = await createRole(`rel second ${uniqueTag()}`);
    expect(
      (
        await admin('POST', `/users/${johnId}/relationships/roles`, {
          data: [
            { type: 'roles', id: role.id },
            { type: 'roles', id: Number(second.id) },
          ],
        })
      ).status,
    ).toBe(200);
    expect(await roleIds()).toEqual([role.id, second.id]);
    expectError(
      await admin('DELETE', `/users/${johnId}/relationships/roles`, {
        data: [
          { type: 'roles', id: role.id },
          { type: 'roles', id: '999999' },
        ],
      }),
      404,
      'NOT_FOUND',
      'Role was not found.',
    );
    expect(await roleIds()).toEqual([role.id, second.id]);
    expect(
      (
        await admin('DELETE', `/users/${johnId}/relationships/roles`, {
          data: [
            { type: 'roles', id: role.id },
            { type: 'roles', id: second.id },
          ],
        })
      ).status,
    ).toBe(200);
    expect(await roleIds()).toEqual([]);
    expect((await admin('POST', `/users/${johnId}/relationships/roles`, { data: [] })).status).toBe(200);
  });

  it('refuses bad relationship bodies', async () => {
    const path = `/users/${johnId}/relationships/roles`;
    expectError(
      await admin('POST', path, { data: { type: 'users', id: role.id } }),
      409,
      'CONFLICT',
      'data.type: Unsupported resource type users: send "roles".',
    );
    expectError(
      await admin('POST', path, {
        data: [
          { type: 'roles', id: role.id },
          { type: 'tags', id: 1 },
        ],
      }),
      409,
      'CONFLICT',
      'data.1.type: Unsupported resource type tags: send "roles".',
    );
    expectError(await admin('POST', path, { data: { type: 'roles' } }), 400, 'BAD_USER_INPUT', 'data.id: Not a valid id.');
    expectError(await admin('POST', path, { data: { type: 'roles', id: 'seven' } }), 400, 'BAD_USER_INPUT', 'data.id: Not a valid id.');
    expectError(await admin('POST', path, { data: { type: 'roles', id: -7 } }), 400, 'BAD_USER_INPUT', 'data.id: Not a valid id.');
    expectError(await admin('POST', path, { data: 7 }), 400, 'BAD_USER_INPUT', 'data: A resource identifier must be an object {type, id}.');
    expectError(await admin('POST', path, {}), 400, 'BAD_USER_INPUT', 'data: The body must be a JSON:API document with `data`.');
    expectError(await admin('POST', path, '{"data": {'), 400, 'MALFORMED_BODY', 'The request body is not valid JSON.');
    expectError(await api('POST', path, adminToken, 'data=7', { 'Content-Type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE', /^Content type text\/plain/);
  });

  it('answers 404 for unknown users and roles', async () => {
    expectError(await admin('POST', '/users/999999/relationships/roles', { data: { type: 'roles', id: role.id } }), 404, 'NOT_FOUND', 'User was not found.');
    expectError(await admin('POST', `/users/${johnId}/relationships/roles`, { data: { type: 'roles', id: 999999 } }), 404, 'NOT_FOUND', 'Role was not found.');
  });

  it('is for admins only, and never takes the admin role from the last admin', async () => {
    const body = { data: { type: 'roles', id: adminRoleId } };
    expectError(await api('POST', `/users/${user.user.id}/relationships/roles`, user.accessToken, body), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('DELETE', `/users/${johnId}/relationships/roles`, other.accessToken, body), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(await api('POST', `/users/${johnId}/relationships/roles`, null, body), 401, 'UNAUTHENTICATED', SIGN_IN);
    expectError(
      await admin('DELETE', `/users/${adminId}/relationships/roles`, body),
      403,
      'FORBIDDEN',
      'The admin role cannot be taken from the last admin: make someone else an admin first.',
    );
  });
});

describe('/roles, the same shape as /users', () => {
  it('creates a role: 201 with the role document', async () => {
    const name = `editor ${uniqueTag()}`;
    const response = await admin('POST', '/roles', { data: { type: 'roles', attributes: { name, description: 'Edits things' } } });
    expect(response.status).toBe(201);
    expect(response.type).toBe(JSON_API);
    expect(response.json).toEqual({
      data: roleResource({ id: response.json.data.id, name, description: 'Edits things' }),
      links: { self: `${BASE}/roles`, home: `${BASE}/home` },
    });
  });

  it('answers 400 Invalid data for a taken, missing or over-long name, 409 for another type', async () => {
    const role = await createRole(`unique ${uniqueTag()}`);
    expectError(
      await admin('POST', '/roles', { data: { type: 'roles', attributes: { name: role.name.toUpperCase() } } }),
      400,
      'CONFLICT',
      'name: A role with that name already exists.',
    );
    expectError(await admin('POST', '/roles', { data: { type: 'roles', attributes: {} } }), 400, 'BAD_USER_INPUT', 'name: Missing parameter name');
    expectError(
      await admin('POST', '/roles', { data: { type: 'roles', attributes: { name: 'r'.repeat(65) } } }),
      400,
      'BAD_USER_INPUT',
      'name: Name must be 1 to 64 letters, digits, spaces, dots, dashes or underscores.',
    );
    expectError(
      await admin('POST', '/roles', { data: { type: 'roles', attributes: { name: `long ${uniqueTag()}`, description: 'd'.repeat(256) } } }),
      400,
      'BAD_USER_INPUT',
      'description: Description must be at most 255 characters.',
    );
    expectError(
      await admin('POST', '/roles', { data: { type: 'roles', attributes: { name: `x ${uniqueTag()}`, unchangeable: true } } }),
      400,
      'BAD_USER_INPUT',
      'unchangeable: Unknown parameter unchangeable',
    );
    expectError(
      await admin('POST', '/roles', { data: { type: 'users', attributes: { name: 'x' } } }),
      409,
      'CONFLICT',
      'data.type: Unsupported resource type users: send "roles".',
    );
    expectError(await admin('POST', '/roles', '{'), 400, 'MALFORMED_BODY', 'The request body is not valid JSON.');
  });

  it('lists roles to anyone signed in, with ?id= and pagination', async () => {
    const mine = await api('GET', `/roles?id=${adminRoleId}`, user.accessToken);
    expect(mine.status).toBe(200);
    expect(mine.json.data).toEqual([
      expect.objectContaining({
        id: adminRoleId,
        type: 'roles',
        attributes: expect.objectContaining({ name: 'admin', unchangeable: true, created: STAMP, modified: STAMP }),
      }),
    ]);
    expect(mine.json.meta).toEqual(pagination(1, 1, 1, 1));
    const all = await api('GET', '/roles?page_size=1', user.accessToken);
    const count = all.json.meta.pagination.count;
    expect(all.json.links).toEqual({
      self: `${BASE}/roles?page_size=1`,
      home: `${BASE}/home`,
      first: `${BASE}/roles?page_size=1`,
      last: `${BASE}/roles?page_size=1&page=${count}`,
      prev: null,
      next: `${BASE}/roles?page_size=1&page=2`,
    });
    expectError(await api('GET', '/roles?page=0', user.accessToken), 400, 'BAD_USER_INPUT', 'page: Invalid parameter page: must be an integer from 1');
    expectError(
      await api('GET', '/roles?page_size=101', user.accessToken),
      400,
      'BAD_USER_INPUT',
      'page_size: Invalid parameter page_size: must be an integer from 1 to 100',
    );
    expectError(
      await api('GET', `/roles?page=${count + 1}&page_size=1`, user.accessToken),
      404,
      'NOT_FOUND',
      `Page ${count + 1} is out of range: the last page is ${count}.`,
    );
    expectError(await api('GET', '/roles', null), 401, 'UNAUTHENTICATED', SIGN_IN);
  });

  it('reads, modifies and deletes a role', async () => {
    const role = await createRole(`lifecycle ${uniqueTag()}`);
    const shown = await api('GET', `/roles/${role.id}`, user.accessToken);
    expect(shown.json).toEqual({ data: roleResource(role), links: { self: `${BASE}/roles/${role.id}`, home: `${BASE}/home` } });
    const renamed = `${role.name} renamed`;
    const patched = await admin('PATCH', `/roles/${role.id}`, {
      data: { id: Number(role.id), type: 'roles', attributes: { name: renamed, description: 'now described' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({
      data: roleResource({ id: role.id, name: renamed, description: 'now described' }),
      links: { self: `${BASE}/roles/${role.id}`, home: `${BASE}/home` },
    });
    const cleared = await admin('PATCH', `/roles/${role.id}`, { data: { type: 'roles', attributes: { description: null } } });
    expect(cleared.json.data.attributes.description).toBeNull();
    expectError(
      await admin('PATCH', `/roles/${role.id}`, { data: { id: adminRoleId, type: 'roles', attributes: { name: 'x' } } }),
      409,
      'CONFLICT',
      `data.id: IDs don't match: the URL names ${role.id}.`,
    );
    expectError(
      await admin('PATCH', `/roles/${role.id}`, { data: { type: 'roles', attributes: {} } }),
      400,
      'BAD_USER_INPUT',
      'data.attributes: No data found to update.',
    );
    expectError(
      await admin('PATCH', `/roles/${adminRoleId}`, { data: { type: 'roles', attributes: { name: 'boss' } } }),
      403,
      'FORBIDDEN',
      'The admin role cannot be changed.',
    );
    expectError(
      await api('PATCH', `/roles/${role.id}`, user.accessToken, { data: { type: 'roles', attributes: { name: 'x' } } }),
      403,
      'FORBIDDEN',
      ADMIN_ONLY,
    );
    expectError(await api('DELETE', `/roles/${role.id}`, user.accessToken), 403, 'FORBIDDEN', ADMIN_ONLY);
    const deleted = await admin('DELETE', `/roles/${role.id}`);
    expect({ status: deleted.status, text: deleted.text }).toEqual({ status: 204, text: '' });
    expectError(await api('GET', `/roles/${role.id}`, user.accessToken), 404, 'NOT_FOUND', 'Role was not found.');
    expectError(await admin('DELETE', `/roles/${role.id}`), 404, 'NOT_FOUND', 'Role was not found.');
    expectError(await admin('PATCH', '/roles/999999', { data: { type: 'roles', attributes: { name: 'x' } } }), 404, 'NOT_FOUND', 'Role was not found.');
    expectError(await admin('DELETE', `/roles/${adminRoleId}`), 403, 'FORBIDDEN', 'The admin role cannot be deleted.');
    expectError(await api('GET', '/roles/abc', user.accessToken), 400, 'BAD_USER_INPUT', 'id: Not a valid id.');
  });

  it('adds and removes users through /roles/:id/relationships/users and lists them at /roles/:id/users', async () => {
    const role = await createRole(`members ${uniqueTag()}`);
    const a = await createUser({ username: `member-a-${uniqueTag()}` });
    const b = await createUser({ username: `member-b-${uniqueTag()}` });
    const add = await admin('POST', `/roles/${role.id}/relationships/users`, {
      data: [
        { type: 'users', id: a },
        { type: 'users', id: Number(b) },
      ],
    });
    expect(add.status).toBe(200);
    expect(add.json).toEqual({ links: { self: `${BASE}/roles/${role.id}/relationships/users`, home: `${BASE}/home` } });
    const users = await admin('GET', `/roles/${role.id}/users`);
    expect(users.json.data.map((u: { id: string; type: string }) => [u.id, u.type])).toEqual([
      [a, 'users'],
      [b, 'users'],
    ]);
    expect(users.json.data[0]).toEqual({ id: a, type: 'users', attributes: expect.objectContaining({ password: null }), relationships: userLinks(a) });
    expect(users.json.links).toEqual({
      self: `${BASE}/roles/${role.id}/users`,
      home: `${BASE}/home`,
      first: `${BASE}/roles/${role.id}/users`,
      last: `${BASE}/roles/${role.id}/users`,
      prev: null,
      next: null,
    });
    expect(users.json.meta).toEqual(pagination(2, 1, 1, 2));
    const paged = await admin('GET', `/roles/${role.id}/users?page=2&page_size=1`);
    expect(paged.json.data.map((u: { id: string }) => u.id)).toEqual([b]);
    expectError(await admin('GET', `/roles/${role.id}/users?page=3&page_size=1`), 404, 'NOT_FOUND', 'Page 3 is out of range: the last page is 2.');
    const remove = await admin('DELETE', `/roles/${role.id}/relationships/users`, { data: { type: 'users', id: a } });
    expect(remove.status).toBe(200);
    expect((await admin('GET', `/roles/${role.id}/users`)).json.data.map((u: { id: string }) => u.id)).toEqual([b]);
    expectError(
      await admin('POST', `/roles/${role.id}/relationships/users`, { data: { type: 'roles', id: a } }),
      409,
      'CONFLICT',
      'data.type: Unsupported resource type roles: send "users".',
    );
    expectError(await admin('POST', `/roles/${role.id}/relationships/users`, { data: { type: 'users', id: 999999 } }), 404, 'NOT_FOUND', 'User was not found.');
    expectError(await admin('POST', '/roles/999999/relationships/users', { data: { type: 'users', id: a } }), 404, 'NOT_FOUND', 'Role was not found.');
    expectError(await api('GET', `/roles/${role.id}/users`, user.accessToken), 403, 'FORBIDDEN', ADMIN_ONLY);
    expectError(
      await api('POST', `/roles/${role.id}/relationships/users`, user.accessToken, { data: { type: 'users', id: user.user.id } }),
      403,
      'FORBIDDEN',
      ADMIN_ONLY,
    );
    expectError(await admin('GET', '/roles/999999/users'), 404, 'NOT_FOUND', 'Role was not found.');
  });
});

describe('OpenAPI', () => {
  it('lists every 002 route', async () => {
    const document = (await rest(server, 'GET', '/rest/openapi.json')).json;
    const operations = Object.entries<Record<string, { operationId: string }>>(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => op.operationId.includes('d002'))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /users',
        'POST /users',
        'GET /users/{id}',
        'PATCH /users/{id}',
        'DELETE /users/{id}',
        'GET /users/{id}/roles',
        'POST /users/{id}/relationships/roles',
        'DELETE /users/{id}/relationships/roles',
        'GET /roles',
        'POST /roles',
        'GET /roles/{id}',
        'PATCH /roles/{id}',
        'DELETE /roles/{id}',
        'GET /roles/{id}/users',
        'POST /roles/{id}/relationships/users',
        'DELETE /roles/{id}/relationships/users',
      ].sort(),
    );
  });

  it('describes what the routes really answer, successes and errors', async () => {
    const document = (await rest(server, 'GET', '/rest/openapi.json')).json;
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const check = async (method: string, path: string, documentedPath: string, token: string | null, body?: Body) => {
      const response = await api(method, path, token, body);
      const documented = document.paths[documentedPath][method.toLowerCase()].responses[String(response.status)];
      expect({ path, status: response.status, documented: documented !== undefined }).toEqual({ path, status: response.status, documented: true });
      if (response.status === 204) return;
      const validate = ajv.compile(documented.content[JSON_API].schema);
      validate(response.json);
      expect(validate.errors ?? []).toEqual([]);
    };
    const id = await createUser({ username: `openapi-${uniqueTag()}`, name: 'Open' });
    const role = await createRole(`openapi ${uniqueTag()}`);
    await check('POST', '/users', '/users', adminToken, { data: { type: 'users', attributes: { username: `openapi-${uniqueTag()}`, password: PASSWORD } } });
    await check('POST', '/users', '/users', adminToken, { data: { type: 'roles', attributes: {} } });
    await check('POST', '/users', '/users', user.accessToken, { data: { type: 'users', attributes: {} } });
    await check('GET', '/users', '/users', adminToken);
    await check('GET', `/users?id=${id}&roles`, '/users', adminToken);
    await check('GET', '/users?page=99', '/users', adminToken);
    await check('GET', '/users', '/users', null);
    await check('GET', `/users/${id}`, '/users/{id}', adminToken);
    await check('GET', '/users/999999', '/users/{id}', adminToken);
    await check('PATCH', `/users/${id}`, '/users/{id}', adminToken, { data: { type: 'users', attributes: { surname: 'Api' } } });
    await check('PATCH', `/users/${id}`, '/users/{id}', adminToken, { data: { id: 1, type: 'users', attributes: { surname: 'Api' } } });
    await check('POST', `/users/${id}/relationships/roles`, '/users/{id}/relationships/roles', adminToken, { data: { type: 'roles', id: role.id } });
    await check('GET', `/users/${id}/roles`, '/users/{id}/roles', adminToken);
    await check('GET', `/roles/${role.id}/users`, '/roles/{id}/users', adminToken);
    await check('DELETE', `/roles/${role.id}/relationships/users`, '/roles/{id}/relationships/users', adminToken, { data: [{ type: 'users', id }] });
    await check('GET', '/roles', '/roles', user.accessToken);
    await check('GET', `/roles/${role.id}`, '/roles/{id}', user.accessToken);
    await check('PATCH', `/roles/${role.id}`, '/roles/{id}', adminToken, { data: { type: 'roles', attributes: { description: 'documented' } } });
    await check('DELETE', `/roles/${role.id}`, '/roles/{id}', adminToken);
    await check('DELETE', `/users/${id}`, '/users/{id}', adminToken);
  });
});

defineDialectContract('002', {
  server: () => server,
  errorType: JSON_API,
  error: (status, code, detail) => ({ status, body: { error: { status: String(status), title: TITLES[status], code, detail } } }),
  send: (body, contentType) => api('POST', '/users', adminToken, body, { 'Content-Type': contentType }),
  json: JSON_API,
  accepts: [JSON_API],
  // BODY_LIMIT's default, 1 MiB.
  bodyLimit: 1024 * 1024,
  signedIn: (token) => api('GET', `/users/${adminId}`, token),
  adminOnly: (token) => api('GET', '/users', token),
  // No route of this dialect runs a throttled operation (the OpenAPI document lists no 429 here).
  throttled: null,
  readsDatabase: () => admin('GET', '/users'),
});
