// Admin user management: listing, lookup, create, update (by an admin and by
// the user themself), soft delete and confirmation, with the access matrix.
import {
  ConfirmUserByIdDocument,
  ConfirmUserDocument,
  CreateUserDocument,
  DeleteUserDocument,
  LoginDocument,
  MeDocument,
  RolesDocument,
  UpdateUserDocument,
  UserDocument,
  UsersDocument,
  type CreateUserInput,
  type UsersFilter,
} from './__generated__/graphql';
import { ADMIN_EMAIL, startTestServer, tokenFromMail, type TestServer } from './support/server';
import { PASSWORD, expectCode, onlyError, signIn, signInAsAdmin, signUp, uniqueEmail, uniqueTag, dataOf } from './support/fixtures';

let server: TestServer;
let adminToken: string;
let adminId: string;
let adminRoleId: string;
beforeAll(async () => {
  server = await startTestServer();
  const admin = await signInAsAdmin(server);
  adminToken = admin.accessToken;
  adminId = admin.user.id;
  const roles = await server.gql(RolesDocument, { filter: { name: 'admin' } }, { token: adminToken });
  adminRoleId = dataOf(roles).roles.items.find((r) => r.name === 'admin')!.id;
});
afterAll(() => server.stop());

const asAdmin = () => ({ token: adminToken });

/** Creates a user as the admin, returning it. */
async function createUser(input: CreateUserInput) {
  const result = await server.gql(CreateUserDocument, { input: { password: PASSWORD, confirmed: true, ...input } }, asAdmin());
  expect(result.errors).toBeUndefined();
  return dataOf(result).createUser;
}

/** True when a token still authenticates. */
async function tokenWorks(token: string): Promise<boolean> {
  return dataOf(await server.gql(MeDocument, {}, { token })).me !== null;
}

