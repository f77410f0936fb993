// The hot reads as prepared single statements (src/db/prepared-reads.ts)
// return what the Prisma reads return. `me`, `user(id)` and the unfiltered
// users page select only profile and roles here, so they take the prepared
// statement; the same users read with a relation the statement does not
// cover (preferences), or through a filtered page, take Prisma's path. Every
// field of User, Profile and Role must come out the same both ways, for users
// with full and empty profiles, several roles, and around a deleted user.
import { startTestServer, type TestServer } from './support/server';
import { statementsDuring } from './support/metrics';
import { signInAsAdmin, signUp, dataOf } from './support/fixtures';

let server: TestServer;
let adminToken: string;
beforeAll(async () => {
  // Sessions stay cached through the test, so the statement counts below are the reads' own. The gateway runs
  // in a zone other than UTC, so a timestamp converted through local time would show.
  server = await startTestServer({ SESSION_CACHE_TTL_MS: '60000', VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0', TZ: 'America/New_York' });
  adminToken = (await signInAsAdmin(server)).accessToken;
});
afterAll(() => server.stop());

const USER_FIELDS = `id email username status statusMessage active confirmed confirmedAt forcePasswordReset scores createdAt updatedAt createdById modifiedById deletedAt
  profile { id firstName lastName birthDate sex timeZone customFields avatarUrl }
  roles { id name description unchangeable createdAt updatedAt }`;

async function gql(query: string, variables: Record<string, unknown>, token: string) {
  const response = await server.post('/graphql', JSON.stringify({ query, variables }), {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return dataOf(body);
}

/** Drops `preferences` (only the Prisma-path query asks for it). */
const withoutPreferences = (user: Record<string, unknown>) => {
  const { preferences, ...rest } = user;
  expect(Array.isArray(preferences)).toBe(true);
  return rest;
};

describe('prepared hot reads', () => {
  let ids: string[];

  beforeAll(async () => {
    const roles = await Promise.all(
      ['prepared-b', 'prepared-a'].map(
        async (name) =>
          (
            (await gql(`mutation($i: RoleInput!) { createRole(input: $i) { id } }`, { i: { name, description: `role ${name}` } }, adminToken)).createRole as {
              id: string;
            }
          ).id,
      ),
    );
    const created = [];
    for (const [i, profile] of [
      {
        firstName: 'Ada',
        lastName: 'Lovelace',
        birthDate: '1915-12-10',
        sex: 'female',
        timeZone: 'Europe/London',
        customFields: { team: 'engine', note: 'é "quoted" \\ ✓' },
      },
      {},
      { firstName: 'Only' },
    ].entries()) {
      const input = {
        email: `prepared-${i}-${process.pid}@example.test`,
        username: `prepared_${i}_${process.pid}`,
        password: 'correct-horse-1',
        profile,
        roleIds: i === 1 ? [] : roles,
        status: i ? null : 'busy',
        statusMessage: i ? null : 'in a meeting',
      };
      created.push(((await gql(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, { i: input }, adminToken)).createUser as { id: string }).id);
    }
    // A deleted user in the middle: the page leaves it out either way.
    const gone = await signUp(server);
    await gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: gone.user.id }, adminToken);
    ids = created;
  });

  it('user(id) reads the same user, profile and roles as the Prisma path', async () => {
    for (const id of ids) {
      const prepared = (await gql(`query($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id }, adminToken)).user as Record<string, unknown>;
      const viaPrisma = (await gql(`query($id: ID!) { user(id: $id) { ${USER_FIELDS} preferences { id } } }`, { id }, adminToken)).user as Record<
        string,
        unknown
      >;
      expect(prepared).toEqual(withoutPreferences(viaPrisma));
    }
    const ada = (await gql(`query($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id: ids[0] }, adminToken)).user as {
      profile: unknown;
      roles: { name: string }[];
    };
    expect(ada.profile).toMatchObject({ firstName: 'Ada', birthDate: '1915-12-10', sex: 'female', customFields: { team: 'engine' } });
    expect(ada.roles.map((r) => r.name)).toEqual(['prepared-a', 'prepared-b']);
  });

  it('me reads the same as the Prisma path, for the user themself', async () => {
    const me = await signUp(server);
    const prepared = (await gql(`{ me { ${USER_FIELDS} } }`, {}, me.accessToken)).me as Record<string, unknown>;
    const viaPrisma = (await gql(`{ me { ${USER_FIELDS} preferences { id } } }`, {}, me.accessToken)).me as Record<string, unknown>;
    expect(prepared).toEqual(withoutPreferences(viaPrisma));
    expect(prepared.id).toBe(me.user.id);
  });

  it('the unfiltered users page reads the same page and total as the Prisma path', async () => {
    const page = (p: number, filter: string) => `{ users(page: ${p}, pageSize: 3${filter}) { total page pageSize items { ${USER_FIELDS} } } }`;
    for (const p of [1, 2, 3]) {
      const prepared = (await gql(page(p, ''), {}, adminToken)).users;
      // includeDeleted: false is the default filter spelled out: usersWhere gives the same WHERE, but the prepared path takes no filter.
      const viaPrisma = (await gql(page(p, ', filter: { search: "" , ids: null, includeDeleted: false, role: null }'), {}, adminToken)).users;
      expect(prepared).toEqual(viaPrisma);
    }
    // One statement for the page and its total, against Prisma's two; one for a user with profile and roles.
    expect(await statementsDuring(server, () => gql(page(1, ''), {}, adminToken))).toBe(1);
    expect(await statementsDuring(server, () => gql(page(1, ', filter: { search: "" }'), {}, adminToken))).toBe(2);
    expect(await statementsDuring(server, () => gql(`query($id: ID!) { user(id: $id) { ${USER_FIELDS} } }`, { id: ids[0] }, adminToken))).toBe(1);
  });
});

describe('prepared refresh rotation', () => {
  it('moves the session to the next token and stamps the time in UTC, as the Prisma path did', async () => {
    const user = await signUp(server);
    const before = Date.now();
    const refreshed = await gql(
      `mutation R($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`,
      { t: user.refreshToken },
      user.accessToken,
    );
    const next = refreshed.refreshSession as { accessToken: string; refreshToken: string };
    expect(next.refreshToken).not.toBe(user.refreshToken);
    const data = await gql(`{ sessions { amr lastUsedAt createdAt } }`, {}, next.accessToken);
    const [session] = data.sessions as { amr: string[]; lastUsedAt: string; createdAt: string }[];
    expect(session.amr).toEqual(['pwd']);
    // Written as local time instead of UTC, the stamp would be five hours off (the gateway runs in New York time).
    expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(before - 2000);
    expect(Date.parse(session.lastUsedAt)).toBeLessThanOrEqual(Date.now() + 2000);
    // The old token now answers within the reuse grace with the same successor, and the new one rotates again.
    const again = await gql(`mutation R($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }`, { t: user.refreshToken }, user.accessToken);
    expect((again.refreshSession as { refreshToken: string }).refreshToken).toBe(next.refreshToken);
  });
});
