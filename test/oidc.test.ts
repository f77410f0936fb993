// Sign-in with OpenID Connect providers and linked identities, against a real
// OpenID Provider (panva's oidc-provider) on loopback, driven over HTTP
// through its login and consent pages, on the real gateway and database.
import crypto from 'node:crypto';
import {
  AuditEventsDocument,
  ChangePasswordDocument,
  ConfirmTotpDocument,
  EnrollTotpDocument,
  LoginDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  CompleteProviderLinkDocument,
  CompleteProviderSignInDocument,
  IdentityProvidersDocument,
  LinkProviderDocument,
  MyIdentitiesDocument,
  PublicUserIdentitiesDocument,
  SessionProvidersDocument,
  SignInWithIdTokenDocument,
  StartProviderSignInDocument,
  UnlinkIdentityDocument,
  UserIdentitiesDocument,
  UsersDocument,
  VerifyMfaDocument,
} from './__generated__/graphql';
import { runUntilExit, startTestServer, tokenFromMail, type TestServer } from './support/server';
import { PASSWORD, expectCode, onlyError, signIn, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';
import { verifyWithJose } from './support/jose';
import { authorizeAtProvider, followCallback, freePort, startTestProvider, type TestProvider } from './support/oidc';
import { totpFor } from './support/totp';

const SPA = 'https://app.example.com/auth/done';
const NATIVE = 'http://127.0.0.1/native-callback';
const CLIENT_SECRET = `client-secret-${crypto.randomBytes(8).toString('hex')}`;

let server: TestServer;
let op: TestProvider;
let flaky: TestProvider;
let adminToken: string;
/** A second gateway, with sign-up through providers off (OIDC_ALLOW_SIGNUP=false), started by its own tests. */
let closedGatewayPort: number;

beforeAll(async () => {
  const port = await freePort();
  closedGatewayPort = await freePort();
  const gateway = `http://127.0.0.1:${port}`;
  const client = (id: string) => ({
    client_id: 'usergraph',
    client_secret: CLIENT_SECRET,
    redirect_uris: [`${gateway}/auth/oidc/${id}/callback`, `http://127.0.0.1:${closedGatewayPort}/auth/oidc/${id}/callback`, NATIVE],
  });
  op = await startTestProvider([client('test'), { client_id: 'other-app', client_secret: 'other-secret', redirect_uris: [NATIVE] }]);
  flaky = await startTestProvider([client('flaky')]);
  const closedPort = await freePort();
  server = await startTestServer({
    PORT: String(port),
    PUBLIC_URL: gateway,
    OIDC_PROVIDERS: JSON.stringify([
      { id: 'test', name: 'Test Provider', issuer: op.issuer, clientId: 'usergraph', clientSecret: CLIENT_SECRET },
      { id: 'flaky', name: 'Flaky Provider', issuer: flaky.issuer, clientId: 'usergraph', clientSecret: CLIENT_SECRET, scopes: ['openid', 'email'] },
      { id: 'down', name: 'Down Provider', issuer: `http://127.0.0.1:${closedPort}`, clientId: 'usergraph', clientSecret: CLIENT_SECRET },
    ]),
    OIDC_REDIRECT_URLS: `${SPA},http://localhost:5173/callback`,
    OIDC_ALLOW_INSECURE_ISSUERS: 'true',
    OIDC_CODE_TTL: '5',
    OIDC_HTTP_TIMEOUT: '3',
  });
  adminToken = (await signInAsAdmin(server)).accessToken;
});
afterAll(async () => {
  await server?.stop();
  await op?.stop();
  await flaky?.stop();
});

interface Person {
  sub: string;
  email: string;
}

async function person(claims: Record<string, unknown> = {}, provider = op): Promise<Person> {
  const sub = `sub-${crypto.randomBytes(6).toString('hex')}`;
  const email = uniqueEmail('oidc');
  await provider.setAccount(sub, {
    email,
    email_verified: true,
    given_name: 'Ada',
    family_name: 'Lovelace',
    picture: 'https://img.example.com/ada.png',
    ...claims,
  });
  return { sub, email };
}

/** Starts a sign-in, signs in at the provider as `sub`, and returns where the gateway's callback sends the browser. */
async function providerRoundTrip(sub: string, options: { provider?: string; token?: string; link?: boolean } = {}) {
  const provider = options.provider ?? 'test';
  const started = options.link
    ? dataOf(await server.gql(LinkProviderDocument, { provider, redirectUri: SPA }, { token: options.token })).linkProvider
    : dataOf(await server.gql(StartProviderSignInDocument, { provider, redirectUri: SPA })).startProviderSignIn;
  const callback = await authorizeAtProvider(started.authorizationUrl, sub);
  return { started, callback, result: await followCallback(callback) };
}

async function signInThroughProvider(sub: string) {
  const { result, started } = await providerRoundTrip(sub);
  expect(result.status).toBe(303);
  expect(result.location!.origin + result.location!.pathname).toBe(SPA);
  expect(result.location!.searchParams.get('flow')).toBe(started.flowId);
  const code = result.location!.searchParams.get('code');
  expect(code).toMatch(/^[\w-]{43}$/);
  return { code: code!, response: await server.gql(CompleteProviderSignInDocument, { code: code! }) };
}

describe('identityProviders', () => {
  it('lists the configured providers by id and name, and nothing secret', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ identityProviders { id name } }' }),
    });
    const text = await response.text();
    expect(JSON.parse(text).data.identityProviders).toEqual([
      { id: 'test', name: 'Test Provider' },
      { id: 'flaky', name: 'Flaky Provider' },
      { id: 'down', name: 'Down Provider' },
    ]);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(dataOf(await server.gql(IdentityProvidersDocument)).identityProviders).toHaveLength(3);
  });
});