describe('users (listing)', () => {
  let prefix: string;
  let created: Array<{ id: string; email: string | null }>;
  beforeAll(async () => {
    prefix = `list${uniqueTag()}`;
    created = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        await createUser({
          email: `${prefix}-${i}@example.com`,
          username: `${prefix}_${i}`,
          confirmed: i % 2 === 0,
          active: i !== 4,
          profile: i === 3 ? { firstName: `Zed${prefix}`, lastName: 'Quux' } : undefined,
        }),
      );
    }
  });

  it('pages by id with total and pageCount, 20 a page by default', async () => {
    const all = await server.gql(UsersDocument, {}, asAdmin());
    expect(all.errors).toBeUndefined();
    expect(dataOf(all).users).toMatchObject({ page: 1, pageSize: 20 });
    const ids = dataOf(all).users.items.map((u) => Number(u.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const page2 = await server.gql(UsersDocument, { page: 2, pageSize: 2, filter: { search: prefix } }, asAdmin());
    expect(dataOf(page2).users).toMatchObject({ total: 5, page: 2, pageSize: 2, pageCount: 3 });
    expect(dataOf(page2).users.items.map((u) => u.id)).toEqual([created[2].id, created[3].id]);
    const page3 = await server.gql(UsersDocument, { page: 3, pageSize: 2, filter: { search: prefix } }, asAdmin());
    expect(dataOf(page3).users.items.map((u) => u.id)).toEqual([created[4].id]);
    const beyond = await server.gql(UsersDocument, { page: 9, pageSize: 2, filter: { search: prefix } }, asAdmin());
    expect(dataOf(beyond).users).toMatchObject({ total: 5, page: 9, pageCount: 3, items: [] });
  });

  it('filters by search (case-insensitive, names too), ids, role, active and confirmed', async () => {
    const list = async (filter: UsersFilter) =>
      dataOf(await server.gql(UsersDocument, { filter: { search: prefix, ...filter } }, asAdmin())).users.items.map((u) => u.id);
    expect(dataOf(await server.gql(UsersDocument, { filter: { search: `ZED${prefix.toUpperCase()}` } }, asAdmin())).users.items.map((u) => u.id)).toEqual([
      created[3].id,
    ]);
    expect(dataOf(await server.gql(UsersDocument, { filter: { search: `${prefix.toUpperCase()}_1` } }, asAdmin())).users.items.map((u) => u.id)).toEqual([
      created[1].id,
    ]);
    expect(await list({ ids: [created[1].id, created[3].id] })).toEqual([created[1].id, created[3].id]);
    expect(await list({ active: false })).toEqual([created[4].id]);
    expect(await list({ confirmed: true })).toEqual([created[0].id, created[2].id, created[4].id]);
    expect(await list({ confirmed: false, active: true })).toEqual([created[1].id, created[3].id]);
    expect(await list({ role: 'admin' })).toEqual([]);
    const admins = await server.gql(UsersDocument, { filter: { role: 'admin' } }, asAdmin());
    expect(dataOf(admins).users.items.map((u) => u.email)).toEqual([ADMIN_EMAIL]);
  });

  it('leaves deleted users out unless includeDeleted', async () => {
    const doomed = await createUser({ email: `${prefix}-gone@example.com` });
    expect(dataOf(await server.gql(DeleteUserDocument, { id: doomed.id }, asAdmin())).deleteUser).toBe(true);
    const without = await server.gql(UsersDocument, { filter: { search: `${prefix}-gone` } }, asAdmin());
    expect(dataOf(without).users.total).toBe(0);
    const withDeleted = await server.gql(UsersDocument, { filter: { search: `${prefix}-gone`, includeDeleted: true } }, asAdmin());
    expect(dataOf(withDeleted).users.total).toBe(1);
    expect(dataOf(withDeleted).users.items[0].deletedAt).not.toBeNull();
  });

  it('refuses bad paging and filters with field errors', async () => {
    const bad = await server.gql(UsersDocument, { page: 0, pageSize: 101 }, asAdmin());
    expect(onlyError(bad).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [
        { field: 'page', message: 'page must be 1 or more.' },
        { field: 'pageSize', message: 'pageSize must be between 1 and 100.' },
      ],
    });
    const badId = await server.gql(UsersDocument, { filter: { ids: ['x'] } }, asAdmin());
    expect(onlyError(badId).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.ids.0', message: 'Not a valid id.' }] });
    const longSearch = await server.gql(UsersDocument, { filter: { search: 'x'.repeat(101) } }, asAdmin());
    expect(onlyError(longSearch).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'filter.search', message: 'At most 100 characters.' }],
    });
  });

  it('is for admins only', async () => {
    const user = await signUp(server);
    expectCode(await server.gql(UsersDocument, {}), 'UNAUTHENTICATED');
    const refused = await server.gql(UsersDocument, {}, { token: user.accessToken });
    expect(onlyError(refused)).toMatchObject({ message: 'This needs the admin role.', extensions: { code: 'FORBIDDEN' } });
  });
});

