// Issue 13: multi-factor authentication, over HTTP against the real server.
// TOTP codes come from test/support/totp.ts (checked here against RFC 6238's
// own test vectors), not from the server's library. Access tokens say how
// their session signed in (`amr`, `aal`), checked by jose against the
// server's JWKS. A second server with REAUTH_MAX_AGE_MINUTES=1 and
// MFA_REQUIRED_FOR_ADMINS=true checks stale sessions and the admin rule: its
// sessions are opened first and looked at last, once a minute has passed.
import {
  AuditEventsDocument,
  ChangePasswordDocument,
  ConfirmTotpDocument,
  CreateApiKeyDocument,
  CreateApplicationDocument,
  EnrollTotpDocument,
  LoginDocument,
  LoginWithOtpDocument,
  MeDocument,
  MyMfaFactorsDocument,
  MySessionsDocument,
  ReauthenticateDocument,
  RefreshSessionDocument,
  RegenerateRecoveryCodesDocument,
  RemoveMfaFactorDocument,
  ResetUserMfaDocument,
  VerifyMfaDocument,
} from './__generated__/graphql';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type GraphQLResponse, type TestServer } from './support/server';
import { expectCode, onlyError, PASSWORD, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';
import { verifyWithJose } from './support/jose';
import { FORM, railsForm, rest } from './support/rest';
import { hotp, totp, totpFor } from './support/totp';

let server: TestServer;
/** REAUTH_MAX_AGE_MINUTES=1, MFA_REQUIRED_FOR_ADMINS=true. */
let strict: TestServer;
let strictUser: { email: string; accessToken: string };
let strictAdminToken: string;
/** When strictUser's session had been opened. */
let strictSignedInAt: number;

beforeAll(async () => {
  [server, strict] = await Promise.all([startTestServer(), startTestServer({ REAUTH_MAX_AGE_MINUTES: '1', MFA_REQUIRED_FOR_ADMINS: 'true' })]);
  const email = uniqueEmail('stale');
  strictUser = { email, accessToken: (await signUp(strict, { email })).accessToken };
  strictSignedInAt = Date.now();
  strictAdminToken = (await signInAsAdmin(strict)).accessToken;
});

afterAll(async () => {
  await Promise.all([server?.stop(), strict?.stop()]);
});

function mfaExtensions<T>(response: GraphQLResponse<T>, code: string) {
  expect(response.data ?? null).toBeNull();
  const error = onlyError(response);
  expect(error.extensions?.code).toBe(code);
  return error.extensions as { mfaTicket?: string; factors?: string[]; mfaTicketExpiresAt?: string };
}

/** A user with a confirmed authenticator app: their secret, recovery codes and the step of the code used to confirm. */
async function userWithTotp(target = server) {
  const email = uniqueEmail('mfa');
  const session = await signUp(target, { email });
  const enrolled = await target.gql(EnrollTotpDocument, { label: 'Phone' }, { token: session.accessToken });
  expect(enrolled.errors).toBeUndefined();
  const { secret, factor } = dataOf(enrolled).enrollTotp;
  const confirmed = await target.gql(ConfirmTotpDocument, { factorId: factor.id, code: totpFor(secret) }, { token: session.accessToken });
  expect(confirmed.errors).toBeUndefined();
  return { email, session, secret, factorId: factor.id, recoveryCodes: dataOf(confirmed).confirmTotp };
}

async function mfaTicket(email: string, target = server): Promise<string> {
  const login = await target.gql(LoginDocument, { identifier: email, password: PASSWORD });
  return mfaExtensions(login, 'MFA_REQUIRED').mfaTicket!;
}

describe('the tests’ RFC 6238 implementation', () => {
  it('gives the SHA-1 test vectors of RFC 6238 appendix B', () => {
    const key = Buffer.from('12345678901234567890', 'ascii');
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [time, code] of vectors) expect(totp(key, time, 8)).toBe(code);
    // RFC 4226 appendix D, the HOTP values underneath.
    expect([0, 1, 2, 9].map((c) => hotp(key, c))).toEqual(['755224', '287082', '359152', '520489']);
  });
});

