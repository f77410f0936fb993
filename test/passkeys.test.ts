// Passkeys end to end with a real browser's WebAuthn: Debian's Chromium,
// driven by playwright-core, with a CDP virtual authenticator (CTAP2, internal
// transport, resident keys, user verification). The page runs
// navigator.credentials.create()/get() on an origin of its own, a loopback
// page at http://localhost:<port> listed in WEBAUTHN_ORIGINS, and the test
// sends the browser's answers to the gateway's GraphQL over HTTP, as an SPA
// would. The browser tests are skipped, saying why, where there is no
// /usr/bin/chromium or playwright-core; the checks that need no browser run
// anyway.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  AuditEventsDocument,
  ConfirmTotpDocument,
  EnrollTotpDocument,
  FinishPasskeyRegistrationDocument,
  FinishPasskeySignInDocument,
  LoginDocument,
  RequestSignInCodeDocument,
  SignInWithCodeDocument,
  StartPasskeyRegistrationDocument,
  StartPasskeySignInDocument,
  VerifyMfaDocument,
} from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { parseMail } from './support/mail';
import { expectCode, onlyError, PASSWORD, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';
import { CHROMIUM, CHROMIUM_ARGS, browserTests, type BrowserContext } from './support/browser';
import { totpFor } from './support/totp';

// Minimal shapes of what the test uses, so it type-checks without playwright-core installed.
interface Page {
  goto(url: string): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}
interface CDPSession {
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
}
interface ChromiumContext extends BrowserContext<Page> {
  newCDPSession(page: Page): Promise<CDPSession>;
}
type Json = Record<string, unknown>;
interface VirtualCredential extends Json {
  credentialId: string;
  signCount: number;
}

const { playwright, skipReason, describeInBrowser } = browserTests<Page>('passkeys');

let pageServer: http.Server;
let origin: string;
let server: TestServer;

beforeAll(async () => {
  // The relying party's page: any page of an allowed origin will do, the ceremony is run by the test's script.
  pageServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>passkeys</title>'));
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  origin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;
  // PASSKEY_SIGN_INS_PER_IP: more than the tests below start, few enough for the last test to pass it.
  server = await startTestServer({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_RP_NAME: 'usergraph tests', WEBAUTHN_ORIGINS: origin, PASSKEY_SIGN_INS_PER_IP: '20' });
});
afterAll(async () => {
  await server?.stop();
  pageServer?.closeAllConnections();
  await new Promise((resolve) => pageServer?.close(resolve));
});

/** The DevTools protocol gives credential ids in base64, WebAuthn's JSON in base64url. */
function base64url(base64: string): string {
  return Buffer.from(base64, 'base64').toString('base64url');
}

function claims(accessToken: string): Json {
  return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));
}

async function auditTypes(since: Date): Promise<Array<{ type: string; subjectUserId?: string | null; details: Json }>> {
  const admin = await signInAsAdmin(server);
  const events = await server.gql(
    AuditEventsDocument,
    { pageSize: 100, filter: { type: 'passkey.', since: since.toISOString() } },
    { token: admin.accessToken },
  );
  expect(events.errors).toBeUndefined();
  return dataOf(events).auditEvents.items.map((e) => ({ type: e.type, subjectUserId: e.subjectUserId, details: e.details }));
}

describe('passkey requests that need no browser', () => {
  it('asks for a discoverable passkey with user verification when there is no ticket', async () => {
    const result = await server.gql(StartPasskeySignInDocument, {});
    expect(result.errors).toBeUndefined();
    const options = dataOf(result).startPasskeySignIn as Json;
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(typeof options.challenge).toBe('string');
  });

  it('refuses registration to anonymous callers, and a ticket that was never issued', async () => {
    expectCode(await server.gql(StartPasskeyRegistrationDocument, {}), 'UNAUTHENTICATED');
    expectCode(await server.gql(StartPasskeySignInDocument, { mfaTicket: 'not-a-ticket' }), 'MFA_TICKET_INVALID');
  });

  it('answers BAD_USER_INPUT naming the field for a response that is not a credential', async () => {
    for (const response of [{}, { id: 'abc', type: 'public-key', response: { clientDataJSON: 'not json' } }]) {
      const error = onlyError(await server.gql(FinishPasskeySignInDocument, { response }));
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.fields).toEqual([expect.objectContaining({ field: 'response' })]);
    }
  });

  it('offers registration options for the relying party of the configuration', async () => {
    const user = await signUp(server);
    const result = await server.gql(StartPasskeyRegistrationDocument, {}, { token: user.accessToken });
    expect(result.errors).toBeUndefined();
    const options = dataOf(result).startPasskeyRegistration as Json;
    expect(options.rp).toEqual({ id: 'localhost', name: 'usergraph tests' });
    expect((options.user as Json).name).toBe(user.user.email);
    expect(options.attestation).toBe('none');
  });
});

