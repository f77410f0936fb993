// Registration, login, tokens, refresh rotation, logout, confirmation and
// password reset, over HTTP against the real server.
import jwt from 'jsonwebtoken';
import {
  ChangePasswordDocument,
  ConfirmUserDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  RefreshSessionDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  ResendConfirmationDocument,
  ResetPasswordDocument,
  RevokeSessionDocument,
  SessionsDocument,
} from './__generated__/graphql';
import { startTestServer, tokenFromMail, type TestServer } from './support/server';
import { PASSWORD, expectCode, onlyError, signIn, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';

let server: TestServer;
beforeAll(async () => {
  // A long session cache, so every revocation below must clear it rather than wait it out.
  server = await startTestServer({ REFRESH_REUSE_GRACE: '1', SESSION_CACHE_TTL_MS: '60000' });
});
afterAll(() => server.stop());

describe('register', () => {
  it('creates an unconfirmed user with an empty profile, and mails a confirmation token', async () => {
    const email = uniqueEmail('New.Person');
    const result = await server.gql(RegisterDocument, { input: { email, password: PASSWORD, passwordConfirmation: PASSWORD, username: 'new.person' } });
    expect(result.errors).toBeUndefined();
    const user = dataOf(result).register;
    expect(user).toMatchObject({ email: email.toLowerCase(), username: 'new.person', confirmed: false, active: true, scores: 0, roles: [] });
    expect(user.profile).toEqual({ firstName: null, lastName: null, birthDate: null, sex: null, timeZone: null, avatarUrl: null, customFields: {} });
    const mails = await server.mails(email.toLowerCase());
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('Subject: Confirm your email address');
    expect(tokenFromMail(mails[0])).toMatch(/^[\w-]{43}$/);
  });

  it('treats emails case-insensitively when checking for duplicates', async () => {
    const email = uniqueEmail();
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    const again = await server.gql(RegisterDocument, { input: { email: email.toUpperCase(), password: PASSWORD } });
    expectCode(again, 'CONFLICT');
    expect(onlyError(again).extensions?.fields).toEqual([{ field: 'input.email', message: 'An account with that email already exists.' }]);
  });

  it('refuses a taken username with CONFLICT', async () => {
    await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, username: 'taken-name' } });
    const again = await server.gql(RegisterDocument, { input: { email: uniqueEmail(), password: PASSWORD, username: 'taken-name' } });
    expectCode(again, 'CONFLICT');
    expect(onlyError(again).message).toBe('That username is already taken.');
  });

  it.each([
    ['a malformed email', { email: 'not-an-email', password: PASSWORD }, 'input.email', 'Email is not a valid address.'],
    ['a short password', { email: 'short@example.com', password: 'short' }, 'input.password', 'Password must be at least 8 characters long.'],
    [
      'a password over 72 bytes',
      { email: 'long@example.com', password: 'é'.repeat(37) },
      'input.password',
      'Password must be at most 72 bytes long (bcrypt ignores anything beyond).',
    ],
    [
      'a mismatched confirmation',
      { email: 'mismatch@example.com', password: PASSWORD, passwordConfirmation: 'other-password' },
      'input.passwordConfirmation',
      'Password confirmation does not match the password.',
    ],
    [
      'a username with spaces',
      { email: 'spaces@example.com', password: PASSWORD, username: 'no spaces' },
      'input.username',
      'Username may contain only letters, digits, dots, dashes and underscores, and must start with a letter or digit.',
    ],
  ])('rejects %s with BAD_USER_INPUT naming the field', async (_case, input, field, message) => {
    const result = await server.gql(RegisterDocument, { input });
    expectCode(result, 'BAD_USER_INPUT');
    expect(onlyError(result).extensions?.fields).toEqual([{ field, message }]);
    expect(result.data).toBeNull();
  });

  it('reports every invalid field at once', async () => {
    const result = await server.gql(RegisterDocument, { input: { email: 'x', password: 'y' } });
    expect(onlyError(result).extensions?.fields?.map((f) => f.field)).toEqual(['input.email', 'input.password']);
  });

  it('rejects unknown input fields (no mass assignment of roles or flags)', async () => {
    const result = await server.post(
      '/graphql',
      JSON.stringify({
        query: 'mutation { register(input: { email: "mass@example.com", password: "correct-horse-1", confirmedAt: "2020-01-01T00:00:00Z" }) { id } }',
      }),
    );
    expect(result.status).toBe(400);
    const body = await result.json();
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('login', () => {
  it('accepts the email in any case or the username, and issues pinned ES256 tokens naming their key (issue 12: ES256 by default)', async () => {
    const email = uniqueEmail();
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD, username: 'loginname' } });
    const byEmail = await signIn(server, email.toUpperCase(), PASSWORD);
    const byUsername = await signIn(server, 'loginname', PASSWORD);
    expect(byUsername.user.id).toBe(byEmail.user.id);
    const header = JSON.parse(Buffer.from(byEmail.accessToken.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    const claims = jwt.decode(byEmail.accessToken) as Record<string, unknown>;
    expect(claims).toMatchObject({
      sub: byEmail.user.id,
      user_id: Number(byEmail.user.id),
      uid: byEmail.session.id,
      iss: 'usergraph',
      aud: 'usergraph',
      typ: 'access',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect(new Date(byEmail.expiresAt).getTime()).toBe((claims.exp as number) * 1000);
  });

  it('answers a wrong password and an unknown account identically', async () => {
    const email = uniqueEmail();
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    const wrongPassword = await server.gql(LoginDocument, { identifier: email, password: 'wrong-password' });
    const unknown = await server.gql(LoginDocument, { identifier: uniqueEmail('nobody'), password: 'wrong-password' });
    expect(onlyError(wrongPassword)).toEqual(onlyError(unknown));
    expect(wrongPassword.status).toBe(unknown.status);
    expect(onlyError(unknown)).toMatchObject({ message: 'Invalid email, username or password.', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('rejects empty credentials with field errors', async () => {
    const result = await server.gql(LoginDocument, { identifier: '', password: '' });
    expectCode(result, 'BAD_USER_INPUT');
    expect(onlyError(result).extensions?.fields?.map((f) => f.field)).toEqual(['identifier', 'password']);
  });
});

describe('access tokens', () => {
  it('me is null without a token, and null with a forged or tampered one', async () => {
    const { accessToken, user } = await signUp(server);
    expect(dataOf(await server.gql(MeDocument)).me).toBeNull();
    const forged = jwt.sign({ user_id: Number(user.id), uid: 'x', typ: 'access' }, 'another-secret-that-is-32-bytes-long!!', {
      issuer: 'usergraph',
      audience: 'usergraph',
      subject: user.id,
    });
    expect(dataOf(await server.gql(MeDocument, {}, { token: forged })).me).toBeNull();
    const [h, , s] = accessToken.split('.');
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ ...(jwt.decode(accessToken) as object), user_id: 1, sub: '1' })).toString('base64url');
    expect(dataOf(await server.gql(MeDocument, {}, { token: `${noneHeader}.${payload}.` })).me).toBeNull();
    expect(dataOf(await server.gql(MeDocument, {}, { token: `${h}.${payload}.${s}` })).me).toBeNull();
    expect(dataOf(await server.gql(MeDocument, {}, { token: accessToken })).me!.id).toBe(user.id);
  });

  it('does not accept a refresh token as an access token', async () => {
    const { refreshToken } = await signUp(server);
    expect(dataOf(await server.gql(MeDocument, {}, { token: refreshToken })).me).toBeNull();
  });
});

describe('refresh', () => {
  it('rotates the refresh token, keeps the session, and issues a working access token', async () => {
    const first = await signUp(server);
    const second = await server.gql(RefreshSessionDocument, { refreshToken: first.refreshToken });
    expect(second.errors).toBeUndefined();
    const next = dataOf(second).refreshSession;
    expect(next.session.id).toBe(first.session.id);
    expect(next.session.createdAt).toBe(first.session.createdAt);
    // The user is returned to themself: private fields included.
    expect(next.user).toMatchObject({ id: first.user.id, email: first.user.email, roles: first.user.roles, profile: first.user.profile });
    expect(next.user.email).not.toBeNull();
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(dataOf(await server.gql(MeDocument, {}, { token: next.accessToken })).me!.id).toBe(first.user.id);
  });

  it('accepts the previous token within the grace period, and revokes the session when it is reused later', async () => {
    const first = await signUp(server);
    const rotated = dataOf(await server.gql(RefreshSessionDocument, { refreshToken: first.refreshToken })).refreshSession;
    const concurrent = await server.gql(RefreshSessionDocument, { refreshToken: first.refreshToken });
    expect(concurrent.errors).toBeUndefined();
    // In use (and so in the session cache) until the reuse below.
    expect(dataOf(await server.gql(MeDocument, {}, { token: rotated.accessToken })).me!.id).toBe(first.user.id);
    await new Promise((r) => setTimeout(r, 1500));
    const reuse = await server.gql(RefreshSessionDocument, { refreshToken: first.refreshToken });
    expectCode(reuse, 'UNAUTHENTICATED');
    // The whole session is gone: its newest tokens stop working too.
    expectCode(await server.gql(RefreshSessionDocument, { refreshToken: dataOf(concurrent).refreshSession.refreshToken }), 'UNAUTHENTICATED');
    expect(dataOf(await server.gql(MeDocument, {}, { token: rotated.accessToken })).me).toBeNull();
  });

  it('rejects an unknown refresh token', async () => {
    const result = await server.gql(RefreshSessionDocument, { refreshToken: 'not-a-token' });
    expect(onlyError(result)).toMatchObject({ message: 'The refresh token is invalid or expired; sign in again.', extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('logout and sessions', () => {
  it('logout revokes the session: its access and refresh tokens stop working at once', async () => {
    const session = await signUp(server);
    expect(dataOf(await server.gql(LogoutDocument, {}, { token: session.accessToken })).logout).toBe(true);
    expect(dataOf(await server.gql(MeDocument, {}, { token: session.accessToken })).me).toBeNull();
    expectCode(await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken }), 'UNAUTHENTICATED');
  });

  it('logout needs a session', async () => {
    expectCode(await server.gql(LogoutDocument), 'UNAUTHENTICATED');
  });

  it('lists your sessions and revokes one; another user cannot see or revoke them', async () => {
    const email = uniqueEmail();
    const a1 = await signUp(server, { email });
    const a2 = await signIn(server, email, PASSWORD);
    const other = await signUp(server);
    const listed = await server.gql(SessionsDocument, {}, { token: a1.accessToken });
    expect(
      dataOf(listed)
        .sessions.map((s) => s.id)
        .sort(),
    ).toEqual([a1.session.id, a2.session.id].sort());
    expectCode(await server.gql(SessionsDocument, { userId: a1.user.id }, { token: other.accessToken }), 'FORBIDDEN');
    expectCode(await server.gql(RevokeSessionDocument, { id: a2.session.id }, { token: other.accessToken }), 'NOT_FOUND');
    expectCode(await server.gql(SessionsDocument, {}), 'UNAUTHENTICATED');
    expect(dataOf(await server.gql(RevokeSessionDocument, { id: a2.session.id }, { token: a1.accessToken })).revokeSession).toBe(true);
    expect(dataOf(await server.gql(MeDocument, {}, { token: a2.accessToken })).me).toBeNull();
    expect(dataOf(await server.gql(MeDocument, {}, { token: a1.accessToken })).me!.id).toBe(a1.user.id);
  });

  it('an admin can list and revoke any user’s sessions', async () => {
    const admin = await signInAsAdmin(server);
    const user = await signUp(server);
    const listed = await server.gql(SessionsDocument, { userId: user.user.id }, { token: admin.accessToken });
    expect(dataOf(listed).sessions.map((s) => s.id)).toEqual([user.session.id]);
    expect(dataOf(await server.gql(RevokeSessionDocument, { id: user.session.id }, { token: admin.accessToken })).revokeSession).toBe(true);
    expect(dataOf(await server.gql(MeDocument, {}, { token: user.accessToken })).me).toBeNull();
  });
});

describe('confirmation', () => {
  it('confirms with the mailed token, signs in, and refuses the token a second time', async () => {
    const email = uniqueEmail();
    const registered = dataOf(await server.gql(RegisterDocument, { input: { email, password: PASSWORD } })).register;
    const token = tokenFromMail((await server.mails(email))[0]);
    const wrong = await server.gql(ConfirmUserDocument, { id: registered.id, token: 'wrong' });
    expectCode(wrong, 'BAD_USER_INPUT');
    const confirmed = await server.gql(ConfirmUserDocument, { id: registered.id, token });
    expect(confirmed.errors).toBeUndefined();
    expect(dataOf(confirmed).confirmUser.user.confirmed).toBe(true);
    expect(dataOf(await server.gql(MeDocument, {}, { token: dataOf(confirmed).confirmUser.accessToken })).me!.confirmed).toBe(true);
    expectCode(await server.gql(ConfirmUserDocument, { id: registered.id, token }), 'BAD_USER_INPUT');
  });

  it('resends a confirmation token only to an unconfirmed, signed-in user', async () => {
    const session = await signUp(server);
    expect(dataOf(await server.gql(ResendConfirmationDocument, {}, { token: session.accessToken })).resendConfirmation).toBe(true);
    expect(await server.mails(session.user.email!)).toHaveLength(2);
    expectCode(await server.gql(ResendConfirmationDocument), 'UNAUTHENTICATED');
  });

  it('rejects a malformed id', async () => {
    expectCode(await server.gql(ConfirmUserDocument, { id: 'abc', token: 'x' }), 'BAD_USER_INPUT');
  });
});

describe('password reset', () => {
  it('mails a token that sets a new password once and signs out every session', async () => {
    const email = uniqueEmail();
    const session = await signUp(server, { email });
    expect(dataOf(await server.gql(RequestPasswordResetDocument, { email })).requestPasswordReset).toBe(true);
    const mail = await server.waitForMail(email, 'Subject: Reset your password');
    const token = tokenFromMail(mail);
    const short = await server.gql(ResetPasswordDocument, { token, password: 'short' });
    expectCode(short, 'BAD_USER_INPUT');
    expect(dataOf(await server.gql(ResetPasswordDocument, { token, password: 'brand-new-password' })).resetPassword).toBe(true);
    expect(dataOf(await server.gql(MeDocument, {}, { token: session.accessToken })).me).toBeNull();
    expectCode(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }), 'UNAUTHENTICATED');
    await signIn(server, email, 'brand-new-password');
    expectCode(await server.gql(ResetPasswordDocument, { token, password: 'another-new-password' }), 'BAD_USER_INPUT');
  });

  it('answers the same for an unknown account and sends nothing', async () => {
    const before = (await server.mails()).length;
    const result = await server.gql(RequestPasswordResetDocument, { email: uniqueEmail('ghost') });
    expect(result).toMatchObject({ status: 200, data: { requestPasswordReset: true } });
    expect(result.errors).toBeUndefined();
    expect((await server.mails()).length).toBe(before);
  });
});

describe('changePassword', () => {
  it('needs the current password and signs out the other sessions only', async () => {
    const email = uniqueEmail();
    const here = await signUp(server, { email });
    const elsewhere = await signIn(server, email, PASSWORD);
    const wrong = await server.gql(ChangePasswordDocument, { currentPassword: 'nope-nope', newPassword: 'next-password-1' }, { token: here.accessToken });
    expect(onlyError(wrong).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'currentPassword', message: 'Wrong password.' }] });
    const ok = await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: 'next-password-1' }, { token: here.accessToken });
    expect(dataOf(ok).changePassword).toBe(true);
    expect(dataOf(await server.gql(MeDocument, {}, { token: here.accessToken })).me).not.toBeNull();
    expect(dataOf(await server.gql(MeDocument, {}, { token: elsewhere.accessToken })).me).toBeNull();
    await signIn(server, email, 'next-password-1');
  });

  it('needs a session', async () => {
    expectCode(await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: 'next-password-1' }), 'UNAUTHENTICATED');
  });
});

describe('logs and responses', () => {
  it('never carry a password, hash or token', async () => {
    const email = uniqueEmail();
    const secretPassword = 'very-secret-password-42';
    const session = await signUp(server, { email, password: secretPassword });
    const logs = server.logs();
    expect(logs).not.toContain(secretPassword);
    expect(logs).not.toContain(session.refreshToken);
    expect(logs).not.toContain(session.accessToken);
    expect(logs).not.toMatch(/\$2[aby]\$/);
  });
});