describe('authentication methods in access tokens', () => {
  it('signs a password login as amr ["pwd"], aal1, and a refresh keeps them', async () => {
    const email = uniqueEmail('amr');
    const registered = await signUp(server, { email });
    const login = await server.gql(LoginDocument, { identifier: email, password: PASSWORD });
    expect(login.errors).toBeUndefined();
    const session = dataOf(login).login;
    const me = await server.gql(MeDocument, {}, { token: session.accessToken });
    expect(me.data?.me?.id).toBe(registered.user.id);

    const refreshed = await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const [first, second] = await verifyWithJose(server, [session.accessToken, dataOf(refreshed).refreshSession.accessToken]);
    expect(first).toMatchObject({ ok: true, payload: { sub: registered.user.id, uid: session.session.id, amr: ['pwd'], aal: 'aal1' } });
    expect(second).toMatchObject({ ok: true, payload: { uid: session.session.id, amr: ['pwd'], aal: 'aal1' } });
  });
});

describe('enrolling an authenticator app', () => {
  it('returns a secret, its otpauth URL and QR code, and confirms with a code, once', async () => {
    const email = uniqueEmail('enrol');
    const session = await signUp(server, { email });
    const enrolled = await server.gql(EnrollTotpDocument, { label: 'Work phone' }, { token: session.accessToken });
    expect(enrolled.errors).toBeUndefined();
    const { secret, otpauthUrl, qrCodeSvg, factor } = dataOf(enrolled).enrollTotp;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ secret, issuer: 'usergraph', algorithm: 'SHA1', digits: '6', period: '30' });
    expect(decodeURIComponent(url.pathname)).toContain(email);
    expect(qrCodeSvg).toMatch(/<svg[^>]*>[\s\S]*<\/svg>\s*$/);
    expect(factor).toMatchObject({ kind: 'TOTP', label: 'Work phone', confirmedAt: null });

    // Listed, unconfirmed; a login does not ask for it yet.
    const listed = await server.gql(MyMfaFactorsDocument, {}, { token: session.accessToken });
    expect(dataOf(listed).me!.mfaFactors).toEqual([expect.objectContaining({ id: factor.id, kind: 'TOTP', confirmedAt: null, lastUsedAt: null })]);
    expect((await server.gql(LoginDocument, { identifier: email, password: PASSWORD })).errors).toBeUndefined();

    const wrong = await server.gql(ConfirmTotpDocument, { factorId: factor.id, code: totpFor(secret, -5) }, { token: session.accessToken });
    expectCode(wrong, 'MFA_CODE_INVALID');
    const malformed = await server.gql(ConfirmTotpDocument, { factorId: factor.id, code: 'abcdef' }, { token: session.accessToken });
    expectCode(malformed, 'MFA_CODE_INVALID');

    const confirmed = await server.gql(ConfirmTotpDocument, { factorId: factor.id, code: totpFor(secret) }, { token: session.accessToken });
    expect(confirmed.errors).toBeUndefined();
    const codes = dataOf(confirmed).confirmTotp;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);

    const again = await server.gql(ConfirmTotpDocument, { factorId: factor.id, code: totpFor(secret, 1) }, { token: session.accessToken });
    expectCode(again, 'CONFLICT');
    const other = await signUp(server);
    const notTheirs = await server.gql(ConfirmTotpDocument, { factorId: factor.id, code: totpFor(secret, 1) }, { token: other.accessToken });
    expectCode(notTheirs, 'NOT_FOUND');

    const mail = await server.waitForMail(email, 'A second factor was added');
    expect(mail).toContain('Work phone');
    expect(mail).not.toContain(secret);
    const after = await server.gql(MyMfaFactorsDocument, {}, { token: session.accessToken });
    expect(dataOf(after).me!.mfaFactors![0].confirmedAt).toEqual(expect.any(String));
    // Other users see no factors.
    const peek = await server.gql(MyMfaFactorsDocument, {}, { token: other.accessToken });
    expect(dataOf(peek).me!.mfaFactors).toEqual([]);
    // The secret never leaves again, nor reaches the logs.
    expect(server.logs()).not.toContain(secret);
    expect(server.logs()).not.toContain(codes[0]);
  });

  it('needs a session', async () => {
    expectCode(await server.gql(EnrollTotpDocument, {}), 'UNAUTHENTICATED');
    expectCode(await server.gql(RegenerateRecoveryCodesDocument, {}), 'UNAUTHENTICATED');
  });
});