describeInBrowser(`passkeys in headless Chromium with a virtual authenticator${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let context: ChromiumContext;
  let userDataDir: string;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usergraph-chromium-'));
    context = (await playwright!.chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    })) as ChromiumContext;
    page = await context.newPage();
    await page.goto(`${origin}/`);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    authenticatorId = added.authenticatorId as string;
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  /** navigator.credentials.create() in the page, with the options JSON as a WebAuthn Level 3 browser reads it; the credential's toJSON(). */
  function create(options: unknown): Promise<Json> {
    return page.evaluate(async (json) => {
      const PKC = PublicKeyCredential as unknown as { parseCreationOptionsFromJSON(o: unknown): PublicKeyCredentialCreationOptions };
      const credential = (await navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(json) })) as unknown as { toJSON(): Json };
      return credential.toJSON();
    }, options);
  }

  function get(options: unknown): Promise<Json> {
    return page.evaluate(async (json) => {
      const PKC = PublicKeyCredential as unknown as { parseRequestOptionsFromJSON(o: unknown): PublicKeyCredentialRequestOptions };
      const credential = (await navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(json) })) as unknown as { toJSON(): Json };
      return credential.toJSON();
    }, options);
  }

  async function signInOptions(mfaTicket?: string): Promise<Json> {
    const started = await server.gql(StartPasskeySignInDocument, { mfaTicket });
    expect(started.errors).toBeUndefined();
    return dataOf(started).startPasskeySignIn;
  }

  async function virtualCredentials(): Promise<VirtualCredential[]> {
    return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as VirtualCredential[];
  }

  const since = new Date();
  const email = uniqueEmail('passkey');
  let userId: string;
  let credentialId: string;
  let usedResponse: Json;
  let recoveryCodes: string[];

  it('registers a passkey for a signed-in user, who is told by mail', async () => {
    const user = await signUp(server, { email });
    userId = user.user.id;
    const started = await server.gql(StartPasskeyRegistrationDocument, {}, { token: user.accessToken });
    expect(started.errors).toBeUndefined();
    const response = await create(dataOf(started).startPasskeyRegistration);
    const finished = await server.gql(FinishPasskeyRegistrationDocument, { response, label: 'Test laptop' }, { token: user.accessToken });
    expect(finished.errors).toBeUndefined();
    expect(dataOf(finished).finishPasskeyRegistration).toMatchObject({
      label: 'Test laptop',
      discoverable: true,
      backedUp: false,
      deviceType: 'singleDevice',
      lastUsedAt: null,
    });
    expect(dataOf(finished).finishPasskeyRegistration.transports).toContain('internal');
    // The user's first second factor: recovery codes come with it, shown this once.
    recoveryCodes = dataOf(finished).finishPasskeyRegistration.recoveryCodes!;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-km-np-z2-9]{5}-[a-km-np-z2-9]{5}$/);
    credentialId = response.id as string;
    expect((await virtualCredentials()).map((c) => base64url(c.credentialId))).toContain(credentialId);
    const mail = parseMail(await server.waitForMail(email, 'Test laptop'));
    expect(mail.subject).toBe('A second factor was added to your account');
    expect(mail.text).toContain('passkey "Test laptop"');
  });

  it('signs in with the passkey as the only factor (amr webauthn, aal2), and refuses the same answer replayed', async () => {
    const response = await get(await signInOptions());
    const signedIn = await server.gql(FinishPasskeySignInDocument, { response });
    expect(signedIn.errors).toBeUndefined();
    expect(dataOf(signedIn).finishPasskeySignIn.user).toEqual({ id: userId, email });
    expect(claims(dataOf(signedIn).finishPasskeySignIn.accessToken)).toMatchObject({ amr: ['webauthn'], aal: 'aal2' });
    usedResponse = response;

    const replayed = onlyError(await server.gql(FinishPasskeySignInDocument, { response }));
    expect(replayed.extensions?.code).toBe('UNAUTHENTICATED');
    expect(replayed.message).toMatch(/expired or was already used/);
  });

  it('asks a password login for the second factor, and finishes it with the passkey (amr pwd + webauthn)', async () => {
    const login = onlyError(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }));
    expect(login.extensions?.code).toBe('MFA_REQUIRED');
    expect(login.extensions?.factors).toContain('WEBAUTHN');
    const options = await signInOptions(login.extensions!.mfaTicket as string);
    expect((options.allowCredentials as Json[]).map((c) => c.id)).toEqual([credentialId]);
    const signedIn = await server.gql(FinishPasskeySignInDocument, { response: await get(options) });
    expect(signedIn.errors).toBeUndefined();
    expect(claims(dataOf(signedIn).finishPasskeySignIn.accessToken)).toMatchObject({ amr: ['pwd', 'webauthn'], aal: 'aal2' });
    // The ticket was spent by startPasskeySignIn.
    expectCode(await server.gql(StartPasskeySignInDocument, { mfaTicket: login.extensions!.mfaTicket as string }), 'MFA_TICKET_INVALID');
  });

  it("lets a passkey-first user finish a sign-in with a recovery code from the passkey's registration", async () => {
    const login = onlyError(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }));
    expect(login.extensions?.code).toBe('MFA_REQUIRED');
    expect(login.extensions?.factors).toEqual(['WEBAUTHN', 'RECOVERY_CODE']);
    const verified = await server.gql(VerifyMfaDocument, { ticket: login.extensions!.mfaTicket as string, code: recoveryCodes[0] });
    expect(verified.errors).toBeUndefined();
    expect(claims(dataOf(verified).verifyMfa.accessToken)).toMatchObject({ amr: ['pwd', 'recovery'] });
  });

  it('issues no recovery codes with a passkey that is not the first factor (the set from the authenticator app stays)', async () => {
    const user = await signUp(server);
    const enrolled = await server.gql(EnrollTotpDocument, { label: 'Phone' }, { token: user.accessToken });
    const { secret, factor } = dataOf(enrolled).enrollTotp;
    const confirmed = await server.gql(ConfirmTotpDocument, { factorId: factor.id, code: totpFor(secret) }, { token: user.accessToken });
    expect(confirmed.errors).toBeUndefined();
    const totpCodes = dataOf(confirmed).confirmTotp;

    const started = await server.gql(StartPasskeyRegistrationDocument, {}, { token: user.accessToken });
    const response = await create(dataOf(started).startPasskeyRegistration);
    const finished = await server.gql(FinishPasskeyRegistrationDocument, { response }, { token: user.accessToken });
    expect(finished.errors).toBeUndefined();
    expect(dataOf(finished).finishPasskeyRegistration.recoveryCodes).toBeNull();
    // The codes from the authenticator app's confirmation still work.
    const login = onlyError(await server.gql(LoginDocument, { identifier: user.user.email!, password: PASSWORD }));
    const verified = await server.gql(VerifyMfaDocument, { ticket: login.extensions!.mfaTicket as string, code: totpCodes[0] });
    expect(verified.errors).toBeUndefined();
    // The authenticator keeps that credential; drop it, so that it offers only the first user's from here on.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: Buffer.from(response.id as string, 'base64url').toString('base64') });
  });

  it('asks a mailed-code sign-in for the second factor too (amr email + webauthn)', async () => {
    const before = (await server.mails(email)).length;
    expect((await server.gql(RequestSignInCodeDocument, { email })).data?.requestSignInCode).toBe(true);
    let mail: string | undefined;
    for (const deadline = Date.now() + 5000; !mail && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      mail = (await server.mails(email))[before];
    }
    const code = /(\d{6})/.exec(parseMail(mail!).subject)![1];
    const first = onlyError(await server.gql(SignInWithCodeDocument, { email, code }));
    expect(first.extensions?.code).toBe('MFA_REQUIRED');

    const options = await signInOptions(first.extensions!.mfaTicket as string);
    // An answer to a challenge this sign-in was not given finds no ceremony, and leaves this one open.
    const forged = await get({ ...options, challenge: Buffer.from('not the challenge of this sign-in').toString('base64url') });
    expectCode(await server.gql(FinishPasskeySignInDocument, { response: forged }), 'UNAUTHENTICATED');
    const signedIn = await server.gql(FinishPasskeySignInDocument, { response: await get(options) });
    expect(signedIn.errors).toBeUndefined();
    expect(claims(dataOf(signedIn).finishPasskeySignIn.accessToken)).toMatchObject({ amr: ['email', 'webauthn'], aal: 'aal2' });
    // The code was spent by the first factor.
    const withCode = onlyError(await server.gql(SignInWithCodeDocument, { email, code }));
    expect(withCode.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an answer for a challenge the gateway did not issue, or issued for another ceremony or user', async () => {
    const options = await signInOptions();
    const forged = await get({ ...options, challenge: Buffer.from('a challenge nobody issued, 32 b').toString('base64url') });
    const refused = onlyError(await server.gql(FinishPasskeySignInDocument, { response: forged }));
    expect(refused.extensions?.code).toBe('UNAUTHENTICATED');

    // A registration answer is no sign-in, and another user cannot finish it either.
    const owner = await signUp(server);
    const started = await server.gql(StartPasskeyRegistrationDocument, {}, { token: owner.accessToken });
    const registration = await create(dataOf(started).startPasskeyRegistration);
    expectCode(await server.gql(FinishPasskeySignInDocument, { response: registration }), 'UNAUTHENTICATED');
    const other = await signUp(server);
    const stolen = onlyError(await server.gql(FinishPasskeyRegistrationDocument, { response: registration }, { token: other.accessToken }));
    expect(stolen.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stolen.extensions?.fields).toEqual([expect.objectContaining({ field: 'response' })]);
    // The authenticator keeps that credential; drop it, so that it offers only the registered one from here on.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: Buffer.from(registration.id as string, 'base64url').toString('base64') });
  });

  it('refuses a passkey alone when the authenticator did not verify its user, and takes it as a second factor', async () => {
    // The authenticator now only tests presence (no PIN or biometrics): the UV flag stays off.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    try {
      const options = await signInOptions();
      expect(options.userVerification).toBe('required');
      const response = await get({ ...options, userVerification: 'discouraged' });
      const flags = Buffer.from((response.response as Json).authenticatorData as string, 'base64url')[32];
      expect(flags & 0x04).toBe(0);
      const refused = onlyError(await server.gql(FinishPasskeySignInDocument, { response }));
      expect(refused.extensions?.code).toBe('UNAUTHENTICATED');

      // As the second factor after a password, presence is enough.
      const login = onlyError(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }));
      const second = await signInOptions(login.extensions!.mfaTicket as string);
      const signedIn = await server.gql(FinishPasskeySignInDocument, { response: await get({ ...second, userVerification: 'discouraged' }) });
      expect(signedIn.errors).toBeUndefined();
      expect(claims(dataOf(signedIn).finishPasskeySignIn.accessToken)).toMatchObject({ amr: ['pwd', 'webauthn'], aal: 'aal2' });
    } finally {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    }
    const events = await auditTypes(since);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'passkey.sign_in_failed', subjectUserId: userId, details: expect.objectContaining({ reason: 'invalid_response' }) }),
    );
  });

  it('refuses a passkey whose signature counter went back (a cloned authenticator), and audits it', async () => {
    const original = (await virtualCredentials()).find((c) => base64url(c.credentialId) === credentialId)!;
    expect(original.signCount).toBeGreaterThan(1);
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: 0 } });
    const refused = onlyError(await server.gql(FinishPasskeySignInDocument, { response: await get(await signInOptions()) }));
    expect(refused.extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.message).toMatch(/cloned authenticator/);

    const events = await auditTypes(since);
    expect(events).toContainEqual(expect.objectContaining({ type: 'passkey.clone_detected', subjectUserId: userId }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'passkey.registered', subjectUserId: userId }));
    expect(events.filter((e) => e.type === 'passkey.sign_in_failed').map((e) => e.details.reason)).toEqual(
      expect.arrayContaining(['unknown_challenge', 'counter_regressed']),
    );
    expect(usedResponse).toBeDefined();
  });
});

describe('passkey sign-ins without a ticket are limited per address', () => {
  it('answers RATE_LIMITED with retryAfter once PASSKEY_SIGN_INS_PER_IP sign-ins started', async () => {
    let error: ReturnType<typeof onlyError> | undefined;
    for (let i = 0; i < 25 && !error; i++) {
      const started = await server.gql(StartPasskeySignInDocument, {});
      if (started.errors) error = onlyError(started);
    }
    expect(error?.extensions?.code).toBe('RATE_LIMITED');
    expect(error?.extensions?.retryAfter).toEqual(expect.any(Number));
  });
});