describe('startProviderSignIn', () => {
  it('returns the provider authorization URL with state, nonce and an S256 PKCE challenge', async () => {
    const data = dataOf(await server.gql(StartProviderSignInDocument, { provider: 'test', redirectUri: SPA }));
    const url = new URL(data.startProviderSignIn.authorizationUrl);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('client_id')).toBe('usergraph');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(url.searchParams.get('redirect_uri')).toBe(`${server.url}/auth/oidc/test/callback`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('client_secret')).toBeNull();
  });

  it.each([
    'https://app.example.com.evil.test/auth/done',
    'https://app.example.com@evil.test/auth/done',
    'https://evil.test/auth/done',
    'https://evil.test/?https://app.example.com/auth/done',
    'http://app.example.com/auth/done',
    'https://app.example.com:8443/auth/done',
    'https://app.example.com/auth/done/../other',
    'https://app.example.com/auth/done#fragment',
    'https://app.example.com/auth/donex',
    'javascript:alert(1)//app.example.com/auth/done',
    '/auth/done',
  ])('refuses the redirect URI %s with BAD_USER_INPUT', async (redirectUri) => {
    const response = await server.gql(StartProviderSignInDocument, { provider: 'test', redirectUri });
    expectCode(response, 'BAD_USER_INPUT');
    expect(onlyError(response).extensions?.fields).toEqual([{ field: 'redirectUri', message: expect.stringContaining('OIDC_REDIRECT_URLS') }]);
  });

  it('accepts an allowed redirect URI however its host is cased, and keeps its query', async () => {
    const data = dataOf(await server.gql(StartProviderSignInDocument, { provider: 'test', redirectUri: 'https://APP.example.com/auth/done?next=%2Fhome' }));
    expect(data.startProviderSignIn.flowId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an unknown provider', async () => {
    const response = await server.gql(StartProviderSignInDocument, { provider: 'nope', redirectUri: SPA });
    expectCode(response, 'BAD_USER_INPUT');
    expect(onlyError(response).extensions?.fields).toEqual([{ field: 'provider', message: expect.stringContaining('no identity provider "nope"') }]);
  });
});