describe('signing in with a second factor', () => {
  it('answers MFA_REQUIRED with a ticket, and verifyMfa with a code finishes it at aal2', async () => {
    const { email, secret, session: first } = await userWithTotp();
    const login = await server.gql(LoginDocument, { identifier: email, password: PASSWORD });
    const extensions = mfaExtensions(login, 'MFA_REQUIRED');
    expect(extensions.factors).toEqual(['TOTP', 'RECOVERY_CODE']);
    expect(extensions.mfaTicket).toMatch(/^[\w-]{43}$/);
    expect(new Date(extensions.mfaTicketExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    expect(JSON.stringify(login)).not.toMatch(/accessToken|refreshToken/);

    // The code that confirmed the factor was used once already.
    const reused = await server.gql(VerifyMfaDocument, { ticket: extensions.mfaTicket!, code: totpFor(secret) }, {});
    const retry = mfaExtensions(reused, 'MFA_CODE_INVALID');
    expect(retry.mfaTicket).toMatch(/^[\w-]{43}$/);
    // The spent ticket is gone; its successor works.
    expectCode(await server.gql(VerifyMfaDocument, { ticket: extensions.mfaTicket!, code: totpFor(secret, 1) }), 'MFA_TICKET_INVALID');
    const verified = await server.gql(VerifyMfaDocument, { ticket: retry.mfaTicket!, code: totpFor(secret, 1) });
    expect(verified.errors).toBeUndefined();
    const payload = dataOf(verified).verifyMfa;
    expect(payload.user.id).toBe(first.user.id);
    const [claims] = await verifyWithJose(server, [payload.accessToken]);
    expect(claims).toMatchObject({ ok: true, payload: { sub: first.user.id, amr: ['pwd', 'otp'], aal: 'aal2' } });
    const sessions = await server.gql(MySessionsDocument, {}, { token: payload.accessToken });
    expect(dataOf(sessions).sessions.find((s) => s.id === payload.session.id)).toMatchObject({ amr: ['pwd', 'otp'], authenticatedAt: expect.any(String) });
    // A refresh keeps aal2.
    const refreshed = await server.gql(RefreshSessionDocument, { refreshToken: payload.refreshToken });
    const [refreshedClaims] = await verifyWithJose(server, [dataOf(refreshed).refreshSession.accessToken]);
    expect(refreshedClaims).toMatchObject({ ok: true, payload: { amr: ['pwd', 'otp'], aal: 'aal2' } });

    // The used ticket cannot be replayed.
    expectCode(await server.gql(VerifyMfaDocument, { ticket: retry.mfaTicket!, code: totpFor(secret, 1) }), 'MFA_TICKET_INVALID');
    expectCode(await server.gql(VerifyMfaDocument, { ticket: 'not-a-ticket', code: '123456' }), 'MFA_TICKET_INVALID');
    const factors = await server.gql(MyMfaFactorsDocument, {}, { token: payload.accessToken });
    expect(dataOf(factors).me!.mfaFactors![0].lastUsedAt).toEqual(expect.any(String));
  });

  it('refuses an expired code, and a code of another user with this ticket', async () => {
    const alice = await userWithTotp();
    const bob = await userWithTotp();
    const ticket = await mfaTicket(alice.email);
    const expired = mfaExtensions(await server.gql(VerifyMfaDocument, { ticket, code: totpFor(alice.secret, -3) }), 'MFA_CODE_INVALID');
    // Bob's valid code does not finish Alice's sign-in, nor sign Bob in.
    const crossed = await server.gql(VerifyMfaDocument, { ticket: expired.mfaTicket!, code: totpFor(bob.secret, 1) });
    const next = mfaExtensions(crossed, 'MFA_CODE_INVALID');
    const done = await server.gql(VerifyMfaDocument, { ticket: next.mfaTicket!, code: totpFor(alice.secret, 1) });
    expect(dataOf(done).verifyMfa.user.id).toBe(alice.session.user.id);
    // Bob's code was not spent by the attempt on Alice's ticket.
    const bobs = await server.gql(VerifyMfaDocument, { ticket: await mfaTicket(bob.email), code: totpFor(bob.secret, 1) });
    expect(dataOf(bobs).verifyMfa.user.id).toBe(bob.session.user.id);
  });

  it('accepts each recovery code once', async () => {
    const { email, recoveryCodes, session } = await userWithTotp();
    const first = await server.gql(VerifyMfaDocument, { ticket: await mfaTicket(email), code: recoveryCodes[3].toUpperCase() });
    expect(first.errors).toBeUndefined();
    const [claims] = await verifyWithJose(server, [dataOf(first).verifyMfa.accessToken]);
    expect(claims).toMatchObject({ ok: true, payload: { amr: ['pwd', 'recovery'], aal: 'aal2' } });
    const twice = await server.gql(VerifyMfaDocument, { ticket: await mfaTicket(email), code: recoveryCodes[3] });
    mfaExtensions(twice, 'MFA_CODE_INVALID');
    const audit = await server.gql(
      AuditEventsDocument,
      { filter: { userId: session.user.id, type: 'mfa.' } },
      { token: (await signInAsAdmin(server)).accessToken },
    );
    const types = dataOf(audit).auditEvents.items.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['mfa.factor_added', 'mfa.required', 'mfa.verified', 'mfa.recovery_code_used', 'mfa.failed']));
  });

  it('stops a sign-in after five wrong codes, and counts them against the account', async () => {
    const { email } = await userWithTotp();
    let ticket = await mfaTicket(email);
    for (let attempt = 1; attempt <= 4; attempt++) {
      ticket = mfaExtensions(await server.gql(VerifyMfaDocument, { ticket, code: '000000' }), 'MFA_CODE_INVALID').mfaTicket!;
    }
    // The fifth wrong code: the account's failed sign-ins (LOGIN_FAILURES_PER_ACCOUNT=5) lock it too.
    expectCode(await server.gql(VerifyMfaDocument, { ticket, code: '000000' }), 'MFA_TICKET_INVALID');
    expectCode(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }), 'RATE_LIMITED');
  });

  it('takes the code along with the password (login otp)', async () => {
    const { email, secret, session } = await userWithTotp();
    const wrong = await server.gql(LoginWithOtpDocument, { identifier: email, password: PASSWORD, otp: '123456' });
    expect(mfaExtensions(wrong, 'MFA_CODE_INVALID').mfaTicket).toBeUndefined();
    const right = await server.gql(LoginWithOtpDocument, { identifier: email, password: PASSWORD, otp: totpFor(secret, 1) });
    expect(dataOf(right).login.user.id).toBe(session.user.id);
    expectCode(await server.gql(LoginWithOtpDocument, { identifier: email, password: 'wrong-password', otp: totpFor(secret, 1) }), 'UNAUTHENTICATED');
  });
});

