// Signing in with a code or a link mailed to the account's address, over
// HTTP against the real gateway; the mail is read from the files the gateway
// writes without SMTP. A second gateway with a 1-second code lifetime covers
// expiry.
import { AuditEventsDocument, RequestSignInCodeDocument, SignInWithCodeDocument, SignInWithEmailLinkDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { linkFromMail, parseMail } from './support/mail';
import { expectCode, onlyError, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';

const APP_URL = 'https://app.example.test';
let server: TestServer;
let strict: TestServer;

beforeAll(async () => {
  [server, strict] = await Promise.all([startTestServer({ APP_URL, SIGN_IN_CODE_MAX_ATTEMPTS: '3' }), startTestServer({ SIGN_IN_CODE_TTL: '1' })]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), strict?.stop()]);
});

/** Asks for a code and reads it, and the link's token, from the newest mail to `email`. */
async function mailedCode(
  gateway: TestServer,
  email: string,
  headers?: Record<string, string>,
): Promise<{ code: string; token: string | null; subject: string }> {
  const before = (await gateway.mails(email)).length;
  const answer = await gateway.gql(RequestSignInCodeDocument, { email }, { headers });
  expect(answer.errors).toBeUndefined();
  expect(dataOf(answer).requestSignInCode).toBe(true);
  for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
    const mails = await gateway.mails(email);
    if (mails.length > before) {
      const raw = mails[mails.length - 1];
      const { text, subject } = parseMail(raw);
      const code = /(\d{6})/.exec(subject)![1];
      expect(text).toContain(code);
      const token = text.includes('/sign-in?') ? new URL(linkFromMail(raw, '/sign-in')).searchParams.get('token') : null;
      return { code, token, subject };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no sign-in code mailed to ${email} within 5 s`);
}

function claims(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));
}

describe('sign-in by mailed code', () => {
  it('answers true for an unknown address and mails nobody', async () => {
    const unknown = uniqueEmail('nobody');
    const answer = await server.gql(RequestSignInCodeDocument, { email: unknown });
    expect(answer.errors).toBeUndefined();
    expect(dataOf(answer).requestSignInCode).toBe(true);
    // A known address asked after it gets its mail; the unknown one's background work ran before.
    const known = (await signUp(server)).user.email!;
    await mailedCode(server, known);
    expect(await server.mails(unknown)).toEqual([]);
  });

  it('refuses a wrong code, signs in with the right one (amr email) once, and confirms the address', async () => {
    const user = await signUp(server);
    const email = user.user.email!;
    expect(user.user.confirmed).toBe(false);
    const { code } = await mailedCode(server, email);
    const wrong = code === '000000' ? '000001' : '000000';
    const refused = onlyError(await server.gql(SignInWithCodeDocument, { email, code: wrong }));
    expect(refused.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.message).toMatch(/code is wrong or has expired/);

    const signedIn = await server.gql(SignInWithCodeDocument, { email: email.toUpperCase(), code });
    expect(signedIn.errors).toBeUndefined();
    expect(dataOf(signedIn).signInWithCode.user).toEqual({ id: user.user.id, email, confirmed: true });
    expect(claims(dataOf(signedIn).signInWithCode.accessToken)).toMatchObject({ amr: ['email'], aal: 'aal1' });

    expectCode(await server.gql(SignInWithCodeDocument, { email, code }), 'UNAUTHENTICATED');
  });

  it('refuses malformed input with BAD_USER_INPUT naming the fields', async () => {
    const error = onlyError(await server.gql(SignInWithCodeDocument, { email: '', code: '12ab' }));
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect((error.extensions?.fields as Array<{ field: string }>).map((f) => f.field)).toEqual(['email', 'code']);
    expectCode(await server.gql(RequestSignInCodeDocument, { email: '  ' }), 'BAD_USER_INPUT');
  });

  it("signs in with the link token once; the same mail's code dies with it, and a newer mail replaces the older", async () => {
    const email = (await signUp(server)).user.email!;
    const first = await mailedCode(server, email);
    const second = await mailedCode(server, email);
    expect(second.token).not.toBe(first.token);
    expectCode(await server.gql(SignInWithEmailLinkDocument, { token: first.token! }), 'UNAUTHENTICATED');

    const signedIn = await server.gql(SignInWithEmailLinkDocument, { token: second.token! });
    expect(signedIn.errors).toBeUndefined();
    expect(dataOf(signedIn).signInWithEmailLink.user.email).toBe(email);
    expect(claims(dataOf(signedIn).signInWithEmailLink.accessToken)).toMatchObject({ amr: ['email'] });
    const reused = onlyError(await server.gql(SignInWithEmailLinkDocument, { token: second.token! }));
    expect(reused.extensions?.code).toBe('UNAUTHENTICATED');
    expect(reused.message).toMatch(/sign-in link is not valid/);
    expectCode(await server.gql(SignInWithCodeDocument, { email, code: second.code }), 'UNAUTHENTICATED');
  });

  it('mails in the language the request asks for, with the link under APP_URL', async () => {
    const email = (await signUp(server)).user.email!;
    const { subject, token } = await mailedCode(server, email, { 'accept-language': 'de-DE, en;q=0.5' });
    expect(subject).toMatch(/^Ihr Anmeldecode: \d{6}$/);
    const raw = (await server.mails(email)).pop()!;
    expect(linkFromMail(raw, '/sign-in')).toBe(`${APP_URL}/sign-in?token=${token}`);
  });

  it('voids a code after SIGN_IN_CODE_MAX_ATTEMPTS wrong ones, and locks the account after LOGIN_FAILURES_PER_ACCOUNT', async () => {
    const email = (await signUp(server)).user.email!;
    const { code } = await mailedCode(server, email);
    const wrong = code === '999999' ? '999998' : '999999';
    for (let i = 0; i < 3; i++) expectCode(await server.gql(SignInWithCodeDocument, { email, code: wrong }), 'UNAUTHENTICATED');
    // Three wrong codes (SIGN_IN_CODE_MAX_ATTEMPTS=3) void it: the right one no longer works (the 4th failure).
    expectCode(await server.gql(SignInWithCodeDocument, { email, code }), 'UNAUTHENTICATED');
    // The 5th failed sign-in of the account locks it (LOGIN_FAILURES_PER_ACCOUNT, default 5), whatever the code.
    expectCode(await server.gql(SignInWithCodeDocument, { email, code: wrong }), 'UNAUTHENTICATED');
    const locked = onlyError(await server.gql(SignInWithCodeDocument, { email, code }));
    expect(locked.extensions?.code).toBe('RATE_LIMITED');
    expect(locked.extensions?.retryAfter).toEqual(expect.any(Number));
  });

  it('audits requests, failures and sign-ins', async () => {
    const admin = await signInAsAdmin(server);
    const events = await server.gql(AuditEventsDocument, { pageSize: 100, filter: { type: 'sign_in_code.' } }, { token: admin.accessToken });
    const types = new Set(dataOf(events).auditEvents.items.map((e) => e.type));
    expect([...types].sort()).toEqual(['sign_in_code.failed', 'sign_in_code.requested', 'sign_in_code.used']);
  });
});

describe('sign-in codes expire', () => {
  it('refuses an expired code', async () => {
    const email = (await signUp(strict)).user.email!;
    const { code, token } = await mailedCode(strict, email);
    expect(token).toBeNull(); // no APP_URL: no front end to open a link, so the mail has none
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expectCode(await strict.gql(SignInWithCodeDocument, { email, code }), 'UNAUTHENTICATED');
  });
});
