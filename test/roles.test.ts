// Roles: listing and lookup for signed-in users, admin management, granting
// and taking away, the unchangeable admin role and the last admin.
import {
  AssignRoleDocument,
  AssignRolesDocument,
  CreateRoleDocument,
  CreateUserDocument,
  DeleteRoleDocument,
  DeleteUserDocument,
  MeDocument,
  RemoveRoleDocument,
  RemoveRolesDocument,
  RoleDocument,
  RoleUsersDocument,
  RolesDocument,
  UpdateRoleDocument,
  UserAuthorsDocument,
} from './__generated__/graphql';
import { startTestServer, type GraphQLResponse, type TestServer } from './support/server';
import { PASSWORD, expectCode, onlyError, signIn, signInAsAdmin, signUp, uniqueEmail, uniqueTag, dataOf } from './support/fixtures';

let server: TestServer;
let adminToken: string;
let adminId: string;
let adminRoleId: string;
let user: Awaited<ReturnType<typeof signUp>>;
let other: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startTestServer();
  const admin = await signInAsAdmin(server);
  adminToken = admin.accessToken;
  adminId = admin.user.id;
  adminRoleId = admin.user.roles.find((r) => r.name === 'admin')!.id;
  user = await signUp(server);
  other = await signUp(server);
});
afterAll(() => server.stop());

const asAdmin = () => ({ token: adminToken });

async function createRole(name: string, description?: string) {
  const result = await server.gql(CreateRoleDocument, { input: { name, description } }, asAdmin());
  expect(result.errors).toBeUndefined();
  return dataOf(result).createRole;
}