describe('user(id)', () => {
  it('answers the admin and the user themself; refuses another user and anonymous', async () => {
    const owner = await signUp(server);
    const other = await signUp(server);
    expect(dataOf(await server.gql(UserDocument, { id: owner.user.id }, asAdmin())).user.email).toBe(owner.user.email);
    expect(dataOf(await server.gql(UserDocument, { id: owner.user.id }, { token: owner.accessToken })).user.id).toBe(owner.user.id);
    const refused = await server.gql(UserDocument, { id: owner.user.id }, { token: other.accessToken });
    expect(onlyError(refused)).toMatchObject({ message: 'You may only do this for your own account.', extensions: { code: 'FORBIDDEN' } });
    expectCode(await server.gql(UserDocument, { id: owner.user.id }), 'UNAUTHENTICATED');
  });

  it('reports unknown as NOT_FOUND, deleted as GONE and a malformed id as BAD_USER_INPUT', async () => {
    const missing = await server.gql(UserDocument, { id: '999999' }, asAdmin());
    expect(onlyError(missing)).toMatchObject({ message: 'User was not found.', extensions: { code: 'NOT_FOUND' } });
    const gone = await createUser({ email: uniqueEmail('gone') });
    await server.gql(DeleteUserDocument, { id: gone.id }, asAdmin());
    const deleted = await server.gql(UserDocument, { id: gone.id }, asAdmin());
    expect(onlyError(deleted)).toMatchObject({ message: 'User has been deleted.', extensions: { code: 'GONE' } });
    const malformed = await server.gql(UserDocument, { id: 'abc' }, asAdmin());
    expect(onlyError(malformed)).toMatchObject({ message: 'id must be a positive integer id.', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('createUser', () => {
  it('creates a complete user in one step, who can then sign in', async () => {
    const email = uniqueEmail('Made.By.Admin');
    const result = await server.gql(
      CreateUserDocument,
      {
        input: {
          email,
          username: `made_${uniqueTag()}`,
          password: PASSWORD,
          passwordConfirmation: PASSWORD,
          confirmed: true,
          status: 'vip',
          statusMessage: 'Hello',
          forcePasswordReset: true,
          profile: { firstName: 'Ada', lastName: 'Lovelace', birthDate: '1990-12-10', customFields: { team: 'blue' } },
          roleIds: [adminRoleId],
        },
      },
      asAdmin(),
    );
    expect(result.errors).toBeUndefined();
    const user = dataOf(result).createUser;
    expect(user).toMatchObject({
      email: email.toLowerCase(),
      confirmed: true,
      active: true,
      status: 'vip',
      statusMessage: 'Hello',
      forcePasswordReset: true,
      scores: 0,
      roles: [{ id: adminRoleId, name: 'admin' }],
      profile: { firstName: 'Ada', lastName: 'Lovelace', birthDate: '1990-12-10', customFields: { team: 'blue' } },
    });
    expect(await server.mails(email.toLowerCase())).toHaveLength(0);
    const session = await signIn(server, email, PASSWORD);
    expect(session.user.id).toBe(user.id);
    // Leave the bootstrap account the only admin, for the last-admin tests.
    expect(dataOf(await server.gql(DeleteUserDocument, { id: user.id }, asAdmin())).deleteUser).toBe(true);
  });

  it('creates a user by username alone, without a password, who cannot sign in yet', async () => {
    const username = `only_${uniqueTag()}`;
    const result = await server.gql(CreateUserDocument, { input: { username } }, asAdmin());
    expect(dataOf(result).createUser).toMatchObject({ email: null, username, confirmed: false, active: true, roles: [] });
    const login = await server.gql(LoginDocument, { identifier: username, password: PASSWORD });
    expectCode(login, 'UNAUTHENTICATED');
  });

  it('mails a confirmation token to an unconfirmed user with an email', async () => {
    const email = uniqueEmail('unconfirmed');
    const user = dataOf(await server.gql(CreateUserDocument, { input: { email, password: PASSWORD } }, asAdmin())).createUser;
    expect(user.confirmed).toBe(false);
    const mails = await server.mails(email);
    expect(mails).toHaveLength(1);
    const confirmed = await server.gql(ConfirmUserDocument, { id: user.id, token: tokenFromMail(mails[0]) });
    expect(dataOf(confirmed).confirmUser.user.confirmed).toBe(true);
  });

  it.each([
    ['neither email nor username', { email: '  ' }, [{ field: 'input.email', message: 'Give an email, a username or both.' }]],
    ['a malformed email', { email: 'nope' }, [{ field: 'input.email', message: 'Email is not a valid address.' }]],
    ['a short password', { username: 'shorty', password: 'short' }, [{ field: 'input.password', message: 'Password must be at least 8 characters long.' }]],
    [
      'a mismatched confirmation',
      { username: 'mismatch', password: PASSWORD, passwordConfirmation: 'other-password' },
      [{ field: 'input.passwordConfirmation', message: 'Password confirmation does not match the password.' }],
    ],
    ['a long status', { username: 'longstatus', status: 'x'.repeat(65) }, [{ field: 'input.status', message: 'Must be at most 64 characters.' }]],
    [
      'a bad birth date',
      { username: 'baddate', profile: { birthDate: '2001-02-30' } },
      [{ field: 'input.profile.birthDate', message: 'Birth date must be a real date written YYYY-MM-DD.' }],
    ],
    [
      'unknown roles',
      { username: 'norole', roleIds: ['999999', 'x'] },
      [
        { field: 'input.roleIds.0', message: 'Role 999999 does not exist.' },
        { field: 'input.roleIds.1', message: 'Role x does not exist.' },
      ],
    ],
  ])('refuses %s with BAD_USER_INPUT', async (_case, input, fields) => {
    const result = await server.gql(CreateUserDocument, { input }, asAdmin());
    expect(onlyError(result).extensions).toEqual({ code: 'BAD_USER_INPUT', fields });
    const username = (input as { username?: string }).username;
    if (username) expect(dataOf(await server.gql(UsersDocument, { filter: { search: username } }, asAdmin())).users.total).toBe(0);
  });

  it('answers CONFLICT for a taken email or username and leaves nothing half-created', async () => {
    const taken = await createUser({ email: uniqueEmail('taken'), username: `taken_${uniqueTag()}` });
    const email = await server.gql(CreateUserDocument, { input: { email: taken.email!.toUpperCase() } }, asAdmin());
    expect(onlyError(email)).toMatchObject({
      message: 'An account with that email already exists.',
      extensions: { code: 'CONFLICT', fields: [{ field: 'input.email' }] },
    });
    const fresh = uniqueEmail('fresh');
    const username = await server.gql(CreateUserDocument, { input: { email: fresh, username: taken.username, roleIds: [adminRoleId] } }, asAdmin());
    expect(onlyError(username)).toMatchObject({
      message: 'That username is already taken.',
      extensions: { code: 'CONFLICT', fields: [{ field: 'input.username' }] },
    });
    expect(dataOf(await server.gql(UsersDocument, { filter: { search: fresh, includeDeleted: true } }, asAdmin())).users.total).toBe(0);
    expect(await server.mails(fresh)).toHaveLength(0);
  });

  it('is for admins only', async () => {
    const user = await signUp(server);
    expectCode(await server.gql(CreateUserDocument, { input: { username: 'anon_made' } }), 'UNAUTHENTICATED');
    expectCode(await server.gql(CreateUserDocument, { input: { username: 'user_made' } }, { token: user.accessToken }), 'FORBIDDEN');
  });
});

describe('updateUser', () => {
  it('lets an admin change admin-only fields, profile, preferences and roles', async () => {
    const target = await createUser({ email: uniqueEmail('target'), confirmed: false });
    const result = await server.gql(
      UpdateUserDocument,
      {
        id: target.id,
        input: {
          username: `renamed_${uniqueTag()}`,
          status: 'suspended',
          statusMessage: 'Paused',
          confirmed: true,
          forcePasswordReset: true,
          scores: 42,
          profile: { lastName: 'Changed' },
          preferences: [{ preferences: { theme: 'dark' } }],
          roleIds: [adminRoleId],
        },
      },
      asAdmin(),
    );
    expect(result.errors).toBeUndefined();
    expect(dataOf(result).updateUser).toMatchObject({
      status: 'suspended',
      statusMessage: 'Paused',
      confirmed: true,
      forcePasswordReset: true,
      scores: 42,
      profile: { lastName: 'Changed' },
      preferences: [{ preferences: { theme: 'dark' } }],
      roles: [{ name: 'admin' }],
    });
    const cleared = await server.gql(UpdateUserDocument, { id: target.id, input: { statusMessage: null, confirmed: false, roleIds: [] } }, asAdmin());
    expect(dataOf(cleared).updateUser).toMatchObject({ statusMessage: null, status: 'suspended', confirmed: false, roles: [] });
  });

  it('lets an admin set a password without the current one, signing the user out everywhere', async () => {
    const email = uniqueEmail('reset-by-admin');
    const target = await createUser({ email });
    const session = await signIn(server, email, PASSWORD);
    const result = await server.gql(UpdateUserDocument, { id: target.id, input: { password: 'brand-new-pass-1' } }, asAdmin());
    expect(result.errors).toBeUndefined();
    expect(await tokenWorks(session.accessToken)).toBe(false);
    expect(await tokenWorks(adminToken)).toBe(true);
    await signIn(server, email, 'brand-new-pass-1');
  });

  it('lets an admin change an email: unconfirmed with a mailed token, or confirmed at once', async () => {
    const target = await createUser({ email: uniqueEmail('mover') });
    const first = uniqueEmail('moved');
    const moved = await server.gql(UpdateUserDocument, { id: target.id, input: { email: first } }, asAdmin());
    expect(dataOf(moved).updateUser).toMatchObject({ email: first, confirmed: false });
    expect(await server.mails(first)).toHaveLength(1);
    const second = uniqueEmail('moved-again');
    const confirmed = await server.gql(UpdateUserDocument, { id: target.id, input: { email: second, confirmed: true } }, asAdmin());
    expect(dataOf(confirmed).updateUser).toMatchObject({ email: second, confirmed: true });
    expect(await server.mails(second)).toHaveLength(0);
  });

  it('deactivating signs the user out everywhere and blocks login', async () => {
    const email = uniqueEmail('deactivated');
    const target = await createUser({ email });
    const one = await signIn(server, email, PASSWORD);
    const two = await signIn(server, email, PASSWORD);
    const result = await server.gql(UpdateUserDocument, { id: target.id, input: { active: false } }, asAdmin());
    expect(dataOf(result).updateUser.active).toBe(false);
    expect(await tokenWorks(one.accessToken)).toBe(false);
    expect(await tokenWorks(two.accessToken)).toBe(false);
    const login = await server.gql(LoginDocument, { identifier: email, password: PASSWORD });
    expect(onlyError(login)).toMatchObject({ message: 'This account has been deactivated.', extensions: { code: 'FORBIDDEN' } });
    await server.gql(UpdateUserDocument, { id: target.id, input: { active: true } }, asAdmin());
    await signIn(server, email, PASSWORD);
  });

  it('lets the user change what updateMe allows', async () => {
    const user = await signUp(server);
    const result = await server.gql(
      UpdateUserDocument,
      { id: user.user.id, input: { username: `self_${uniqueTag()}`, profile: { firstName: 'Me' }, preferences: [{ preferences: { a: 1 } }] } },
      { token: user.accessToken },
    );
    expect(result.errors).toBeUndefined();
    expect(dataOf(result).updateUser).toMatchObject({ profile: { firstName: 'Me' }, preferences: [{ preferences: { a: 1 } }] });
  });

  it('asks the user for the current password to change email or password, and keeps the calling session', async () => {
    const user = await signUp(server);
    const other = await signIn(server, user.user.email!, PASSWORD);
    const missing = await server.gql(UpdateUserDocument, { id: user.user.id, input: { email: uniqueEmail() } }, { token: user.accessToken });
    expect(onlyError(missing).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'input.currentPassword', message: 'Enter your current password to change your email or password.' }],
    });
    const wrong = await server.gql(
      UpdateUserDocument,
      { id: user.user.id, input: { password: 'next-password-1', currentPassword: 'wrong-pass' } },
      { token: user.accessToken },
    );
    expect(onlyError(wrong)).toMatchObject({ message: 'The current password is wrong.', extensions: { code: 'UNAUTHENTICATED' } });
    const changed = await server.gql(
      UpdateUserDocument,
      { id: user.user.id, input: { password: 'next-password-1', currentPassword: PASSWORD } },
      { token: user.accessToken },
    );
    expect(changed.errors).toBeUndefined();
    expect(await tokenWorks(user.accessToken)).toBe(true);
    expect(await tokenWorks(other.accessToken)).toBe(false);
  });

  it.each([
    ['status', { status: 'vip' }, ['status']],
    ['confirmed', { confirmed: true }, ['confirmed']],
    ['scores', { scores: 1000 }, ['scores']],
    ['active', { active: true }, ['active']],
    ['roles', { roleIds: ['1'] }, ['roleIds']],
    [
      'several at once',
      { statusMessage: 'x', forcePasswordReset: false, scores: 1, profile: { firstName: 'Sneaky' } },
      ['statusMessage', 'forcePasswordReset', 'scores'],
    ],
  ])('refuses a user setting their own %s (mass assignment) with FORBIDDEN, changing nothing', async (_case, input, refused) => {
    const user = await signUp(server);
    const result = await server.gql(UpdateUserDocument, { id: user.user.id, input }, { token: user.accessToken });
    expect(onlyError(result)).toEqual(
      expect.objectContaining({
        message: `Only an admin may change ${refused.join(', ')}.`,
        extensions: { code: 'FORBIDDEN', fields: refused.map((f) => ({ field: `input.${f}`, message: 'Only an admin may change this.' })) },
      }),
    );
    const me = dataOf(await server.gql(MeDocument, {}, { token: user.accessToken })).me!;
    expect(me).toMatchObject({ status: null, scores: 0, roles: [], profile: { firstName: null } });
  });

  it.each(['roles: ["1"]', 'roleIds: ["1"]', 'confirmed: true', 'status: "vip"', 'scores: 5', 'active: true'])(
    'updateMe has no field for %s (GRAPHQL_VALIDATION_FAILED)',
    async (field) => {
      const user = await signUp(server);
      const response = await server.post('/graphql', JSON.stringify({ query: `mutation { updateMe(input: { ${field} }) { id } }` }), {
        'content-type': 'application/json',
        authorization: `Bearer ${user.accessToken}`,
      });
      const body = await response.json();
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.data).toBeUndefined();
    },
  );

  it('refuses empty input with "No data found to update."', async () => {
    const user = await signUp(server);
    for (const input of [{}, { currentPassword: PASSWORD }]) {
      const result = await server.gql(UpdateUserDocument, { id: user.user.id, input }, asAdmin());
      expect(onlyError(result)).toMatchObject({
        message: 'No data found to update.',
        extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'input', message: 'No data found to update.' }] },
      });
    }
  });

  it('refuses bad fields, taken emails, unknown and deleted users', async () => {
    const user = await createUser({ email: uniqueEmail('upd') });
    const other = await createUser({ email: uniqueEmail('upd-other') });
    const bad = await server.gql(UpdateUserDocument, { id: user.id, input: { statusMessage: 'x'.repeat(256), email: 'nope', roleIds: ['424242'] } }, asAdmin());
    expect(onlyError(bad).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      fields: [
        { field: 'input.statusMessage', message: 'Must be at most 255 characters.' },
        { field: 'input.roleIds.0', message: 'Role 424242 does not exist.' },
        { field: 'input.email', message: 'Email is not a valid address.' },
      ],
    });
    const taken = await server.gql(UpdateUserDocument, { id: user.id, input: { email: other.email } }, asAdmin());
    expect(onlyError(taken)).toMatchObject({ message: 'An account with that email already exists.', extensions: { code: 'CONFLICT' } });
    expectCode(await server.gql(UpdateUserDocument, { id: '999999', input: { scores: 1 } }, asAdmin()), 'NOT_FOUND');
    await server.gql(DeleteUserDocument, { id: other.id }, asAdmin());
    expectCode(await server.gql(UpdateUserDocument, { id: other.id, input: { scores: 1 } }, asAdmin()), 'GONE');
  });

  it('refuses another user and anonymous', async () => {
    const owner = await signUp(server);
    const other = await signUp(server);
    const refused = await server.gql(UpdateUserDocument, { id: owner.user.id, input: { profile: { firstName: 'X' } } }, { token: other.accessToken });
    expect(onlyError(refused)).toMatchObject({ message: 'You may only do this for your own account.', extensions: { code: 'FORBIDDEN' } });
    expectCode(await server.gql(UpdateUserDocument, { id: owner.user.id, input: { profile: { firstName: 'X' } } }), 'UNAUTHENTICATED');
  });
});

