// Organisations (admin-managed) and teams (user-owned): every operation's
// success and failure paths, the access matrix, and `me`'s memberships.
import {
  CreateOrganisationDocument,
  CreateTeamDocument,
  DeleteOrganisationDocument,
  DeleteTeamDocument,
  AcceptTeamInvitationDocument,
  DeclineTeamInvitationDocument,
  MyMembershipsDocument,
  TeamInvitationsDocument,
  OrganisationDocument,
  OrganisationsDocument,
  RemoveOrganisationMemberDocument,
  RemoveTeamMemberDocument,
  SetOrganisationMemberDocument,
  SetTeamMemberDocument,
  TeamDocument,
  TeamMemberMembershipsDocument,
  TeamOrganisationMembersDocument,
  TeamsDocument,
  UpdateOrganisationDocument,
  UpdateTeamDocument,
  type TeamInput,
} from './__generated__/graphql';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startTestServer, type TestServer } from './support/server';
import { dataOf, expectError, signInAsAdmin, signUp } from './support/fixtures';

let server: TestServer;
let admin: string;
/** PGlite's directory, kept across a restart (see softDeleteUser); null on PostgreSQL. */
let pgliteDataDir: string | null = null;
beforeAll(async () => {
  if (!process.env.TEST_DATABASE_URL) pgliteDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'usergraph-orgs-'));
  server = await startTestServer(pgliteDataDir ? { DATA_DIR: pgliteDataDir } : {});
  admin = (await signInAsAdmin(server)).accessToken;
});
afterAll(async () => {
  await server.stop();
  if (pgliteDataDir) await fs.rm(pgliteDataDir, { recursive: true, force: true });
});

/**
 * Soft-deletes a user behind the API's back (this branch has no deleteUser).
 * PGlite admits one process at a time, so there the server restarts on the
 * same directory: every token issued before is void afterwards.
 */