describe('provider sign-in', () => {
  it('creates an account on the first sign-in, from the verified claims, and signs in to it again later', async () => {
    const ada = await person();
    const first = await signInThroughProvider(ada.sub);
    expect(first.response.errors).toBeUndefined();
    const payload = dataOf(first.response).completeProviderSignIn;
    expect(payload.user).toMatchObject({
      email: ada.email,
      confirmed: true,
      profile: { firstName: 'Ada', lastName: 'Lovelace', customFields: { picture: 'https://img.example.com/ada.png' } },
    });
    expect(payload.session.provider).toBe('test');

    const me = await server.gql(MyIdentitiesDocument, {}, { token: payload.accessToken });
    expect(dataOf(me).me!.identities).toEqual([
      { id: expect.any(String), provider: 'test', subject: ada.sub, email: ada.email, linkedAt: expect.any(String), lastUsedAt: expect.any(String) },
    ]);
    // The access token says how its session signed in, as a service behind the gateway reads it.
    const [checked] = await verifyWithJose(server, [payload.accessToken]);
    expect(checked).toMatchObject({ ok: true, payload: { sub: payload.user.id, uid: payload.session.id, amr: ['oidc'], aal: 'aal1' } });
    const sessions = await server.gql(SessionProvidersDocument, {}, { token: payload.accessToken });
    expect(dataOf(sessions).sessions).toEqual([{ id: payload.session.id, provider: 'test' }]);

    const again = await signInThroughProvider(ada.sub);
    expect(dataOf(again.response).completeProviderSignIn.user.id).toBe(payload.user.id);

    const audit = await server.gql(AuditEventsDocument, { filter: { type: 'login.succeeded', userId: payload.user.id } }, { token: adminToken });
    expect(dataOf(audit).auditEvents.items[0]).toMatchObject({ type: 'login.succeeded', subjectUserId: payload.user.id, details: { amr: ['oidc'] } });
  });

  it('makes a one-time code work once', async () => {
    const { code, response } = await signInThroughProvider((await person()).sub);
    expect(response.errors).toBeUndefined();
    const twice = await server.gql(CompleteProviderSignInDocument, { code });
    expectCode(twice, 'BAD_USER_INPUT');
    expect(onlyError(twice).extensions?.fields).toEqual([{ field: 'code', message: 'Invalid, expired or used code.' }]);
  });

  it('refuses an expired one-time code', async () => {
    const { result } = await providerRoundTrip((await person()).sub);
    const code = result.location!.searchParams.get('code')!;
    await new Promise((resolve) => setTimeout(resolve, 5500)); // OIDC_CODE_TTL=5
    expectCode(await server.gql(CompleteProviderSignInDocument, { code }), 'BAD_USER_INPUT');
  });

  it('refuses a made-up one-time code', async () => {
    expectCode(await server.gql(CompleteProviderSignInDocument, { code: 'x'.repeat(43) }), 'BAD_USER_INPUT');
  });

  it('answers a replayed state with 400 INVALID_STATE', async () => {
    const { callback, result } = await providerRoundTrip((await person()).sub);
    expect(result.status).toBe(303);
    const replay = await followCallback(callback);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: { code: 'INVALID_STATE', message: expect.stringContaining('already used') } });
  });

  it('answers a forged or missing state with 400 INVALID_STATE', async () => {
    const { callback } = await providerRoundTrip((await person()).sub).then(async (r) => r);
    const forged = new URL(callback);
    forged.searchParams.set('state', crypto.randomBytes(32).toString('base64url'));
    expect(await followCallback(forged)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_STATE' } } });
    forged.searchParams.delete('state');
    expect(await followCallback(forged)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_STATE' } } });
  });

  it("refuses a code from another sign-in presented with this sign-in's state (code injection: PKCE and nonce differ)", async () => {
    const victim = await person();
    const a = await server.gql(StartProviderSignInDocument, { provider: 'test', redirectUri: SPA });
    const b = await server.gql(StartProviderSignInDocument, { provider: 'test', redirectUri: SPA });
    const callbackB = await authorizeAtProvider(dataOf(b).startProviderSignIn.authorizationUrl, victim.sub);
    const injected = new URL(callbackB);
    injected.searchParams.set('state', new URL(dataOf(a).startProviderSignIn.authorizationUrl).searchParams.get('state')!);
    const result = await followCallback(injected);
    expect(result.status).toBe(303);
    expect(result.location!.searchParams.get('error')).toBe('INVALID_ID_TOKEN');
    expect(result.location!.searchParams.get('code')).toBeNull();
  });

  it("passes the provider's refusal on to the SPA as error and error_description", async () => {
    const data = dataOf(await server.gql(StartProviderSignInDocument, { provider: 'test', redirectUri: SPA }));
    const callback = await authorizeAtProvider(data.startProviderSignIn.authorizationUrl, 'nobody', { abort: true });
    const result = await followCallback(callback);
    expect(result.location!.origin + result.location!.pathname).toBe(SPA);
    expect(result.location!.searchParams.get('error')).toBe('access_denied');
    expect(result.location!.searchParams.get('error_description')).toBe('End-User aborted interaction');
  });

  it('creates an account without the email when the provider has not verified it', async () => {
    const unverified = await person({ email_verified: false });
    const { response } = await signInThroughProvider(unverified.sub);
    const payload = dataOf(response).completeProviderSignIn;
    expect(payload.user).toMatchObject({ email: null, username: expect.stringMatching(/^test-[a-z0-9]{11}$/), confirmed: false });
    const me = await server.gql(MyIdentitiesDocument, {}, { token: payload.accessToken });
    expect(dataOf(me).me!.identities![0]).toMatchObject({ subject: unverified.sub, email: unverified.email });
  });

  it('never links to an existing account with the same email: IDENTITY_EMAIL_IN_USE, and no account or identity is created', async () => {
    const owner = await signUp(server);
    const impostor = await person({ email: owner.user.email, email_verified: true });
    const before = dataOf(await server.gql(UsersDocument, { pageSize: 1 }, { token: adminToken })).users.total;
    const { response } = await signInThroughProvider(impostor.sub);
    expectCode(response, 'IDENTITY_EMAIL_IN_USE');
    expect(onlyError(response).message).toContain('then link Test Provider');
    expect(dataOf(await server.gql(UsersDocument, { pageSize: 1 }, { token: adminToken })).users.total).toBe(before);
    const identities = await server.gql(UserIdentitiesDocument, { id: owner.user.id }, { token: adminToken });
    expect(dataOf(identities).user.identities).toEqual([]);
  });
});