describe('deleteUser', () => {
  it('lets the user delete themself: no login, sessions revoked, GONE afterwards', async () => {
    const user = await signUp(server);
    const other = await signIn(server, user.user.email!, PASSWORD);
    expect(dataOf(await server.gql(DeleteUserDocument, { id: user.user.id }, { token: user.accessToken })).deleteUser).toBe(true);
    expect(await tokenWorks(user.accessToken)).toBe(false);
    expect(await tokenWorks(other.accessToken)).toBe(false);
    const login = await server.gql(LoginDocument, { identifier: user.user.email!, password: PASSWORD });
    expect(onlyError(login)).toMatchObject({ message: 'Invalid email, username or password.', extensions: { code: 'UNAUTHENTICATED' } });
    expectCode(await server.gql(UserDocument, { id: user.user.id }, asAdmin()), 'GONE');
    const again = await server.gql(DeleteUserDocument, { id: user.user.id }, asAdmin());
    expect(onlyError(again)).toMatchObject({ message: 'User has been deleted.', extensions: { code: 'GONE' } });
  });

  it('lets an admin delete a user, signing them out', async () => {
    const user = await signUp(server);
    expect(dataOf(await server.gql(DeleteUserDocument, { id: user.user.id }, asAdmin())).deleteUser).toBe(true);
    expect(await tokenWorks(user.accessToken)).toBe(false);
  });

  it('refuses another user, anonymous and unknown ids', async () => {
    const owner = await signUp(server);
    const other = await signUp(server);
    expectCode(await server.gql(DeleteUserDocument, { id: owner.user.id }, { token: other.accessToken }), 'FORBIDDEN');
    expectCode(await server.gql(DeleteUserDocument, { id: owner.user.id }), 'UNAUTHENTICATED');
    const missing = await server.gql(DeleteUserDocument, { id: '999999' }, asAdmin());
    expect(onlyError(missing)).toMatchObject({ message: 'User was not found.', extensions: { code: 'NOT_FOUND' } });
    expect(await tokenWorks(owner.accessToken)).toBe(true);
  });
});

