// userByUsername (admin or self) and validatePasswordResetToken (public,
// throttled, does not use the token up): the lookups REST dialect 004 needs.
import {
  DeleteUserDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  UserByUsernameDocument,
  ValidatePasswordResetTokenDocument,
} from './__generated__/graphql';
import { startTestServer, tokenFromMail, type TestServer } from './support/server';
import { expectCode, onlyError, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';

let server: TestServer;
let adminToken: string;
beforeAll(async () => {
  server = await startTestServer({ TOKEN_GUESSES_PER_IP: '3' });
  adminToken = (await signInAsAdmin(server)).accessToken;
});
afterAll(() => server.stop());

const name = () => `lookup.${Math.random().toString(36).slice(2, 10)}`;

describe('userByUsername', () => {
  it('answers the user to themself and to an admin, and refuses anyone else', async () => {
    const username = name();
    const alice = await signUp(server, { username });
    const other = await signUp(server, { username: name() });
    const expected = { id: alice.user.id, username, email: alice.user.email, active: true };

    expect(dataOf(await server.gql(UserByUsernameDocument, { username }, { token: alice.accessToken })).userByUsername).toEqual(expected);
    expect(dataOf(await server.gql(UserByUsernameDocument, { username }, { token: adminToken })).userByUsername).toEqual(expected);
    const forbidden = await server.gql(UserByUsernameDocument, { username }, { token: other.accessToken });
    expect(onlyError(forbidden)).toMatchObject({ message: 'You may only do this for your own account.', extensions: { code: 'FORBIDDEN' } });
    expectCode(await server.gql(UserByUsernameDocument, { username }), 'UNAUTHENTICATED');
  });

  it('does not tell a non-admin whether another name exists', async () => {
    const bob = await signUp(server, { username: name() });
    expectCode(await server.gql(UserByUsernameDocument, { username: 'nobody-here' }, { token: bob.accessToken }), 'FORBIDDEN');
  });

  it('answers NOT_FOUND for an unknown name, GONE for a deleted user, BAD_USER_INPUT for a blank or over-long one (admin)', async () => {
    expectCode(await server.gql(UserByUsernameDocument, { username: 'nobody-here' }, { token: adminToken }), 'NOT_FOUND');
    const username = name();
    const doomed = await signUp(server, { username });
    await server.gql(DeleteUserDocument, { id: doomed.user.id }, { token: adminToken });
    expectCode(await server.gql(UserByUsernameDocument, { username }, { token: adminToken }), 'GONE');
    const blank = await server.gql(UserByUsernameDocument, { username: ' ' }, { token: adminToken });
    expect(onlyError(blank).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'username', message: 'Not a valid username.' }] });
    expectCode(await server.gql(UserByUsernameDocument, { username: 'x'.repeat(65) }, { token: adminToken }), 'BAD_USER_INPUT');
  });
});

describe('validatePasswordResetToken', () => {
  it('is true for a mailed token without using it up, false for a bad one, and throttled per IP', async () => {
    const email = uniqueEmail('lookup');
    await signUp(server, { email });
    await server.gql(RequestPasswordResetDocument, { email });
    const token = tokenFromMail(await server.waitForMail(email, 'Subject: Reset your password'));

    expect(dataOf(await server.gql(ValidatePasswordResetTokenDocument, { token })).validatePasswordResetToken).toBe(true);
    expect(dataOf(await server.gql(ValidatePasswordResetTokenDocument, { token })).validatePasswordResetToken).toBe(true);
    expect((await server.gql(ResetPasswordDocument, { token, password: 'another-password-2' })).errors).toBeUndefined();
    expect(dataOf(await server.gql(ValidatePasswordResetTokenDocument, { token })).validatePasswordResetToken).toBe(false);

    // Three failed checks (the one above and two more) use up the limit of 3.
    expect(dataOf(await server.gql(ValidatePasswordResetTokenDocument, { token: 'guess-1' })).validatePasswordResetToken).toBe(false);
    expect(dataOf(await server.gql(ValidatePasswordResetTokenDocument, { token: 'guess-2' })).validatePasswordResetToken).toBe(false);
    expectCode(await server.gql(ValidatePasswordResetTokenDocument, { token: 'guess-3' }), 'RATE_LIMITED');
  });
});