describe('managing factors', () => {
  it('reauthenticates with the password or a code, keeping the session', async () => {
    const { session, secret } = await userWithTotp();
    const token = session.accessToken;
    expectCode(await server.gql(ReauthenticateDocument, { password: 'wrong-password' }, { token }), 'BAD_USER_INPUT');
    expectCode(await server.gql(ReauthenticateDocument, {}, { token }), 'BAD_USER_INPUT');
    expectCode(await server.gql(ReauthenticateDocument, { code: '000000' }, { token }), 'MFA_CODE_INVALID');
    const before = dataOf(await server.gql(MySessionsDocument, {}, { token })).sessions.find((s) => s.id === session.session.id)!;
    const byPassword = await server.gql(ReauthenticateDocument, { password: PASSWORD }, { token });
    expect(byPassword.errors).toBeUndefined();
    const byCode = await server.gql(ReauthenticateDocument, { code: totpFor(secret, 1) }, { token });
    expect(byCode.errors).toBeUndefined();
    const after = dataOf(await server.gql(MySessionsDocument, {}, { token })).sessions.find((s) => s.id === session.session.id)!;
    expect(new Date(after.authenticatedAt).getTime()).toBeGreaterThanOrEqual(new Date(before.authenticatedAt).getTime());
    expect(after.authenticatedAt).toBe(dataOf(byCode).reauthenticate);
    expectCode(await server.gql(ReauthenticateDocument, { password: PASSWORD }), 'UNAUTHENTICATED');
  });

  it('regenerates recovery codes, and the old ones stop working', async () => {
    const { email, session, recoveryCodes } = await userWithTotp();
    const regenerated = await server.gql(RegenerateRecoveryCodesDocument, {}, { token: session.accessToken });
    const codes = dataOf(regenerated).regenerateRecoveryCodes;
    expect(codes).toHaveLength(10);
    expect(codes).not.toContain(recoveryCodes[0]);
    mfaExtensions(await server.gql(VerifyMfaDocument, { ticket: await mfaTicket(email), code: recoveryCodes[0] }), 'MFA_CODE_INVALID');
    expect((await server.gql(VerifyMfaDocument, { ticket: await mfaTicket(email), code: codes[0] })).errors).toBeUndefined();
    // Without a factor there are no recovery codes to make.
    const plain = await signUp(server);
    expectCode(await server.gql(RegenerateRecoveryCodesDocument, {}, { token: plain.accessToken }), 'BAD_USER_INPUT');
  });

  it('removes the last factor only with the password or a recovery code, and mails the user', async () => {
    const { email, session, factorId, recoveryCodes } = await userWithTotp();
    const token = session.accessToken;
    expectCode(await server.gql(RemoveMfaFactorDocument, { id: factorId }, { token }), 'BAD_USER_INPUT');
    expectCode(await server.gql(RemoveMfaFactorDocument, { id: factorId, recoveryCode: 'aaaaa-aaaaa' }, { token }), 'BAD_USER_INPUT');
    const other = await signUp(server);
    expectCode(await server.gql(RemoveMfaFactorDocument, { id: factorId, password: PASSWORD }, { token: other.accessToken }), 'NOT_FOUND');
    const removed = await server.gql(RemoveMfaFactorDocument, { id: factorId, recoveryCode: recoveryCodes[0] }, { token });
    expect(dataOf(removed).removeMfaFactor).toBe(true);
    expect(dataOf(await server.gql(MyMfaFactorsDocument, {}, { token })).me!.mfaFactors).toEqual([]);
    await server.waitForMail(email, 'A second factor was removed');
    // Signing in takes the password alone again.
    expect((await server.gql(LoginDocument, { identifier: email, password: PASSWORD })).errors).toBeUndefined();
  });

  it('lets an admin reset a user’s factors, audited and mailed', async () => {
    const { email, session } = await userWithTotp();
    expectCode(await server.gql(ResetUserMfaDocument, { userId: session.user.id }, { token: session.accessToken }), 'FORBIDDEN');
    const admin = (await signInAsAdmin(server)).accessToken;
    const reset = await server.gql(ResetUserMfaDocument, { userId: session.user.id }, { token: admin });
    expect(dataOf(reset).resetUserMfa).toBe(true);
    expect((await server.gql(LoginDocument, { identifier: email, password: PASSWORD })).errors).toBeUndefined();
    await server.waitForMail(email, 'An administrator removed every second factor');
    const audit = await server.gql(AuditEventsDocument, { filter: { userId: session.user.id, type: 'admin.mfa_reset' } }, { token: admin });
    expect(dataOf(audit).auditEvents.items).toHaveLength(1);
  });
});