async function softDeleteUser(userId: string): Promise<void> {
  const sql = 'UPDATE users SET deleted_at = now() WHERE id = $1';
  if (!pgliteDataDir) {
    const client = new Client({ connectionString: server.databaseUrl! });
    await client.connect();
    await client.query(sql, [Number(userId)]).finally(() => client.end());
    return;
  }
  await server.stop();
  // PGlite needs real ESM (dynamic imports), which jest's module sandbox lacks: run it in a child process.
  const script = `import { PGlite } from '@electric-sql/pglite';
    const db = await PGlite.create(process.argv[1]);
    await db.query(process.argv[2], [Number(process.argv[3])]);
    await db.close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, path.join(pgliteDataDir, 'db'), sql, userId], {
    cwd: path.resolve(__dirname, '..'),
  });
  server = await startTestServer({ DATA_DIR: pgliteDataDir });
  admin = (await signInAsAdmin(server)).accessToken;
}

const SIGN_IN = 'You must be signed in to do this.';
const NEEDS_ADMIN = 'This needs the admin role.';
const OWNER_OR_ADMIN = 'Only the team owner or an admin may do this.';
const MISSING_ID = '2147483647';

interface TestUser {
  token: string;
  id: string;
  email: string;
}

async function newUser(): Promise<TestUser> {
  const auth = await signUp(server);
  return { token: auth.accessToken, id: auth.user.id, email: auth.user.email! };
}

async function newOrganisation(members: Array<[TestUser, string[]]> = [], name = 'Howe Group'): Promise<string> {
  const { id } = dataOf(await server.gql(CreateOrganisationDocument, { input: { name } }, { token: admin })).createOrganisation;
  for (const [user, roles] of members) {
    dataOf(await server.gql(SetOrganisationMemberDocument, { organisationId: id, userId: user.id, roles }, { token: admin }));
  }
  return id;
}

async function newTeam(owner: TestUser, input: Partial<TeamInput> = {}, members: Array<[TestUser, string[]]> = []): Promise<string> {
  const { id } = dataOf(await server.gql(CreateTeamDocument, { input: { name: 'Gaylord, Okuneva and Gerhold', ...input } }, { token: owner.token })).createTeam;
  for (const [user, roles] of members) {
    // The owner invites; membership needs the member's consent.
    dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: user.id, roles }, { token: owner.token }));
    dataOf(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: user.token }));
  }
  return id;
}

describe('organisations', () => {
  it('lets an admin create one with a trimmed name and logo properties', async () => {
    const created = dataOf(
      await server.gql(
        CreateOrganisationDocument,
        { input: { name: '  Howe Group ', logoProperties: { color: '#3d8bc0', width: 120, round: true } } },
        { token: admin },
      ),
    ).createOrganisation;
    expect(created).toMatchObject({ name: 'Howe Group', logoUrl: null, logoProperties: { color: '#3d8bc0', width: 120, round: true }, members: [] });
    expect(created.createdAt).toBe(created.updatedAt);
    const fetched = dataOf(await server.gql(OrganisationDocument, { id: created.id }, { token: admin })).organisation;
    expect(fetched).toEqual(created);
    const plain = dataOf(await server.gql(CreateOrganisationDocument, { input: { name: 'Plain' } }, { token: admin })).createOrganisation;
    expect(plain.logoProperties).toEqual({});
  });

  it.each([
    ['an empty name', { name: '   ' }, [{ field: 'input.name', message: 'Name the organisation.' }]],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, [{ field: 'input.name', message: 'Name must be at most 100 characters.' }]],
    [
      'a nested logo property',
      { name: 'Ok', logoProperties: { color: { r: 1 } } },
      [{ field: 'input.logoProperties.color', message: 'logoProperties values must be strings, numbers or booleans.' }],
    ],
    [
      'a null logo property',
      { name: 'Ok', logoProperties: { color: null } },
      [{ field: 'input.logoProperties.color', message: 'logoProperties values must be strings, numbers or booleans.' }],
    ],
    [
      'logo properties over 4 KB',
      { name: 'Ok', logoProperties: { blob: 'x'.repeat(4100) } },
      [{ field: 'input.logoProperties', message: 'logoProperties must be at most 4096 bytes of JSON.' }],
    ],
  ])('refuses %s with BAD_USER_INPUT', async (_case, input, fields) => {
    const result = await server.gql(CreateOrganisationDocument, { input }, { token: admin });
    expectError(result, 'BAD_USER_INPUT', fields[0].message, fields);
  });

  it('accepts a 100-character name and reports every invalid field at once', async () => {
    dataOf(await server.gql(CreateOrganisationDocument, { input: { name: 'x'.repeat(100) } }, { token: admin }));
    const result = await server.gql(CreateOrganisationDocument, { input: { name: '', logoProperties: { a: [] } } }, { token: admin });
    expectError(result, 'BAD_USER_INPUT', '2 fields are invalid: input.name, input.logoProperties.a.');
  });

  it('updates the name, and replaces, keeps or clears the logo properties', async () => {
    const id = await newOrganisation();
    const replaced = dataOf(
      await server.gql(UpdateOrganisationDocument, { id, input: { name: 'Renamed', logoProperties: { color: 'red' } } }, { token: admin }),
    );
    expect(replaced.updateOrganisation).toMatchObject({ id, name: 'Renamed', logoProperties: { color: 'red' } });
    const kept = dataOf(await server.gql(UpdateOrganisationDocument, { id, input: { name: 'Renamed again' } }, { token: admin }));
    expect(kept.updateOrganisation).toMatchObject({ name: 'Renamed again', logoProperties: { color: 'red' } });
    const cleared = dataOf(await server.gql(UpdateOrganisationDocument, { id, input: { name: 'Cleared', logoProperties: null } }, { token: admin }));
    expect(cleared.updateOrganisation).toMatchObject({ name: 'Cleared', logoProperties: {} });
  });

  it('refuses to update an unknown or malformed id, or with bad input', async () => {
    expectError(
      await server.gql(UpdateOrganisationDocument, { id: MISSING_ID, input: { name: 'x' } }, { token: admin }),
      'NOT_FOUND',
      'Organisation was not found.',
    );
    expectError(
      await server.gql(UpdateOrganisationDocument, { id: 'abc', input: { name: 'x' } }, { token: admin }),
      'BAD_USER_INPUT',
      'id must be a positive integer id.',
      [{ field: 'id', message: 'Not a valid id.' }],
    );
    const id = await newOrganisation();
    expectError(await server.gql(UpdateOrganisationDocument, { id, input: { name: ' ' } }, { token: admin }), 'BAD_USER_INPUT', 'Name the organisation.');
  });

  it('deletes one: its memberships go, its teams stay without an organisation', async () => {
    const alice = await newUser();
    const id = await newOrganisation([[alice, ['manager']]]);
    const teamId = await newTeam(alice, { organisationId: id });
    expect(dataOf(await server.gql(DeleteOrganisationDocument, { id }, { token: admin })).deleteOrganisation).toBe(true);
    expectError(await server.gql(DeleteOrganisationDocument, { id }, { token: admin }), 'NOT_FOUND', 'Organisation was not found.');
    expectError(await server.gql(OrganisationDocument, { id }, { token: admin }), 'NOT_FOUND', 'Organisation was not found.');
    expect(dataOf(await server.gql(TeamDocument, { id: teamId }, { token: alice.token })).team.organisation).toBeNull();
    expect(dataOf(await server.gql(MyMembershipsDocument, {}, { token: alice.token })).me!.organisations).toEqual([]);
  });

  describe('members', () => {
    it('adds a member with trimmed, de-duplicated roles, then replaces the roles', async () => {
      const alice = await newUser();
      const id = await newOrganisation();
      const added = dataOf(
        await server.gql(SetOrganisationMemberDocument, { organisationId: id, userId: alice.id, roles: [' manager ', 'viewer', 'manager'] }, { token: admin }),
      );
      expect(added.setOrganisationMember.members).toEqual([
        { roles: ['manager', 'viewer'], createdAt: expect.any(String), user: { id: alice.id, email: alice.email } },
      ]);
      const changed = dataOf(await server.gql(SetOrganisationMemberDocument, { organisationId: id, userId: alice.id, roles: [] }, { token: admin }));
      expect(changed.setOrganisationMember.members).toEqual([
        { roles: [], createdAt: added.setOrganisationMember.members[0].createdAt, user: { id: alice.id, email: alice.email } },
      ]);
    });

    it.each([
      ['more than 20 roles', Array.from({ length: 21 }, (_, i) => `role-${i}`), [{ field: 'roles', message: 'At most 20 roles per membership.' }]],
      ['an empty role name', ['ok', '  '], [{ field: 'roles.1', message: 'Role names must be 1 to 64 characters.' }]],
      ['a role name over 64 characters', ['r'.repeat(65)], [{ field: 'roles.0', message: 'Role names must be 1 to 64 characters.' }]],
    ])('refuses %s with BAD_USER_INPUT', async (_case, roles, fields) => {
      const [alice, id] = await Promise.all([newUser(), newOrganisation()]);
      const result = await server.gql(SetOrganisationMemberDocument, { organisationId: id, userId: alice.id, roles }, { token: admin });
      expectError(result, 'BAD_USER_INPUT', fields[0].message, fields);
    });

    it('accepts exactly 20 roles of 64 characters', async () => {
      const [alice, id] = await Promise.all([newUser(), newOrganisation()]);
      const roles = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(64, 'r'));
      const result = dataOf(await server.gql(SetOrganisationMemberDocument, { organisationId: id, userId: alice.id, roles }, { token: admin }));
      expect(result.setOrganisationMember.members[0].roles).toEqual(roles);
    });

    it('reports an unknown organisation or user as NOT_FOUND', async () => {
      const [alice, id] = await Promise.all([newUser(), newOrganisation()]);
      const set = (organisationId: string, userId: string) =>
        server.gql(SetOrganisationMemberDocument, { organisationId, userId, roles: [] }, { token: admin });
      expectError(await set(MISSING_ID, alice.id), 'NOT_FOUND', 'Organisation was not found.');
      expectError(await set(id, MISSING_ID), 'NOT_FOUND', 'User was not found.');
      expectError(await set(id, 'x'), 'BAD_USER_INPUT', 'userId must be a positive integer id.');
      const remove = (organisationId: string, userId: string) => server.gql(RemoveOrganisationMemberDocument, { organisationId, userId }, { token: admin });
      expectError(await remove(MISSING_ID, alice.id), 'NOT_FOUND', 'Organisation was not found.');
      expectError(await remove(id, MISSING_ID), 'NOT_FOUND', 'User was not found.');
      expectError(await remove(id, alice.id), 'NOT_FOUND', 'Organisation member was not found.');
      expectError(await remove('0', alice.id), 'BAD_USER_INPUT', 'organisationId must be a positive integer id.');
    });

    it('removes a member', async () => {
      const [alice, bob] = await Promise.all([newUser(), newUser()]);
      const id = await newOrganisation([
        [alice, []],
        [bob, ['viewer']],
      ]);
      const result = dataOf(await server.gql(RemoveOrganisationMemberDocument, { organisationId: id, userId: alice.id }, { token: admin }));
      expect(result.removeOrganisationMember.members.map((m) => m.user.id)).toEqual([bob.id]);
      expectError(await server.gql(OrganisationDocument, { id }, { token: alice.token }), 'FORBIDDEN', 'You are not a member of this organisation.');
    });
  });

  describe('access', () => {
    it.each([
      ['anonymous', () => null, 'UNAUTHENTICATED', SIGN_IN],
      ['a user, even a member', () => 'member', 'FORBIDDEN', NEEDS_ADMIN],
    ])('refuses every admin mutation to %s', async (_who, who, code, message) => {
      const member = await newUser();
      const id = await newOrganisation([[member, ['manager']]]);
      const token = who() === 'member' ? member.token : null;
      expectError(await server.gql(CreateOrganisationDocument, { input: { name: 'x' } }, { token }), code, message);
      expectError(await server.gql(UpdateOrganisationDocument, { id, input: { name: 'x' } }, { token }), code, message);
      expectError(await server.gql(DeleteOrganisationDocument, { id }, { token }), code, message);
      expectError(await server.gql(SetOrganisationMemberDocument, { organisationId: id, userId: member.id, roles: ['admin'] }, { token }), code, message);
      expectError(await server.gql(RemoveOrganisationMemberDocument, { organisationId: id, userId: member.id }, { token }), code, message);
      const unchanged = dataOf(await server.gql(OrganisationDocument, { id }, { token: admin })).organisation;
      expect(unchanged.name).toBe('Howe Group');
      expect(unchanged.members.map((m) => m.roles)).toEqual([['manager']]);
    });

    it('lists every organisation for an admin, and only their own for a user', async () => {
      const [member, outsider] = await Promise.all([newUser(), newUser()]);
      const mine = await newOrganisation([[member, []]], 'Mine');
      const other = await newOrganisation([], 'Other');
      expectError(await server.gql(OrganisationsDocument, {}, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
      expect(dataOf(await server.gql(OrganisationsDocument, {}, { token: member.token })).organisations).toEqual([{ id: mine, name: 'Mine' }]);
      expect(dataOf(await server.gql(OrganisationsDocument, {}, { token: outsider.token })).organisations).toEqual([]);
      const all = dataOf(await server.gql(OrganisationsDocument, {}, { token: admin })).organisations.map((o) => o.id);
      expect(all).toEqual(expect.arrayContaining([mine, other]));
      expect(all).toEqual([...all].sort((a, b) => Number(a) - Number(b)));
    });

    it('shows one organisation to its members and admins only', async () => {
      const [member, outsider] = await Promise.all([newUser(), newUser()]);
      const id = await newOrganisation([[member, ['viewer']]]);
      expectError(await server.gql(OrganisationDocument, { id }, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
      expectError(await server.gql(OrganisationDocument, { id }, { token: outsider.token }), 'FORBIDDEN', 'You are not a member of this organisation.');
      expectError(await server.gql(OrganisationDocument, { id: MISSING_ID }, { token: outsider.token }), 'NOT_FOUND', 'Organisation was not found.');
      const seen = dataOf(await server.gql(OrganisationDocument, { id }, { token: member.token })).organisation;
      expect(seen.members).toEqual([{ roles: ['viewer'], createdAt: expect.any(String), user: { id: member.id, email: member.email } }]);
      expect(dataOf(await server.gql(OrganisationDocument, { id }, { token: admin })).organisation).toEqual(seen);
    });
  });
});

describe('teams', () => {
  it('lets any user create a team they own and are a member of, with no roles', async () => {
    const alice = await newUser();
    expectError(await server.gql(CreateTeamDocument, { input: { name: 'x' } }, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
    const team = dataOf(await server.gql(CreateTeamDocument, { input: { name: ' Blue ', ownerId: alice.id } }, { token: alice.token })).createTeam;
    expect(team).toEqual({
      id: expect.any(String),
      name: 'Blue',
      createdAt: expect.any(String),
      owner: { id: alice.id, email: alice.email },
      organisation: null,
      members: [{ roles: [], createdAt: expect.any(String), user: { id: alice.id, email: alice.email } }],
    });
  });

  it.each([
    ['an empty name', { name: '' }, 'Name the team.'],
    ['a name over 100 characters', { name: 't'.repeat(101) }, 'Name must be at most 100 characters.'],
  ])('refuses %s with BAD_USER_INPUT', async (_case, input, message) => {
    const alice = await newUser();
    expectError(await server.gql(CreateTeamDocument, { input }, { token: alice.token }), 'BAD_USER_INPUT', message, [{ field: 'input.name', message }]);
    const id = await newTeam(alice);
    expectError(await server.gql(UpdateTeamDocument, { id, input }, { token: alice.token }), 'BAD_USER_INPUT', message, [{ field: 'input.name', message }]);
  });

  it('attaches a team only to an organisation its non-admin creator belongs to', async () => {
    const [member, outsider] = await Promise.all([newUser(), newUser()]);
    const organisationId = await newOrganisation([[member, []]]);
    const team = dataOf(await server.gql(CreateTeamDocument, { input: { name: 'In org', organisationId } }, { token: member.token })).createTeam;
    expect(team.organisation).toEqual({ id: organisationId, name: 'Howe Group' });
    expectError(
      await server.gql(CreateTeamDocument, { input: { name: 'Sneaky', organisationId } }, { token: outsider.token }),
      'FORBIDDEN',
      'You may only attach a team to an organisation you belong to.',
    );
    expectError(
      await server.gql(CreateTeamDocument, { input: { name: 'Nowhere', organisationId: MISSING_ID } }, { token: member.token }),
      'NOT_FOUND',
      'Organisation was not found.',
    );
    const byAdmin = dataOf(await server.gql(CreateTeamDocument, { input: { name: 'Admin team', organisationId } }, { token: admin })).createTeam;
    expect(byAdmin.organisation?.id).toBe(organisationId);
  });

  it('lets only an admin create a team for someone else', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    expectError(
      await server.gql(CreateTeamDocument, { input: { name: 'For Bob', ownerId: bob.id } }, { token: alice.token }),
      'FORBIDDEN',
      'Only an admin may create a team for someone else.',
    );
    const team = dataOf(await server.gql(CreateTeamDocument, { input: { name: 'For Bob', ownerId: bob.id } }, { token: admin })).createTeam;
    expect(team.owner.id).toBe(bob.id);
    expect(team.members.map((m) => m.user.id)).toEqual([bob.id]);
    expectError(await server.gql(CreateTeamDocument, { input: { name: 'Ghost', ownerId: MISSING_ID } }, { token: admin }), 'NOT_FOUND', 'User was not found.');
    expect(dataOf(await server.gql(TeamsDocument, {}, { token: alice.token })).teams).toEqual([]);
  });

  describe('access matrix', () => {
    let owner: TestUser;
    let member: TestUser;
    let outsider: TestUser;
    let teamId: string;
    beforeAll(async () => {
      [owner, member, outsider] = await Promise.all([newUser(), newUser(), newUser()]);
      teamId = await newTeam(owner, { name: 'Matrix' }, [[member, ['player']]]);
    });

    it('lists teams by ownership or membership, and every team for an admin', async () => {
      expectError(await server.gql(TeamsDocument, {}, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
      expect(dataOf(await server.gql(TeamsDocument, {}, { token: owner.token })).teams).toEqual([{ id: teamId, name: 'Matrix' }]);
      expect(dataOf(await server.gql(TeamsDocument, {}, { token: member.token })).teams).toEqual([{ id: teamId, name: 'Matrix' }]);
      expect(dataOf(await server.gql(TeamsDocument, {}, { token: outsider.token })).teams).toEqual([]);
      expect(dataOf(await server.gql(TeamsDocument, {}, { token: admin })).teams).toContainEqual({ id: teamId, name: 'Matrix' });
    });

    it('shows a team to its owner, its members and admins', async () => {
      expectError(await server.gql(TeamDocument, { id: teamId }, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
      expectError(await server.gql(TeamDocument, { id: teamId }, { token: outsider.token }), 'FORBIDDEN', 'You are not a member of this team.');
      expectError(await server.gql(TeamDocument, { id: MISSING_ID }, { token: owner.token }), 'NOT_FOUND', 'Team was not found.');
      // Each viewer sees their own email; another member's is private (test/privacy.test.ts).
      const members = (viewer: { id: string } | null) => [
        { roles: [], createdAt: expect.any(String), user: { id: owner.id, email: !viewer || viewer.id === owner.id ? owner.email : null } },
        { roles: ['player'], createdAt: expect.any(String), user: { id: member.id, email: !viewer || viewer.id === member.id ? member.email : null } },
      ];
      expect(dataOf(await server.gql(TeamDocument, { id: teamId }, { token: owner.token })).team.members).toEqual(members(owner));
      expect(dataOf(await server.gql(TeamDocument, { id: teamId }, { token: member.token })).team.members).toEqual(members(member));
      expect(dataOf(await server.gql(TeamDocument, { id: teamId }, { token: admin })).team.members).toEqual(members(null));
    });

    it.each([
      ['anonymous', () => null, 'UNAUTHENTICATED', SIGN_IN],
      ['a member', () => member.token, 'FORBIDDEN', OWNER_OR_ADMIN],
      ['another user', () => outsider.token, 'FORBIDDEN', OWNER_OR_ADMIN],
    ])('refuses every owner mutation to %s', async (_who, token, code, message) => {
      expectError(await server.gql(UpdateTeamDocument, { id: teamId, input: { name: 'Taken' } }, { token: token() }), code, message);
      expectError(await server.gql(DeleteTeamDocument, { id: teamId }, { token: token() }), code, message);
      expectError(await server.gql(SetTeamMemberDocument, { teamId, userId: outsider.id, roles: [] }, { token: token() }), code, message);
      expectError(await server.gql(RemoveTeamMemberDocument, { teamId, userId: member.id }, { token: token() }), code, message);
      const unchanged = dataOf(await server.gql(TeamDocument, { id: teamId }, { token: admin })).team;
      expect(unchanged.name).toBe('Matrix');
      expect(unchanged.members.map((m) => m.user.id)).toEqual([owner.id, member.id]);
    });
  });

  describe('update', () => {
    it('renames, moves between organisations the owner belongs to, detaches, and keeps the organisation when omitted', async () => {
      const alice = await newUser();
      const [first, second, foreign] = await Promise.all([
        newOrganisation([[alice, []]], 'First'),
        newOrganisation([[alice, []]], 'Second'),
        newOrganisation([], 'Foreign'),
      ]);
      const id = await newTeam(alice, { organisationId: first });
      const moved = dataOf(await server.gql(UpdateTeamDocument, { id, input: { name: 'Moved', organisationId: second } }, { token: alice.token })).updateTeam;
      expect(moved).toMatchObject({ name: 'Moved', organisation: { id: second, name: 'Second' } });
      const kept = dataOf(await server.gql(UpdateTeamDocument, { id, input: { name: 'Kept' } }, { token: alice.token })).updateTeam;
      expect(kept).toMatchObject({ name: 'Kept', organisation: { id: second } });
      expectError(
        await server.gql(UpdateTeamDocument, { id, input: { name: 'Kept', organisationId: foreign } }, { token: alice.token }),
        'FORBIDDEN',
        'You may only attach a team to an organisation you belong to.',
      );
      expectError(
        await server.gql(UpdateTeamDocument, { id, input: { name: 'Kept', organisationId: MISSING_ID } }, { token: alice.token }),
        'NOT_FOUND',
        'Organisation was not found.',
      );
      const detached = dataOf(
        await server.gql(UpdateTeamDocument, { id, input: { name: 'Detached', organisationId: null } }, { token: alice.token }),
      ).updateTeam;
      expect(detached.organisation).toBeNull();
      const byAdmin = dataOf(
        await server.gql(UpdateTeamDocument, { id, input: { name: 'Admin moved', organisationId: foreign } }, { token: admin }),
      ).updateTeam;
      expect(byAdmin.organisation?.id).toBe(foreign);
    });

    it('keeps an organisation the owner has since left when it is sent unchanged', async () => {
      const alice = await newUser();
      const organisationId = await newOrganisation([[alice, []]]);
      const id = await newTeam(alice, { organisationId });
      dataOf(await server.gql(RemoveOrganisationMemberDocument, { organisationId, userId: alice.id }, { token: admin }));
      const renamed = dataOf(await server.gql(UpdateTeamDocument, { id, input: { name: 'Renamed', organisationId } }, { token: alice.token })).updateTeam;
      expect(renamed).toMatchObject({ name: 'Renamed', organisation: { id: organisationId } });
    });

    it('lets only an admin transfer a team; the new owner becomes a member, the old one stays', async () => {
      const [alice, bob] = await Promise.all([newUser(), newUser()]);
      const id = await newTeam(alice, {}, [[bob, ['captain']]]);
      expectError(
        await server.gql(UpdateTeamDocument, { id, input: { name: 'Mine', ownerId: bob.id } }, { token: alice.token }),
        'FORBIDDEN',
        'Only an admin may transfer a team to another owner.',
      );
      dataOf(await server.gql(UpdateTeamDocument, { id, input: { name: 'Same owner', ownerId: alice.id } }, { token: alice.token }));
      expectError(
        await server.gql(UpdateTeamDocument, { id, input: { name: 'x', ownerId: MISSING_ID } }, { token: admin }),
        'NOT_FOUND',
        'User was not found.',
      );
      const transferred = dataOf(await server.gql(UpdateTeamDocument, { id, input: { name: 'Bob’s', ownerId: bob.id } }, { token: admin })).updateTeam;
      expect(transferred.owner.id).toBe(bob.id);
      expect(transferred.members.map((m) => [m.user.id, m.roles])).toEqual([
        [alice.id, []],
        [bob.id, ['captain']],
      ]);
      expect(dataOf(await server.gql(MyMembershipsDocument, {}, { token: bob.token })).me!.teams).toEqual([
        { id, name: 'Bob’s', isOwner: true, currentUserRoles: ['captain'] },
      ]);
      expect(dataOf(await server.gql(MyMembershipsDocument, {}, { token: alice.token })).me!.teams).toEqual([
        { id, name: 'Bob’s', isOwner: false, currentUserRoles: [] },
      ]);
      expectError(await server.gql(UpdateTeamDocument, { id, input: { name: 'Back' } }, { token: alice.token }), 'FORBIDDEN', OWNER_OR_ADMIN);
    });

    it('reports an unknown team as NOT_FOUND', async () => {
      const alice = await newUser();
      expectError(await server.gql(UpdateTeamDocument, { id: MISSING_ID, input: { name: 'x' } }, { token: alice.token }), 'NOT_FOUND', 'Team was not found.');
      expectError(await server.gql(DeleteTeamDocument, { id: MISSING_ID }, { token: alice.token }), 'NOT_FOUND', 'Team was not found.');
      expectError(
        await server.gql(SetTeamMemberDocument, { teamId: MISSING_ID, userId: alice.id, roles: [] }, { token: alice.token }),
        'NOT_FOUND',
        'Team was not found.',
      );
      expectError(
        await server.gql(RemoveTeamMemberDocument, { teamId: MISSING_ID, userId: alice.id }, { token: alice.token }),
        'NOT_FOUND',
        'Team was not found.',
      );
    });
  });

  describe('members', () => {
    it('lets the owner and an admin add members and replace their roles', async () => {
      const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
      const id = await newTeam(alice);
      dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: bob.id, roles: ['player', ' player '] }, { token: alice.token }));
      const added = dataOf(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: bob.token })).acceptTeamInvitation;
      expect(added.members.map((m) => [m.user.id, m.roles])).toEqual([
        [alice.id, []],
        [bob.id, ['player']],
      ]);
      const byAdmin = dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: carol.id, roles: ['coach'] }, { token: admin })).setTeamMember;
      expect(byAdmin.members.map((m) => [m.user.id, m.roles])).toEqual([
        [alice.id, []],
        [bob.id, ['player']],
        [carol.id, ['coach']],
      ]);
      const ownerRoles = dataOf(
        await server.gql(SetTeamMemberDocument, { teamId: id, userId: alice.id, roles: ['captain'] }, { token: alice.token }),
      ).setTeamMember;
      expect(ownerRoles.members[0].roles).toEqual(['captain']);
    });

    it('validates roles; reports an unknown user as NOT_FOUND to an admin only', async () => {
      const alice = await newUser();
      const id = await newTeam(alice);
      const tooMany = Array.from({ length: 21 }, (_, i) => `r${i}`);
      expectError(
        await server.gql(SetTeamMemberDocument, { teamId: id, userId: alice.id, roles: tooMany }, { token: alice.token }),
        'BAD_USER_INPUT',
        'At most 20 roles per membership.',
        [{ field: 'roles', message: 'At most 20 roles per membership.' }],
      );
      expectError(
        await server.gql(SetTeamMemberDocument, { teamId: id, userId: alice.id, roles: [''] }, { token: alice.token }),
        'BAD_USER_INPUT',
        'Role names must be 1 to 64 characters.',
        [{ field: 'roles.0', message: 'Role names must be 1 to 64 characters.' }],
      );
      // To the owner, an unknown id is like any user who is not a member: nothing tells them apart.
      expect(
        dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: MISSING_ID, roles: [] }, { token: alice.token })).setTeamMember.members,
      ).toHaveLength(1);
      expectError(
        await server.gql(RemoveTeamMemberDocument, { teamId: id, userId: MISSING_ID }, { token: alice.token }),
        'NOT_FOUND',
        'Team member was not found.',
      );
      expectError(await server.gql(SetTeamMemberDocument, { teamId: id, userId: MISSING_ID, roles: [] }, { token: admin }), 'NOT_FOUND', 'User was not found.');
      expectError(await server.gql(RemoveTeamMemberDocument, { teamId: id, userId: MISSING_ID }, { token: admin }), 'NOT_FOUND', 'User was not found.');
    });

    it('removes a member, never the owner', async () => {
      const [alice, bob] = await Promise.all([newUser(), newUser()]);
      const id = await newTeam(alice, {}, [[bob, []]]);
      const removed = dataOf(await server.gql(RemoveTeamMemberDocument, { teamId: id, userId: bob.id }, { token: alice.token })).removeTeamMember;
      expect(removed.members.map((m) => m.user.id)).toEqual([alice.id]);
      expectError(
        await server.gql(RemoveTeamMemberDocument, { teamId: id, userId: bob.id }, { token: alice.token }),
        'NOT_FOUND',
        'Team member was not found.',
      );
      expectError(await server.gql(TeamDocument, { id }, { token: bob.token }), 'FORBIDDEN', 'You are not a member of this team.');
      const message = 'The owner cannot leave the team; transfer it to someone else first.';
      expectError(await server.gql(RemoveTeamMemberDocument, { teamId: id, userId: alice.id }, { token: admin }), 'CONFLICT', message, [
        { field: 'userId', message },
      ]);
    });

    it('shows a team member the organisation by name, but its members only to its own members', async () => {
      const [alice, bob] = await Promise.all([newUser(), newUser()]);
      const organisationId = await newOrganisation([[alice, ['manager']]]);
      const id = await newTeam(alice, { organisationId }, [[bob, []]]);
      expect(dataOf(await server.gql(TeamDocument, { id }, { token: bob.token })).team.organisation).toEqual({ id: organisationId, name: 'Howe Group' });
      const result = await server.gql(TeamOrganisationMembersDocument, { id }, { token: bob.token });
      expectError(result, 'FORBIDDEN', 'Only members of this organisation may see its members.');
      expect(dataOf(await server.gql(TeamOrganisationMembersDocument, { id }, { token: alice.token })).team.organisation!.members).toEqual([
        { roles: ['manager'] },
      ]);
    });

    it("shows another member's organisations and teams only where the viewer shares them", async () => {
      const [alice, bob] = await Promise.all([newUser(), newUser()]);
      const shared = await newOrganisation(
        [
          [alice, []],
          [bob, []],
        ],
        'Shared',
      );
      await newOrganisation([[alice, ['secret']]], 'Alice only');
      const teamId = await newTeam(alice, {}, [[bob, []]]);
      const aliceOnlyTeam = await newTeam(alice, { name: 'Private' });
      const byId = (members: Array<{ user: { id: string; organisations: unknown; teams: unknown } }>, id: string) =>
        members.find((m) => m.user.id === id)!.user;
      const bobsView = dataOf(await server.gql(TeamMemberMembershipsDocument, { id: teamId }, { token: bob.token })).team.members;
      expect(byId(bobsView, alice.id)).toEqual({ id: alice.id, organisations: [{ id: shared }], teams: [{ id: teamId, isOwner: true }] });
      const adminsView = dataOf(await server.gql(TeamMemberMembershipsDocument, { id: teamId }, { token: admin })).team.members;
      expect(byId(adminsView, alice.id).teams).toEqual([
        { id: teamId, isOwner: true },
        { id: aliceOnlyTeam, isOwner: true },
      ]);
      expect((byId(adminsView, alice.id).organisations as unknown[]).length).toBe(2);
    });
  });

  describe('invitations', () => {
    it('an owner adds nobody without consent, and the answer is the same for an admin, a user and an unknown id', async () => {
      const [alice, bob] = await Promise.all([newUser(), newUser()]);
      const adminId = dataOf(await server.gql(MyMembershipsDocument, {}, { token: admin })).me!.id;
      const id = await newTeam(alice);
      const answers = [];
      for (const userId of [adminId, bob.id, MISSING_ID]) {
        const result = await server.gql(SetTeamMemberDocument, { teamId: id, userId, roles: ['spy'] }, { token: alice.token });
        answers.push({ status: result.status, errors: result.errors, data: result.data });
      }
      expect(answers[0].errors).toBeUndefined();
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      // Nobody joined: the owner sees no one else, so nothing about them.
      expect(dataOf(answers[0]).setTeamMember.members.map((m) => m.user.id)).toEqual([alice.id]);
      expect(dataOf(await server.gql(TeamDocument, { id }, { token: alice.token })).team.members.map((m) => m.user.id)).toEqual([alice.id]);
      expect(dataOf(await server.gql(TeamsDocument, {}, { token: bob.token })).teams).toEqual([]);
      expectError(await server.gql(TeamDocument, { id }, { token: bob.token }), 'FORBIDDEN', 'You are not a member of this team.');
    });

    it('the invitee sees the invitation, and joins with its roles by accepting it', async () => {
      const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
      const id = await newTeam(alice, { name: 'Rowing' });
      dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: bob.id, roles: ['cox'] }, { token: alice.token }));
      dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: bob.id, roles: ['rower', 'cox'] }, { token: alice.token }));
      expect(dataOf(await server.gql(TeamInvitationsDocument, {}, { token: bob.token })).teamInvitations).toEqual([
        { teamId: id, teamName: 'Rowing', roles: ['rower', 'cox'], createdAt: expect.any(String), owner: { id: alice.id } },
      ]);
      expect(dataOf(await server.gql(TeamInvitationsDocument, {}, { token: carol.token })).teamInvitations).toEqual([]);
      expectError(await server.gql(TeamInvitationsDocument, {}, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
      // Only the invitee can accept.
      expectError(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: carol.token }), 'NOT_FOUND', 'Team invitation was not found.');
      expectError(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: null }), 'UNAUTHENTICATED', SIGN_IN);
      const joined = dataOf(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: bob.token })).acceptTeamInvitation;
      expect(joined.members.map((m) => [m.user.id, m.roles])).toEqual([
        [alice.id, []],
        [bob.id, ['rower', 'cox']],
      ]);
      expect(dataOf(await server.gql(TeamInvitationsDocument, {}, { token: bob.token })).teamInvitations).toEqual([]);
      expectError(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: bob.token }), 'NOT_FOUND', 'Team invitation was not found.');
      // A member's roles change at once.
      const changed = dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: bob.id, roles: ['captain'] }, { token: alice.token })).setTeamMember;
      expect(changed.members.map((m) => m.roles)).toEqual([[], ['captain']]);
    });

    it('the invitee may decline, and the owner may withdraw it, which answers as for a non-member', async () => {
      const [alice, bob, carol] = await Promise.all([newUser(), newUser(), newUser()]);
      const id = await newTeam(alice);
      dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: bob.id, roles: [] }, { token: alice.token }));
      expect(dataOf(await server.gql(DeclineTeamInvitationDocument, { teamId: id }, { token: bob.token })).declineTeamInvitation).toBe(true);
      expectError(await server.gql(DeclineTeamInvitationDocument, { teamId: id }, { token: bob.token }), 'NOT_FOUND', 'Team invitation was not found.');
      expectError(await server.gql(AcceptTeamInvitationDocument, { teamId: id }, { token: bob.token }), 'NOT_FOUND', 'Team invitation was not found.');
      dataOf(await server.gql(SetTeamMemberDocument, { teamId: id, userId: carol.id, roles: [] }, { token: alice.token }));
      expectError(
        await server.gql(RemoveTeamMemberDocument, { teamId: id, userId: carol.id }, { token: alice.token }),
        'NOT_FOUND',
        'Team member was not found.',
      );
      expect(dataOf(await server.gql(TeamInvitationsDocument, {}, { token: carol.token })).teamInvitations).toEqual([]);
    });
  });

  it('lets the owner or an admin delete a team', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const first = await newTeam(alice, {}, [[bob, ['player']]]);
    const second = await newTeam(alice);
    expect(dataOf(await server.gql(DeleteTeamDocument, { id: first }, { token: alice.token })).deleteTeam).toBe(true);
    expectError(await server.gql(DeleteTeamDocument, { id: first }, { token: alice.token }), 'NOT_FOUND', 'Team was not found.');
    expect(dataOf(await server.gql(MyMembershipsDocument, {}, { token: bob.token })).me!.teams).toEqual([]);
    expect(dataOf(await server.gql(DeleteTeamDocument, { id: second }, { token: admin })).deleteTeam).toBe(true);
    expect(dataOf(await server.gql(TeamsDocument, {}, { token: alice.token })).teams).toEqual([]);
  });
});

describe("me's memberships", () => {
  it('reflect organisations and teams exactly, with isOwner only for the owner', async () => {
    const [alice, bob] = await Promise.all([newUser(), newUser()]);
    const empty = dataOf(await server.gql(MyMembershipsDocument, {}, { token: alice.token })).me!;
    expect(empty).toEqual({ id: alice.id, organisations: [], teams: [] });

    const orgId = dataOf(
      await server.gql(CreateOrganisationDocument, { input: { name: 'Howe Group', logoProperties: { color: '#3d8bc0' } } }, { token: admin }),
    ).createOrganisation.id;
    dataOf(await server.gql(SetOrganisationMemberDocument, { organisationId: orgId, userId: alice.id, roles: ['manager', 'billing'] }, { token: admin }));
    dataOf(await server.gql(SetOrganisationMemberDocument, { organisationId: orgId, userId: bob.id, roles: [] }, { token: admin }));
    const owned = await newTeam(alice, { name: 'Owned', organisationId: orgId }, [[bob, ['player']]]);
    const joined = await newTeam(bob, { name: 'Joined' }, [[alice, ['coach']]]);

    const me = dataOf(await server.gql(MyMembershipsDocument, {}, { token: alice.token })).me!;
    expect(me).toEqual({
      id: alice.id,
      organisations: [{ id: orgId, name: 'Howe Group', logoUrl: null, logoProperties: { color: '#3d8bc0' }, currentUserRoles: ['manager', 'billing'] }],
      teams: [
        { id: owned, name: 'Owned', isOwner: true, currentUserRoles: [] },
        { id: joined, name: 'Joined', isOwner: false, currentUserRoles: ['coach'] },
      ],
    });
    const bobs = dataOf(await server.gql(MyMembershipsDocument, {}, { token: bob.token })).me!;
    expect(bobs.organisations).toEqual([{ id: orgId, name: 'Howe Group', logoUrl: null, logoProperties: { color: '#3d8bc0' }, currentUserRoles: [] }]);
    expect(bobs.teams).toEqual([
      { id: owned, name: 'Owned', isOwner: false, currentUserRoles: ['player'] },
      { id: joined, name: 'Joined', isOwner: true, currentUserRoles: [] },
    ]);

    dataOf(await server.gql(RemoveOrganisationMemberDocument, { organisationId: orgId, userId: alice.id }, { token: admin }));
    dataOf(await server.gql(RemoveTeamMemberDocument, { teamId: joined, userId: alice.id }, { token: bob.token }));
    const after = dataOf(await server.gql(MyMembershipsDocument, {}, { token: alice.token })).me!;
    expect(after).toEqual({ id: alice.id, organisations: [], teams: [{ id: owned, name: 'Owned', isOwner: true, currentUserRoles: [] }] });
  });
});

// Last, because on PGlite soft-deleting restarts the server.
describe('deleted users', () => {
  it('cannot be added to an organisation or team, nor given a team, but can be removed', async () => {
    const [alice, ghost] = await Promise.all([newUser(), newUser()]);
    const organisationId = await newOrganisation([[ghost, []]]);
    const teamId = await newTeam(alice, {}, [[ghost, []]]);
    await softDeleteUser(ghost.id);
    const gone = 'User has been deleted.';
    expectError(await server.gql(SetOrganisationMemberDocument, { organisationId, userId: ghost.id, roles: ['x'] }, { token: admin }), 'GONE', gone);
    expectError(await server.gql(SetTeamMemberDocument, { teamId, userId: ghost.id, roles: ['x'] }, { token: admin }), 'GONE', gone);
    expectError(await server.gql(CreateTeamDocument, { input: { name: 'Haunted', ownerId: ghost.id } }, { token: admin }), 'GONE', gone);
    expectError(await server.gql(UpdateTeamDocument, { id: teamId, input: { name: 'Haunted', ownerId: ghost.id } }, { token: admin }), 'GONE', gone);
    const organisation = dataOf(
      await server.gql(RemoveOrganisationMemberDocument, { organisationId, userId: ghost.id }, { token: admin }),
    ).removeOrganisationMember;
    expect(organisation.members).toEqual([]);
    const team = dataOf(await server.gql(RemoveTeamMemberDocument, { teamId, userId: ghost.id }, { token: admin })).removeTeamMember;
    expect(team.members.map((m) => m.user.id)).toEqual([alice.id]);
  });
});