describe('linking', () => {
  it('links a provider to a signed-in account, which then signs in through it; the identity cannot be linked elsewhere', async () => {
    const owner = await signUp(server);
    const identity = await person({ email: owner.user.email });
    const { result } = await providerRoundTrip(identity.sub, { link: true, token: owner.accessToken });
    const code = result.location!.searchParams.get('code')!;
    // Only the account that started the link can finish it.
    const stranger = await signUp(server);
    expectCode(await server.gql(CompleteProviderLinkDocument, { code }, { token: stranger.accessToken }), 'FORBIDDEN');
    // The code was used up by that attempt; start again.
    const retry = await providerRoundTrip(identity.sub, { link: true, token: owner.accessToken });
    const linked = await server.gql(CompleteProviderLinkDocument, { code: retry.result.location!.searchParams.get('code')! }, { token: owner.accessToken });
    expect(linked.errors).toBeUndefined();
    expect(dataOf(linked).completeProviderLink).toMatchObject({ provider: 'test', subject: identity.sub, email: owner.user.email });

    const { response } = await signInThroughProvider(identity.sub);
    expect(dataOf(response).completeProviderSignIn.user.id).toBe(owner.user.id);

    const elsewhere = await providerRoundTrip(identity.sub, { link: true, token: stranger.accessToken });
    const refused = await server.gql(
      CompleteProviderLinkDocument,
      { code: elsewhere.result.location!.searchParams.get('code')! },
      { token: stranger.accessToken },
    );
    expectCode(refused, 'IDENTITY_ALREADY_LINKED');
  });

  it('needs a signed-in user to start a link', async () => {
    expectCode(await server.gql(LinkProviderDocument, { provider: 'test', redirectUri: SPA }), 'UNAUTHENTICATED');
  });
});