describe('REST dialect 001', () => {
  it('refuses a password sign-in of an MFA account without session[otp], and takes the code in it', async () => {
    const admin = (await signInAsAdmin(server)).accessToken;
    const app = dataOf(await server.gql(CreateApplicationDocument, { name: 'Beach app' }, { token: admin })).createApplication;
    const headers = { ...FORM, AUTHORIZATION: `application_id ${app.uid}, client_secret ${app.secret}` };
    const { email, secret, session } = await userWithTotp();
    const without = await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email, password: PASSWORD } }), headers });
    expect(without.status).toBe(400);
    expect(without.json).toEqual({ error: { message: expect.stringContaining('session[otp]') } });
    expect(JSON.stringify(without.json)).not.toContain('access_token');
    const wrong = await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email, password: PASSWORD, otp: '000000' } }), headers });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toMatch(/code is not valid/);
    const right = await rest(server, 'POST', '/v1/auth', { body: railsForm({ session: { email, password: PASSWORD, otp: totpFor(secret, 1) } }), headers });
    expect(right.status).toBe(200);
    expect(right.json.user.id).toBe(Number(session.user.id));
    const [claims] = await verifyWithJose(server, [right.json.access_token]);
    expect(claims).toMatchObject({ ok: true, payload: { amr: ['pwd', 'otp'], aal: 'aal2' } });
  });
});

