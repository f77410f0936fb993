// Field-level access: a user's private fields are for that user and admins.
// A teammate reaches other users through team members, and must see only
// their public face (id, username, names, avatar).
import { AcceptTeamInvitationDocument, CreateTeamDocument, SetTeamMemberDocument, TeamMembersPrivacyDocument, UpdateMeDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { signInAsAdmin, signUp, dataOf } from './support/fixtures';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

it('shows a teammate only the public fields of another member, and everything to the owner and admins', async () => {
  const owner = await signUp(server, { username: 'team-owner' });
  const mate = await signUp(server, { username: 'team-mate' });
  await server.gql(
    UpdateMeDocument,
    {
      input: {
        profile: { firstName: 'Olive', birthDate: '1980-01-02', timeZone: 'Europe/Paris', customFields: { shoe: '42' } },
        preferences: [{ preferences: { theme: 'dark' } }],
      },
    },
    { token: owner.accessToken },
  );
  const team = dataOf(await server.gql(CreateTeamDocument, { input: { name: 'Rowing' } }, { token: owner.accessToken })).createTeam;
  expect(
    (await server.gql(SetTeamMemberDocument, { teamId: team.id, userId: mate.user.id, roles: ['rower'] }, { token: owner.accessToken })).errors,
  ).toBeUndefined();
  // The owner's setTeamMember is an invitation: the mate joins by accepting it.
  expect((await server.gql(AcceptTeamInvitationDocument, { teamId: team.id }, { token: mate.accessToken })).errors).toBeUndefined();

  const seenByMate = await server.gql(TeamMembersPrivacyDocument, { id: team.id }, { token: mate.accessToken });
  expect(seenByMate.errors).toBeUndefined();
  const ownerSeenByMate = dataOf(seenByMate).team.owner;
  expect(ownerSeenByMate).toMatchObject({
    id: owner.user.id,
    username: 'team-owner',
    email: null,
    confirmed: null,
    confirmedAt: null,
    status: null,
    statusMessage: null,
    forcePasswordReset: null,
    deletedAt: null,
    preferences: [],
    profile: { firstName: 'Olive', birthDate: null, sex: null, timeZone: null, customFields: {} },
  });
  expect(ownerSeenByMate.teams.map((t) => t.id)).toEqual([team.id]);
  // The mate sees their own private fields in the same answer.
  const mateEntry = dataOf(seenByMate).team.members.find((m) => m.user.id === mate.user.id)!;
  expect(mateEntry.user.email).toBe(mate.user.email);

  const seenByOwner = await server.gql(TeamMembersPrivacyDocument, { id: team.id }, { token: owner.accessToken });
  expect(dataOf(seenByOwner).team.owner).toMatchObject({
    email: owner.user.email,
    confirmed: false,
    profile: { birthDate: '1980-01-02', customFields: { shoe: '42' } },
  });
  expect(dataOf(seenByOwner).team.owner.preferences.map((p) => p.preferences)).toEqual([{ theme: 'dark' }]);
  const mateSeenByOwner = dataOf(seenByOwner).team.members.find((m) => m.user.id === mate.user.id)!;
  expect(mateSeenByOwner.user.email).toBeNull();

  const admin = await signInAsAdmin(server);
  const seenByAdmin = await server.gql(TeamMembersPrivacyDocument, { id: team.id }, { token: admin.accessToken });
  expect(dataOf(seenByAdmin).team.owner).toMatchObject({ email: owner.user.email, profile: { timeZone: 'Europe/Paris' } });
});