describe('roles and role (reading)', () => {
  it('lists the seeded admin role to any signed-in user, and refuses anonymous', async () => {
    const listed = await server.gql(RolesDocument, {}, { token: user.accessToken });
    expect(listed.errors).toBeUndefined();
    expect(dataOf(listed).roles).toMatchObject({ page: 1, pageSize: 20 });
    expect(dataOf(listed).roles.items[0]).toMatchObject({ id: adminRoleId, name: 'admin', unchangeable: true });
    expectCode(await server.gql(RolesDocument, {}), 'UNAUTHENTICATED');
  });

  it('pages by id and filters by name and ids', async () => {
    const prefix = `page${uniqueTag()}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createRole(`${prefix} ${i}`));
    const page2 = await server.gql(RolesDocument, { page: 2, pageSize: 2, filter: { name: prefix.toUpperCase() } }, { token: user.accessToken });
    expect(dataOf(page2).roles).toMatchObject({ total: 5, page: 2, pageSize: 2, pageCount: 3 });
    expect(dataOf(page2).roles.items.map((r) => r.id)).toEqual([made[2].id, made[3].id]);
    const byIds = await server.gql(RolesDocument, { filter: { ids: [made[4].id, made[0].id] } }, { token: user.accessToken });
    expect(dataOf(byIds).roles.items.map((r) => r.id)).toEqual([made[0].id, made[4].id]);
    const bad = await server.gql(RolesDocument, { page: 0, pageSize: 0 }, { token: user.accessToken });
    expect(onlyError(bad).extensions?.fields?.map((f) => f.field)).toEqual(['page', 'pageSize']);
    const badId = await server.gql(RolesDocument, { filter: { ids: ['-1'] } }, { token: user.accessToken });
    expect(onlyError(badId).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'filter.ids.0' }] });
  });

  it('answers role(id) to any signed-in user; unknown is NOT_FOUND', async () => {
    const role = await server.gql(RoleDocument, { id: adminRoleId }, { token: other.accessToken });
    expect(dataOf(role).role).toMatchObject({ name: 'admin', unchangeable: true });
    expectCode(await server.gql(RoleDocument, { id: adminRoleId }), 'UNAUTHENTICATED');
    const missing = await server.gql(RoleDocument, { id: '999999' }, { token: user.accessToken });
    expect(onlyError(missing)).toMatchObject({ message: 'Role was not found.', extensions: { code: 'NOT_FOUND' } });
  });
});

describe('createRole', () => {
  it('creates a role with a trimmed name and description', async () => {
    const name = `editor ${uniqueTag()}`;
    const role = await createRole(`  ${name}  `, ' Edits things ');
    expect(role).toMatchObject({ name, description: 'Edits things', unchangeable: false });
  });

  it.each([
    ['an empty name', { name: '  ' }, 'input.name', 'Name must be 1 to 64 letters, digits, spaces, dots, dashes or underscores.'],
    ['a 65-character name', { name: 'x'.repeat(65) }, 'input.name', 'Name must be 1 to 64 letters, digits, spaces, dots, dashes or underscores.'],
    ['a name with a slash', { name: 'a/b' }, 'input.name', 'Name must be 1 to 64 letters, digits, spaces, dots, dashes or underscores.'],
    ['a long description', { name: 'fine', description: 'x'.repeat(256) }, 'input.description', 'Description must be at most 255 characters.'],
  ])('refuses %s with BAD_USER_INPUT', async (_case, input, field, message) => {
    const result = await server.gql(CreateRoleDocument, { input }, asAdmin());
    expect(onlyError(result).extensions).toEqual({ code: 'BAD_USER_INPUT', fields: [{ field, message }] });
  });

  it('accepts a 64-character name and answers CONFLICT for a taken one', async () => {
    const name = `${uniqueTag()}`.padEnd(64, '_');
    await createRole(name);
    const again = await server.gql(CreateRoleDocument, { input: { name } }, asAdmin());
    expect(onlyError(again)).toMatchObject({
      message: 'A role with that name already exists.',
      extensions: { code: 'CONFLICT', fields: [{ field: 'input.name', message: 'A role with that name already exists.' }] },
    });
  });

  it('treats names differing only in case as taken', async () => {
    const upper = await server.gql(CreateRoleDocument, { input: { name: 'ADMIN' } }, asAdmin());
    expect(onlyError(upper)).toMatchObject({ message: 'A role with that name already exists.', extensions: { code: 'CONFLICT' } });
    const role = await createRole(`Case ${uniqueTag()}`);
    const renamed = await server.gql(UpdateRoleDocument, { id: role.id, input: { name: role.name.toLowerCase() } }, asAdmin());
    expect(dataOf(renamed).updateRole.name).toBe(role.name.toLowerCase());
  });

  it('is for admins only', async () => {
    expectCode(await server.gql(CreateRoleDocument, { input: { name: 'x' } }), 'UNAUTHENTICATED');
    expectCode(await server.gql(CreateRoleDocument, { input: { name: 'x' } }, { token: user.accessToken }), 'FORBIDDEN');
  });
});

describe('updateRole', () => {
  it('renames a role and clears its description', async () => {
    const role = await createRole(`old ${uniqueTag()}`, 'Old text');
    const name = `new ${uniqueTag()}`;
    const renamed = await server.gql(UpdateRoleDocument, { id: role.id, input: { name } }, asAdmin());
    expect(dataOf(renamed).updateRole).toMatchObject({ id: role.id, name, description: 'Old text' });
    const cleared = await server.gql(UpdateRoleDocument, { id: role.id, input: { description: null } }, asAdmin());
    expect(dataOf(cleared).updateRole).toMatchObject({ name, description: null });
  });

  it('refuses the unchangeable admin role, a taken name, bad and empty input, unknown ids', async () => {
    const admin = await server.gql(UpdateRoleDocument, { id: adminRoleId, input: { name: 'root' } }, asAdmin());
    expect(onlyError(admin)).toMatchObject({ message: 'The admin role cannot be changed.', extensions: { code: 'FORBIDDEN' } });
    const a = await createRole(`a ${uniqueTag()}`);
    const b = await createRole(`b ${uniqueTag()}`);
    expectCode(await server.gql(UpdateRoleDocument, { id: b.id, input: { name: a.name } }, asAdmin()), 'CONFLICT');
    const bad = await server.gql(UpdateRoleDocument, { id: b.id, input: { name: 'no*stars' } }, asAdmin());
    expect(onlyError(bad).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'input.name' }] });
    const empty = await server.gql(UpdateRoleDocument, { id: b.id, input: {} }, asAdmin());
    expect(onlyError(empty)).toMatchObject({ message: 'No data found to update.', extensions: { code: 'BAD_USER_INPUT' } });
    expectCode(await server.gql(UpdateRoleDocument, { id: '999999', input: { name: 'z' } }, asAdmin()), 'NOT_FOUND');
  });

  it('is for admins only', async () => {
    const role = await createRole(`guarded ${uniqueTag()}`);
    expectCode(await server.gql(UpdateRoleDocument, { id: role.id, input: { name: 'x' } }), 'UNAUTHENTICATED');
    expectCode(await server.gql(UpdateRoleDocument, { id: role.id, input: { name: 'x' } }, { token: user.accessToken }), 'FORBIDDEN');
  });
});

describe('deleteRole', () => {
  it('deletes a role and takes it from its users', async () => {
    const role = await createRole(`temp ${uniqueTag()}`);
    await server.gql(AssignRoleDocument, { userId: user.user.id, roleId: role.id }, asAdmin());
    expect(dataOf(await server.gql(DeleteRoleDocument, { id: role.id }, asAdmin())).deleteRole).toBe(true);
    expectCode(await server.gql(RoleDocument, { id: role.id }, asAdmin()), 'NOT_FOUND');
    const me = dataOf(await server.gql(MeDocument, {}, { token: user.accessToken })).me!;
    expect(me.roles.map((r) => r.id)).not.toContain(role.id);
    expectCode(await server.gql(DeleteRoleDocument, { id: role.id }, asAdmin()), 'NOT_FOUND');
  });

  it('refuses the admin role, and non-admins', async () => {
    const admin = await server.gql(DeleteRoleDocument, { id: adminRoleId }, asAdmin());
    expect(onlyError(admin)).toMatchObject({ message: 'The admin role cannot be deleted.', extensions: { code: 'FORBIDDEN' } });
    const role = await createRole(`keep ${uniqueTag()}`);
    expectCode(await server.gql(DeleteRoleDocument, { id: role.id }), 'UNAUTHENTICATED');
    expectCode(await server.gql(DeleteRoleDocument, { id: role.id }, { token: user.accessToken }), 'FORBIDDEN');
    expect(dataOf(await server.gql(RoleDocument, { id: role.id }, asAdmin())).role.id).toBe(role.id);
  });
});

describe('assignRole and removeRole', () => {
  it('grants and takes away roles idempotently, visible in me { roles }', async () => {
    const role = await createRole(`member ${uniqueTag()}`);
    const first = await server.gql(AssignRoleDocument, { userId: user.user.id, roleId: role.id }, asAdmin());
    expect(dataOf(first).assignRole.roles).toEqual([{ id: role.id, name: role.name }]);
    const second = await server.gql(AssignRoleDocument, { userId: user.user.id, roleId: role.id }, asAdmin());
    expect(dataOf(second).assignRole.roles).toEqual([{ id: role.id, name: role.name }]);
    expect(dataOf(await server.gql(MeDocument, {}, { token: user.accessToken })).me!.roles).toEqual([{ id: role.id, name: role.name }]);

    const removed = await server.gql(RemoveRoleDocument, { userId: user.user.id, roleId: role.id }, asAdmin());
    expect(dataOf(removed).removeRole.roles).toEqual([]);
    const again = await server.gql(RemoveRoleDocument, { userId: user.user.id, roleId: role.id }, asAdmin());
    expect(dataOf(again).removeRole.roles).toEqual([]);
    expect(dataOf(await server.gql(MeDocument, {}, { token: user.accessToken })).me!.roles).toEqual([]);
  });

  it('makes a user an admin at once, and back', async () => {
    const target = await signUp(server);
    await server.gql(AssignRoleDocument, { userId: target.user.id, roleId: adminRoleId }, asAdmin());
    expect((await server.gql(RolesDocument, {}, { token: target.accessToken })).errors).toBeUndefined();
    expect((await server.gql(CreateRoleDocument, { input: { name: `by-new-admin ${uniqueTag()}` } }, { token: target.accessToken })).errors).toBeUndefined();
    await server.gql(RemoveRoleDocument, { userId: target.user.id, roleId: adminRoleId }, asAdmin());
    expectCode(await server.gql(CreateRoleDocument, { input: { name: `refused ${uniqueTag()}` } }, { token: target.accessToken }), 'FORBIDDEN');
  });

  it('reports unknown users and roles, deleted users and malformed ids', async () => {
    const role = await createRole(`lookup ${uniqueTag()}`);
    type Ids = { userId: string; roleId: string };
    const operations: Array<(ids: Ids) => Promise<GraphQLResponse<unknown>>> = [
      (ids: Ids) => server.gql(AssignRoleDocument, ids, asAdmin()),
      (ids: Ids) => server.gql(RemoveRoleDocument, ids, asAdmin()),
    ];
    for (const run of operations) {
      const noUser = await run({ userId: '999999', roleId: role.id });
      expect(onlyError(noUser)).toMatchObject({ message: 'User was not found.', extensions: { code: 'NOT_FOUND' } });
      const noRole = await run({ userId: user.user.id, roleId: '999999' });
      expect(onlyError(noRole)).toMatchObject({ message: 'Role was not found.', extensions: { code: 'NOT_FOUND' } });
      const malformed = await run({ userId: user.user.id, roleId: 'x' });
      expect(onlyError(malformed).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'roleId', message: 'Not a valid id.' }] });
    }
    const doomed = await signUp(server);
    await server.gql(DeleteUserDocument, { id: doomed.user.id }, asAdmin());
    expectCode(await server.gql(AssignRoleDocument, { userId: doomed.user.id, roleId: role.id }, asAdmin()), 'GONE');
  });

  it.each([
    ['anonymous', () => null, 'UNAUTHENTICATED'],
    ['the user themself', () => user.accessToken, 'FORBIDDEN'],
    ['another user', () => other.accessToken, 'FORBIDDEN'],
  ])('refuses %s', async (_who, token, code) => {
    expectCode(await server.gql(AssignRoleDocument, { userId: user.user.id, roleId: adminRoleId }, { token: token() }), code);
    expectCode(await server.gql(RemoveRoleDocument, { userId: user.user.id, roleId: adminRoleId }, { token: token() }), code);
  });

  it('never takes the admin role from the last admin', async () => {
    const refused = await server.gql(RemoveRoleDocument, { userId: adminId, roleId: adminRoleId }, asAdmin());
    expect(onlyError(refused)).toMatchObject({
      message: 'The admin role cannot be taken from the last admin: make someone else an admin first.',
      extensions: { code: 'FORBIDDEN' },
    });
    const email = uniqueEmail('deputy');
    const deputy = dataOf(await server.gql(CreateUserDocument, { input: { email, password: PASSWORD, roleIds: [adminRoleId] } }, asAdmin())).createUser;
    const deputySession = await signIn(server, email, PASSWORD);
    const dropped = await server.gql(RemoveRoleDocument, { userId: deputy.id, roleId: adminRoleId }, { token: deputySession.accessToken });
    expect(dataOf(dropped).removeRole.roles).toEqual([]);
    expectCode(await server.gql(RemoveRoleDocument, { userId: adminId, roleId: adminRoleId }, asAdmin()), 'FORBIDDEN');
  });
});

describe('assignRoles and removeRoles (bulk, all or nothing)', () => {
  const rolesOf = async (token: string) =>
    dataOf(await server.gql(MeDocument, {}, { token }))
      .me!.roles.map((r) => r.id)
      .sort();

  it('grants several roles to one user, and one role to several users, idempotently; takes them back', async () => {
    const a = await createRole(`bulk-a ${uniqueTag()}`);
    const b = await createRole(`bulk-b ${uniqueTag()}`);
    const target = await signUp(server);
    const second = await signUp(server);
    expect((await server.gql(AssignRolesDocument, { userIds: [target.user.id], roleIds: [a.id, b.id, a.id] }, asAdmin())).data).toEqual({ assignRoles: true });
    expect((await server.gql(AssignRolesDocument, { userIds: [target.user.id, second.user.id], roleIds: [a.id] }, asAdmin())).data).toEqual({
      assignRoles: true,
    });
    expect(await rolesOf(target.accessToken)).toEqual([a.id, b.id].sort());
    expect(await rolesOf(second.accessToken)).toEqual([a.id]);
    expect((await server.gql(RemoveRolesDocument, { userIds: [target.user.id, second.user.id], roleIds: [a.id] }, asAdmin())).data).toEqual({
      removeRoles: true,
    });
    expect(await rolesOf(target.accessToken)).toEqual([b.id]);
    expect(await rolesOf(second.accessToken)).toEqual([]);
    expect((await server.gql(AssignRolesDocument, { userIds: [target.user.id], roleIds: [] }, asAdmin())).data).toEqual({ assignRoles: true });
  });

  it('changes nothing when one id is unknown, deleted or malformed', async () => {
    const role = await createRole(`bulk-c ${uniqueTag()}`);
    const target = await signUp(server);
    const unknownRole = await server.gql(AssignRolesDocument, { userIds: [target.user.id], roleIds: [role.id, '999999'] }, asAdmin());
    expect(onlyError(unknownRole)).toMatchObject({ message: 'Role was not found.', extensions: { code: 'NOT_FOUND' } });
    const unknownUser = await server.gql(AssignRolesDocument, { userIds: [target.user.id, '999999'], roleIds: [role.id] }, asAdmin());
    expect(onlyError(unknownUser)).toMatchObject({ message: 'User was not found.', extensions: { code: 'NOT_FOUND' } });
    const malformed = await server.gql(RemoveRolesDocument, { userIds: [target.user.id], roleIds: [role.id, 'x'] }, asAdmin());
    expect(onlyError(malformed).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'roleIds.1', message: 'Not a valid id.' }] });
    expect(await rolesOf(target.accessToken)).toEqual([]);
    const doomed = await signUp(server);
    await server.gql(DeleteUserDocument, { id: doomed.user.id }, asAdmin());
    expectCode(await server.gql(AssignRolesDocument, { userIds: [doomed.user.id], roleIds: [role.id] }, asAdmin()), 'GONE');
    const many = Array.from({ length: 101 }, (_, i) => String(i + 1));
    const tooMany = await server.gql(AssignRolesDocument, { userIds: many, roleIds: [role.id] }, asAdmin());
    expect(onlyError(tooMany).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'roleIds', message: 'At most 100 user and role pairs at once.' }],
    });
  });

  it('never takes the admin role from the last admin, even within one call', async () => {
    const email = uniqueEmail('bulk-deputy');
    const deputy = dataOf(await server.gql(CreateUserDocument, { input: { email, password: PASSWORD, roleIds: [adminRoleId] } }, asAdmin())).createUser;
    const refused = await server.gql(RemoveRolesDocument, { userIds: [deputy.id, adminId], roleIds: [adminRoleId] }, asAdmin());
    expect(onlyError(refused)).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect((await server.gql(RemoveRolesDocument, { userIds: [deputy.id], roleIds: [adminRoleId] }, asAdmin())).data).toEqual({ removeRoles: true });
  });

  it.each([
    ['anonymous', () => null, 'UNAUTHENTICATED'],
    ['the user themself', () => user.accessToken, 'FORBIDDEN'],
    ['another user', () => other.accessToken, 'FORBIDDEN'],
  ])('refuses %s', async (_who, token, code) => {
    expectCode(await server.gql(AssignRolesDocument, { userIds: [user.user.id], roleIds: [adminRoleId] }, { token: token() }), code);
    expectCode(await server.gql(RemoveRolesDocument, { userIds: [user.user.id], roleIds: [adminRoleId] }, { token: token() }), code);
  });
});

describe('User.createdById and modifiedById', () => {
  it('name the admin who created and changed an account, for the user and admins only', async () => {
    const email = uniqueEmail('authored');
    const created = dataOf(await server.gql(CreateUserDocument, { input: { email, password: PASSWORD } }, asAdmin())).createUser;
    const session = await signIn(server, email, PASSWORD);
    const expected = { id: created.id, createdById: adminId, modifiedById: adminId };
    expect(dataOf(await server.gql(UserAuthorsDocument, { id: created.id }, asAdmin())).user).toEqual(expected);
    expect(dataOf(await server.gql(UserAuthorsDocument, { id: created.id }, { token: session.accessToken })).user).toEqual(expected);
    expect(dataOf(await server.gql(UserAuthorsDocument, { id: user.user.id }, { token: user.accessToken })).user).toEqual({
      id: user.user.id,
      createdById: null,
      modifiedById: null,
    });
  });
});

describe('Role.users', () => {
  it('pages the live users holding a role, for admins', async () => {
    const role = await createRole(`crowd ${uniqueTag()}`);
    const members = [];
    for (let i = 0; i < 3; i++) {
      const member = await signUp(server);
      await server.gql(AssignRoleDocument, { userId: member.user.id, roleId: role.id }, asAdmin());
      members.push(member.user.id);
    }
    const page2 = await server.gql(RoleUsersDocument, { id: role.id, page: 2, pageSize: 2 }, asAdmin());
    expect(dataOf(page2).role.users).toMatchObject({ total: 3, page: 2, pageSize: 2, pageCount: 2 });
    expect(dataOf(page2).role.users.items.map((u) => u.id)).toEqual([members[2]]);
    await server.gql(DeleteUserDocument, { id: members[0] }, asAdmin());
    const live = await server.gql(RoleUsersDocument, { id: role.id }, asAdmin());
    expect(dataOf(live).role.users.items.map((u) => u.id)).toEqual([members[1], members[2]]);
  });

  it('is for admins only', async () => {
    const refused = await server.gql(RoleUsersDocument, { id: adminRoleId }, { token: user.accessToken });
    expect(onlyError(refused)).toMatchObject({ message: 'This needs the admin role.', path: ['role', 'users'], extensions: { code: 'FORBIDDEN' } });
    expectCode(await server.gql(RoleUsersDocument, { id: adminRoleId }), 'UNAUTHENTICATED');
  });
});

describe('last admin under concurrency', () => {
  // Runs last: it may leave the deputy as the only admin.
  it('lets only one of the last two admins drop their admin role when both try at once', async () => {
    for (let round = 0; round < 3; round++) {
      const email = uniqueEmail('racer');
      const racer = dataOf(await server.gql(CreateUserDocument, { input: { email, password: PASSWORD, roleIds: [adminRoleId] } }, asAdmin())).createUser;
      const racerToken = (await signIn(server, email, PASSWORD)).accessToken;
      const [mine, theirs] = await Promise.all([
        server.gql(RemoveRoleDocument, { userId: adminId, roleId: adminRoleId }, asAdmin()),
        server.gql(RemoveRoleDocument, { userId: racer.id, roleId: adminRoleId }, { token: racerToken }),
      ]);
      const codes = [mine, theirs].map((r) => r.errors?.[0]?.extensions?.code ?? 'OK').sort();
      expect(codes).toEqual(['FORBIDDEN', 'OK']);
      const remaining = await server.gql(RoleUsersDocument, { id: adminRoleId }, { token: mine.errors ? adminToken : racerToken });
      expect(dataOf(remaining).role.users.total).toBe(1);
      if (!mine.errors) {
        // Hand the role back to the bootstrap admin and retire the racer.
        await server.gql(AssignRoleDocument, { userId: adminId, roleId: adminRoleId }, { token: racerToken });
      }
      await server.gql(DeleteUserDocument, { id: racer.id }, asAdmin());
    }
  });
});