describe('REST dialect 000', () => {
  it('answers its 401 with a message that a second factor is required, and no token', async () => {
    const { email } = await userWithTotp();
    const body = `email=${encodeURIComponent(email)}&password=${PASSWORD}`;
    const response = await rest(server, 'POST', '/api/v1/users/session', { body, headers: { ...FORM, Accept: 'application/vnd.api+json' } });
    expect(response.status).toBe(401);
    expect(response.json.errors).toEqual([expect.objectContaining({ status: '401', detail: expect.stringContaining('second factor') })]);
    expect(JSON.stringify(response.json)).not.toContain('access');
  });
});

describe('recent sign-in and admins (REAUTH_MAX_AGE_MINUTES=1, MFA_REQUIRED_FOR_ADMINS=true)', () => {
  it('answers MFA_ENROLLMENT_REQUIRED to an admin without a second factor until they sign in with one', async () => {
    expectCode(await strict.gql(CreateApplicationDocument, { name: 'x' }, { token: strictAdminToken }), 'MFA_ENROLLMENT_REQUIRED');
    const fresh = dataOf(await strict.gql(LoginDocument, { identifier: ADMIN_EMAIL, password: ADMIN_PASSWORD })).login.accessToken;
    const enrolled = dataOf(await strict.gql(EnrollTotpDocument, {}, { token: fresh })).enrollTotp;
    expect((await strict.gql(ConfirmTotpDocument, { factorId: enrolled.factor.id, code: totpFor(enrolled.secret) }, { token: fresh })).errors).toBeUndefined();
    // Still the password-only session.
    expectCode(await strict.gql(CreateApplicationDocument, { name: 'x' }, { token: fresh }), 'MFA_ENROLLMENT_REQUIRED');
    const withCode = await strict.gql(LoginWithOtpDocument, { identifier: ADMIN_EMAIL, password: ADMIN_PASSWORD, otp: totpFor(enrolled.secret, 1) });
    const created = await strict.gql(CreateApplicationDocument, { name: 'Allowed' }, { token: dataOf(withCode).login.accessToken });
    expect(created.errors).toBeUndefined();
  });

  it('answers REAUTH_REQUIRED to sensitive operations on a session older than the limit, until reauthenticate', async () => {
    // Sessions of the strict server were opened when the file started; wait out the rest of the minute.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, strictSignedInAt + 61_000 - Date.now())));
    const token = strictUser.accessToken;
    const change = await strict.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: 'another-password-2' }, { token });
    expectCode(change, 'REAUTH_REQUIRED');
    expect(onlyError(change).message).toMatch(/reauthenticate/);
    expectCode(await strict.gql(CreateApiKeyDocument, { input: { name: 'CI', scopes: ['read'] } }, { token }), 'REAUTH_REQUIRED');
    expectCode(await strict.gql(EnrollTotpDocument, {}, { token }), 'REAUTH_REQUIRED');
    // Reading is not sensitive.
    expect(dataOf(await strict.gql(MeDocument, {}, { token })).me!.email).toBe(strictUser.email);
    expect((await strict.gql(ReauthenticateDocument, { password: PASSWORD }, { token })).errors).toBeUndefined();
    expect((await strict.gql(CreateApiKeyDocument, { input: { name: 'CI', scopes: ['read'] } }, { token })).errors).toBeUndefined();
    expect((await strict.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: 'another-password-2' }, { token })).errors).toBeUndefined();
  }, 90_000);
});