describe('identities and unlinking', () => {
  it('shows identities to the user and admins only', async () => {
    // Unverified email: the account gets a username, so others can look it up.
    const { response } = await signInThroughProvider((await person({ email_verified: false })).sub);
    const user = dataOf(response).completeProviderSignIn.user;
    const other = await signUp(server);
    expect(dataOf(await server.gql(UserIdentitiesDocument, { id: user.id }, { token: adminToken })).user.identities).toHaveLength(1);
    expect(
      dataOf(await server.gql(PublicUserIdentitiesDocument, { username: user.username! }, { token: dataOf(response).completeProviderSignIn.accessToken }))
        .userByUsername.identities,
    ).toHaveLength(1);
    // Another user, or nobody, reads no identities (users are admin-or-self; the field itself is private too).
    const byOther = await server.gql(PublicUserIdentitiesDocument, { username: user.username! }, { token: other.accessToken });
    expect(byOther.data?.userByUsername ?? null).toBeNull();
    expectCode(byOther, 'FORBIDDEN');
    const anonymous = await server.gql(PublicUserIdentitiesDocument, { username: user.username! });
    expect(anonymous.data?.userByUsername ?? null).toBeNull();
    expect(anonymous.errors).toHaveLength(1);
  });

  it("refuses to unlink an account's last way to sign in, and lets it go once there is another", async () => {
    const first = await person();
    const { response } = await signInThroughProvider(first.sub);
    const token = dataOf(response).completeProviderSignIn.accessToken;
    const [only] = dataOf(await server.gql(MyIdentitiesDocument, {}, { token })).me!.identities!;
    const refused = await server.gql(UnlinkIdentityDocument, { id: only.id }, { token });
    expectCode(refused, 'LAST_SIGN_IN_METHOD');
    // Another user cannot see it, let alone unlink it.
    const other = await signUp(server);
    expectCode(await server.gql(UnlinkIdentityDocument, { id: only.id }, { token: other.accessToken }), 'NOT_FOUND');

    const second = await person();
    const linkedResult = await providerRoundTrip(second.sub, { link: true, token });
    await server.gql(CompleteProviderLinkDocument, { code: linkedResult.result.location!.searchParams.get('code')! }, { token });
    expect(dataOf(await server.gql(UnlinkIdentityDocument, { id: only.id }, { token })).unlinkIdentity).toBe(true);
    expect(dataOf(await server.gql(MyIdentitiesDocument, {}, { token })).me!.identities!.map((i) => i.subject)).toEqual([second.sub]);
  });

  it('unlinks the only identity of an account that has a password', async () => {
    const owner = await signUp(server);
    const identity = await person();
    const { result } = await providerRoundTrip(identity.sub, { link: true, token: owner.accessToken });
    const linked = await server.gql(CompleteProviderLinkDocument, { code: result.location!.searchParams.get('code')! }, { token: owner.accessToken });
    expect(dataOf(await server.gql(UnlinkIdentityDocument, { id: dataOf(linked).completeProviderLink.id }, { token: owner.accessToken })).unlinkIdentity).toBe(
      true,
    );
    // Unlinked: that provider account is a stranger again, and its email is not this account's.
    const { response } = await signInThroughProvider(identity.sub);
    expect(dataOf(response).completeProviderSignIn.user.id).not.toBe(owner.user.id);
    // The password still works.
    await signIn(server, owner.user.email!, PASSWORD);
  });
});

describe('accounts without a password', () => {
  it('refuse every password path until a reset sets a first password, which then allows unlinking the provider', async () => {
    const someone = await person();
    const { response } = await signInThroughProvider(someone.sub);
    const { accessToken } = dataOf(response).completeProviderSignIn;
    for (const password of ['', 'anything-at-all', PASSWORD]) {
      expectCode(await server.gql(LoginDocument, { identifier: someone.email, password }), password ? 'UNAUTHENTICATED' : 'BAD_USER_INPUT');
    }
    expectCode(
      await server.gql(ChangePasswordDocument, { currentPassword: '', newPassword: 'brand-new-password-1' }, { token: accessToken }),
      'BAD_USER_INPUT',
    );
    const [identity] = dataOf(await server.gql(MyIdentitiesDocument, {}, { token: accessToken })).me!.identities!;

    await server.gql(RequestPasswordResetDocument, { email: someone.email });
    const token = tokenFromMail(await server.waitForMail(someone.email, 'reset'));
    expect((await server.gql(ResetPasswordDocument, { token, password: 'brand-new-password-1' })).errors).toBeUndefined();
    const signedIn = await signIn(server, someone.email, 'brand-new-password-1');
    expect(dataOf(await server.gql(UnlinkIdentityDocument, { id: identity.id }, { token: signedIn.accessToken })).unlinkIdentity).toBe(true);
  });
});