describe('last admin', () => {
  it('cannot delete or deactivate themself, nor drop their admin role through roleIds', async () => {
    const deleted = await server.gql(DeleteUserDocument, { id: adminId }, asAdmin());
    expect(onlyError(deleted)).toMatchObject({
      message: 'The last admin cannot be deleted: make someone else an admin first.',
      extensions: { code: 'FORBIDDEN' },
    });
    const deactivated = await server.gql(UpdateUserDocument, { id: adminId, input: { active: false } }, asAdmin());
    expect(onlyError(deactivated)).toMatchObject({ message: 'You are the last admin: make someone else an admin first.', extensions: { code: 'FORBIDDEN' } });
    const demoted = await server.gql(UpdateUserDocument, { id: adminId, input: { roleIds: [] } }, asAdmin());
    expectCode(demoted, 'FORBIDDEN');
    const me = dataOf(await server.gql(MeDocument, {}, asAdmin())).me!;
    expect(me).toMatchObject({ active: true, roles: [{ name: 'admin' }] });
  });

  it('can delete themself once another admin exists', async () => {
    const email = uniqueEmail('second-admin');
    const second = await createUser({ email, roleIds: [adminRoleId] });
    const session = await signIn(server, email, PASSWORD);
    expect(dataOf(await server.gql(DeleteUserDocument, { id: second.id }, { token: session.accessToken })).deleteUser).toBe(true);
    // The bootstrap admin is the last one again.
    expectCode(await server.gql(DeleteUserDocument, { id: adminId }, asAdmin()), 'FORBIDDEN');
  });
});