describe('signInWithIdToken (native apps)', () => {
  /** What a native app does: the code flow at the provider with its own nonce, then the token request. */
  async function nativeIdToken(sub: string, clientId = 'usergraph', secret = CLIENT_SECRET): Promise<{ idToken: string; nonce: string }> {
    const nonce = crypto.randomBytes(16).toString('base64url');
    const verifier = crypto.randomBytes(32).toString('base64url');
    const url = new URL(`${op.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope: 'openid email profile',
      redirect_uri: NATIVE,
      nonce,
      state: 'native',
      code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const back = await authorizeAtProvider(url.toString(), sub);
    const token = await fetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: NATIVE,
        code_verifier: verifier,
      }).toString(),
    });
    return { idToken: ((await token.json()) as { id_token: string }).id_token, nonce };
  }

  it('signs in with an ID token the provider issued for our client id and the nonce', async () => {
    const someone = await person();
    const { idToken, nonce } = await nativeIdToken(someone.sub);
    const response = await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce });
    expect(response.errors).toBeUndefined();
    expect(dataOf(response).signInWithIdToken).toMatchObject({ user: { email: someone.email }, session: { provider: 'test' } });
  });

  it('takes an ID token once: the same token and nonce again are refused as a replay, and audited', async () => {
    const someone = await person();
    const { idToken, nonce } = await nativeIdToken(someone.sub);
    const first = await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce });
    expect(first.errors).toBeUndefined();
    const replayed = await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce });
    expectCode(replayed, 'UNAUTHENTICATED');
    expect(onlyError(replayed).message).toContain('already used');
    // A new token from the provider still signs in.
    const fresh = await nativeIdToken(someone.sub);
    const again = await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken: fresh.idToken, nonce: fresh.nonce });
    expect(again.data?.signInWithIdToken.user.id).toBe(dataOf(first).signInWithIdToken.user.id);
    const audit = await server.gql(AuditEventsDocument, { filter: { type: 'login.failed' }, pageSize: 100 }, { token: adminToken });
    expect(dataOf(audit).auditEvents.items).toContainEqual(
      expect.objectContaining({ details: expect.objectContaining({ provider: 'test', reason: 'id_token_replayed' }) }),
    );
  });

  it('asks a user with an authenticator app for it, and the session it opens records the provider (amr oidc + otp, oidc + recovery)', async () => {
    const someone = await person();
    const { idToken, nonce } = await nativeIdToken(someone.sub);
    const first = dataOf(await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce })).signInWithIdToken;
    const enrolled = dataOf(await server.gql(EnrollTotpDocument, { label: 'Phone' }, { token: first.accessToken })).enrollTotp;
    const confirmed = await server.gql(ConfirmTotpDocument, { factorId: enrolled.factor.id, code: totpFor(enrolled.secret) }, { token: first.accessToken });
    expect(confirmed.errors).toBeUndefined();
    const recoveryCodes = dataOf(confirmed).confirmTotp;

    // Through the browser flow: the provider is the first factor, the app's code the second.
    const browser = await signInThroughProvider(someone.sub);
    const required = onlyError(browser.response);
    expect(required.extensions).toMatchObject({ code: 'MFA_REQUIRED', factors: ['TOTP', 'RECOVERY_CODE'], mfaTicket: expect.any(String) });
    const verified = await server.gql(VerifyMfaDocument, { ticket: required.extensions!.mfaTicket as string, code: totpFor(enrolled.secret, 1) });
    expect(verified.errors).toBeUndefined();
    const session = dataOf(verified).verifyMfa;
    const [checked] = await verifyWithJose(server, [session.accessToken]);
    expect(checked).toMatchObject({ ok: true, payload: { sub: first.user.id, amr: ['oidc', 'otp'], aal: 'aal2' } });
    const sessions = dataOf(await server.gql(SessionProvidersDocument, {}, { token: session.accessToken })).sessions;
    expect(sessions).toContainEqual({ id: session.session.id, provider: 'test' });

    // Through a native app's ID token, finished with a recovery code.
    const native = await nativeIdToken(someone.sub);
    const nativeRequired = onlyError(await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken: native.idToken, nonce: native.nonce }));
    expect(nativeRequired.extensions?.code).toBe('MFA_REQUIRED');
    const recovered = await server.gql(VerifyMfaDocument, { ticket: nativeRequired.extensions!.mfaTicket as string, code: recoveryCodes[0] });
    expect(recovered.errors).toBeUndefined();
    const [nativeChecked] = await verifyWithJose(server, [dataOf(recovered).verifyMfa.accessToken]);
    expect(nativeChecked).toMatchObject({ ok: true, payload: { amr: ['oidc', 'recovery'], aal: 'aal2' } });
    const nativeSessions = dataOf(await server.gql(SessionProvidersDocument, {}, { token: dataOf(recovered).verifyMfa.accessToken })).sessions;
    expect(nativeSessions).toContainEqual({ id: dataOf(recovered).verifyMfa.session.id, provider: 'test' });
  });

  it('refuses a wrong nonce', async () => {
    const { idToken } = await nativeIdToken((await person()).sub);
    expectCode(await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce: 'another-nonce' }), 'UNAUTHENTICATED');
  });

  it('refuses an ID token issued for another audience', async () => {
    const { idToken, nonce } = await nativeIdToken((await person()).sub, 'other-app', 'other-secret');
    const response = await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce });
    expectCode(response, 'UNAUTHENTICATED');
    expect(onlyError(response).message).toContain('not valid for Test Provider');
  });

  it("refuses an ID token signed by a key that is not the provider's", async () => {
    const someone = await person();
    const idToken = await op.forge('usergraph', someone.sub, 'forged-nonce');
    expectCode(await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken, nonce: 'forged-nonce' }), 'UNAUTHENTICATED');
  });

  it('refuses a token for another provider and a malformed token', async () => {
    const { idToken, nonce } = await nativeIdToken((await person()).sub);
    expectCode(await server.gql(SignInWithIdTokenDocument, { provider: 'flaky', idToken, nonce }), 'UNAUTHENTICATED');
    expectCode(await server.gql(SignInWithIdTokenDocument, { provider: 'test', idToken: 'not.a.jwt', nonce }), 'UNAUTHENTICATED');
  });
});

describe('a provider that is down', () => {
  it('answers startProviderSignIn and signInWithIdToken with 502 PROVIDER_UNAVAILABLE', async () => {
    const start = await server.gql(StartProviderSignInDocument, { provider: 'down', redirectUri: SPA });
    expect(start.status).toBe(502);
    expectCode(start, 'PROVIDER_UNAVAILABLE');
    expect(onlyError(start).message).toBe('Down Provider cannot be reached right now; try again in a moment.');
    const native = await server.gql(SignInWithIdTokenDocument, { provider: 'down', idToken: 'a.b.c', nonce: 'n' });
    expect(native.status).toBe(502);
    expectCode(native, 'PROVIDER_UNAVAILABLE');
  });

  it('sends the SPA PROVIDER_UNAVAILABLE when the provider goes down before the code exchange, and creates nothing', async () => {
    const someone = await person({}, flaky);
    const data = dataOf(await server.gql(StartProviderSignInDocument, { provider: 'flaky', redirectUri: SPA }));
    const callback = await authorizeAtProvider(data.startProviderSignIn.authorizationUrl, someone.sub);
    const before = dataOf(await server.gql(UsersDocument, { pageSize: 1 }, { token: adminToken })).users.total;
    await flaky.stop();
    const result = await followCallback(callback);
    expect(result.status).toBe(303);
    expect(result.location!.searchParams.get('error')).toBe('PROVIDER_UNAVAILABLE');
    expect(result.location!.searchParams.get('code')).toBeNull();
    expect(dataOf(await server.gql(UsersDocument, { pageSize: 1 }, { token: adminToken })).users.total).toBe(before);
  });

  it('never logs the client secret', () => {
    expect(server.logs()).not.toContain(CLIENT_SECRET);
  });
});

describe('sign-up through providers turned off (OIDC_ALLOW_SIGNUP=false)', () => {
  it('refuses an unknown identity with PROVIDER_SIGNUP_DISABLED and creates nothing, and still signs in linked ones', async () => {
    const closed = await startTestServer({
      PORT: String(closedGatewayPort),
      PUBLIC_URL: `http://127.0.0.1:${closedGatewayPort}`,
      OIDC_PROVIDERS: JSON.stringify([{ id: 'test', name: 'Test Provider', issuer: op.issuer, clientId: 'usergraph', clientSecret: CLIENT_SECRET }]),
      OIDC_REDIRECT_URLS: SPA,
      OIDC_ALLOW_INSECURE_ISSUERS: 'true',
      OIDC_ALLOW_SIGNUP: 'false',
    });
    try {
      const roundTrip = async (sub: string, token?: string) => {
        const started = token
          ? dataOf(await closed.gql(LinkProviderDocument, { provider: 'test', redirectUri: SPA }, { token })).linkProvider
          : dataOf(await closed.gql(StartProviderSignInDocument, { provider: 'test', redirectUri: SPA })).startProviderSignIn;
        const result = await followCallback(await authorizeAtProvider(started.authorizationUrl, sub));
        return result.location!.searchParams.get('code')!;
      };
      const admin = (await signInAsAdmin(closed)).accessToken;
      const before = dataOf(await closed.gql(UsersDocument, { pageSize: 1 }, { token: admin })).users.total;
      const stranger = await person();
      const refused = await closed.gql(CompleteProviderSignInDocument, { code: await roundTrip(stranger.sub) });
      expectCode(refused, 'PROVIDER_SIGNUP_DISABLED');
      expect(dataOf(await closed.gql(UsersDocument, { pageSize: 1 }, { token: admin })).users.total).toBe(before);

      const owner = await signUp(closed);
      await closed.gql(CompleteProviderLinkDocument, { code: await roundTrip(stranger.sub, owner.accessToken) }, { token: owner.accessToken });
      const signedIn = await closed.gql(CompleteProviderSignInDocument, { code: await roundTrip(stranger.sub) });
      expect(dataOf(signedIn).completeProviderSignIn.user.id).toBe(owner.user.id);
    } finally {
      await closed.stop();
    }
  });
});

describe('configuration', () => {
  const provider = { id: 'corp', name: 'Corp SSO', issuer: 'https://sso.example.com', clientId: 'usergraph', clientSecret: CLIENT_SECRET };
  const production = { NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32), KEY_ENCRYPTION_KEY: 'k'.repeat(32) };

  it.each([
    [
      'OIDC_PROVIDERS that is not JSON',
      { OIDC_PROVIDERS: `[{"clientSecret":"${CLIENT_SECRET}"`, OIDC_REDIRECT_URLS: SPA },
      'OIDC_PROVIDERS must be a JSON array of { "id", "name", "issuer", "clientId", "clientSecret", "scopes" } objects (it is not valid JSON)',
    ],
    [
      'an http issuer',
      { OIDC_PROVIDERS: JSON.stringify([{ ...provider, issuer: 'http://sso.example.com' }]), OIDC_REDIRECT_URLS: SPA },
      'OIDC_PROVIDERS[0].issuer (provider "corp") must use https (OIDC_ALLOW_INSECURE_ISSUERS=true allows http outside production)',
    ],
    [
      'a provider id used twice',
      { OIDC_PROVIDERS: JSON.stringify([provider, provider]), OIDC_REDIRECT_URLS: SPA },
      'OIDC_PROVIDERS[1].id "corp" is used twice',
    ],
    [
      'scopes without openid',
      { OIDC_PROVIDERS: JSON.stringify([{ ...provider, scopes: ['email'] }]), OIDC_REDIRECT_URLS: SPA },
      'OIDC_PROVIDERS[0].scopes (provider "corp") must include "openid"',
    ],
    [
      'a misspelt key',
      { OIDC_PROVIDERS: JSON.stringify([{ ...provider, client_id: 'x' }]), OIDC_REDIRECT_URLS: SPA },
      'OIDC_PROVIDERS[0] has unknown key(s) client_id; allowed: id, name, issuer, clientId, clientSecret, scopes',
    ],
    [
      'providers without OIDC_REDIRECT_URLS',
      { OIDC_PROVIDERS: JSON.stringify([provider]) },
      'OIDC_REDIRECT_URLS must list the front-end URLs a provider sign-in may return to when OIDC_PROVIDERS is set',
    ],
    [
      'a redirect URL with a fragment',
      { OIDC_PROVIDERS: JSON.stringify([provider]), OIDC_REDIRECT_URLS: `${SPA}#x` },
      `OIDC_REDIRECT_URLS must be comma-separated absolute http(s) URLs without query, fragment or credentials, got "${SPA}#x"`,
    ],
    [
      'OIDC_ALLOW_INSECURE_ISSUERS in production',
      { ...production, OIDC_ALLOW_INSECURE_ISSUERS: 'true' },
      'OIDC_ALLOW_INSECURE_ISSUERS must not be on in production: providers must be reached over https',
    ],
  ])('exits with code 2 and says why, never echoing the secret, on %s', async (_case, env, message) => {
    const { code, stderr } = await runUntilExit(env, { timeoutMs: 60_000 });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`usergraph: configuration error: ${message}`);
    expect(stderr).not.toContain(CLIENT_SECRET);
  });
});