describe('confirmUserById', () => {
  it('confirms without the token, which stops working', async () => {
    const email = uniqueEmail('to-confirm');
    const user = dataOf(await server.gql(CreateUserDocument, { input: { email, password: PASSWORD } }, asAdmin())).createUser;
    const token = tokenFromMail((await server.mails(email))[0]);
    const result = await server.gql(ConfirmUserByIdDocument, { id: user.id }, asAdmin());
    expect(dataOf(result).confirmUserById).toMatchObject({ id: user.id, confirmed: true });
    expect(dataOf(result).confirmUserById.confirmedAt).not.toBeNull();
    expectCode(await server.gql(ConfirmUserDocument, { id: user.id, token }), 'BAD_USER_INPUT');
  });

  it('is for admins only, and reports unknown users', async () => {
    const user = await signUp(server);
    const other = await signUp(server);
    expectCode(await server.gql(ConfirmUserByIdDocument, { id: user.user.id }), 'UNAUTHENTICATED');
    expectCode(await server.gql(ConfirmUserByIdDocument, { id: user.user.id }, { token: user.accessToken }), 'FORBIDDEN');
    expectCode(await server.gql(ConfirmUserByIdDocument, { id: user.user.id }, { token: other.accessToken }), 'FORBIDDEN');
    expectCode(await server.gql(ConfirmUserByIdDocument, { id: '999999' }, asAdmin()), 'NOT_FOUND');
  });
});
