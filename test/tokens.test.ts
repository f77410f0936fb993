// Issue 12: tokens any service can verify. Access tokens are checked by jose
// (a verifier no one here wrote) against the live server's JWKS for each
// algorithm, across a rotation and a revocation; the classic JWT attacks are
// refused; API keys and the OAuth client credentials grant work over HTTP,
// with every bad input answered. Short lifetimes (ACCESS_TOKEN_TTL=10,
// JWT_KEY_PUBLISH_AHEAD_SECONDS=4) let the key windows pass within a test.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiKeysDocument,
  AuditEventsDocument,
  ChangePasswordDocument,
  CreateApiKeyDocument,
  CreateApplicationDocument,
  CreateOrganisationDocument,
  LogoutDocument,
  MeDocument,
  RefreshSessionDocument,
  RevokeApiKeyDocument,
  RevokeSigningKeyDocument,
  RotateSigningKeyDocument,
  SigningKeysDocument,
  UpdateMeDocument,
} from './__generated__/graphql';
import { startTestServer, type GraphQLResponse, type TestServer } from './support/server';
import { expectCode, PASSWORD, signInAsAdmin, signUp, sleep, dataOf } from './support/fixtures';
import { verifyWithJose } from './support/jose';
import { rest } from './support/rest';

const SHORT = { ACCESS_TOKEN_TTL: '10', JWT_KEY_PUBLISH_AHEAD_SECONDS: '4' };
const onPostgres = !!process.env.TEST_DATABASE_URL;
const describeOnPostgres = onPostgres ? describe : describe.skip;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;

/** A compact JWS made here, as an attacker would make one. */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>, sign: (input: string) => Buffer | string): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = sign(input);
  return `${input}.${typeof signature === 'string' ? signature : signature.toString('base64url')}`;
}

/** Claims a real access token of this session would carry. */
function claimsFor(session: { user: { id: string }; session: { id: string } }, extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: session.user.id,
    user_id: Number(session.user.id),
    uid: session.session.id,
    typ: 'access',
    iss: 'usergraph',
    aud: 'usergraph',
    iat: now,
    exp: now + 300,
    ...extra,
  };
}

async function meOf(server: TestServer, token: string): Promise<string | null> {
  const response = await server.gql(MeDocument, {}, { token });
  expect(response.status).toBe(200);
  return response.data?.me?.id ?? null;
}

async function jwks(server: TestServer): Promise<{ response: Response; keys: Array<Record<string, string>> }> {
  const response = await fetch(`${server.url}/.well-known/jwks.json`);
  const body = (await response.clone().json()) as { keys: Array<Record<string, string>> };
  return { response, keys: body.keys };
}

describe.each(['ES256', 'RS256', 'EdDSA'])('%s access tokens, verified by jose against /.well-known/jwks.json', (algorithm) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...SHORT, JWT_ALGORITHM: algorithm });
  });
  afterAll(() => server?.stop());

  it('publishes the key and its metadata, cacheable for less than the publish-ahead window', async () => {
    const { response, keys } = await jwks(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=2');
    expect(keys).toEqual([expect.objectContaining({ alg: algorithm, use: 'sig', kid: expect.any(String) })]);
    for (const key of keys) expect(Object.keys(key)).not.toEqual(expect.arrayContaining(['d']));
    const discovery = await fetch(`${server.url}/.well-known/openid-configuration`);
    expect(discovery.headers.get('cache-control')).toBe('public, max-age=2');
    expect(await discovery.json()).toMatchObject({
      issuer: 'usergraph',
      jwks_uri: `${server.url.replace('127.0.0.1', 'localhost')}/.well-known/jwks.json`,
      access_token_signing_alg_values_supported: [algorithm],
      grant_types_supported: ['client_credentials'],
    });
  });

  it('keeps tokens signed before and after a rotation valid, and drops the old key after its window', async () => {
    const admin = await signInAsAdmin(server);
    const before = await signUp(server);
    const oldKid = headerOf(before.accessToken).kid as string;
    const rotated = await server.gql(RotateSigningKeyDocument, {}, { token: admin.accessToken });
    expect(rotated.errors).toBeUndefined();
    const next = dataOf(rotated).rotateSigningKey;
    expect(next).toMatchObject({ algorithm, status: 'pending', source: 'generated', revokedAt: null });
    // Published before it signs.
    const fetchedAt = Date.now();
    const published = (await jwks(server)).keys.map((k) => k.kid);
    if (fetchedAt < new Date(next.activatesAt).getTime()) expect(published).toEqual(expect.arrayContaining([oldKid, next.kid]));
    await sleep(Math.max(0, new Date(next.activatesAt).getTime() - Date.now()) + 200);
    const after = await signUp(server);
    expect(headerOf(after.accessToken)).toEqual({ alg: algorithm, typ: 'JWT', kid: next.kid });
    const [old, fresh] = await verifyWithJose(server, [before.accessToken, after.accessToken]);
    expect(old).toMatchObject({ ok: true, header: { kid: oldKid, alg: algorithm }, payload: { sub: before.user.id, uid: before.session.id } });
    expect(fresh).toMatchObject({ ok: true, header: { kid: next.kid, alg: algorithm }, payload: { sub: after.user.id } });
    expect(await meOf(server, before.accessToken)).toBe(before.user.id);
    // Every token the old key signed has expired one access-token lifetime (10 s) after the new key took over.
    await sleep(new Date(next.activatesAt).getTime() + 10_000 - Date.now() + 500);
    expect((await jwks(server)).keys.map((k) => k.kid)).toEqual([next.kid]);
    const admin2 = await signInAsAdmin(server);
    const listed = dataOf(await server.gql(SigningKeysDocument, {}, { token: admin2.accessToken })).signingKeys;
    expect(listed.map((k) => [k.kid, k.status])).toEqual([
      [next.kid, 'active'],
      [oldKid, 'retired'],
    ]);
  });

  it('refuses tokens of a revoked key at once, and signs with a new key', async () => {
    const user = await signUp(server);
    const kid = headerOf(user.accessToken).kid as string;
    expect(await meOf(server, user.accessToken)).toBe(user.user.id);
    const admin = await signInAsAdmin(server);
    const revoked = await server.gql(RevokeSigningKeyDocument, { kid }, { token: admin.accessToken });
    expect(revoked.errors).toBeUndefined();
    expect(dataOf(revoked).revokeSigningKey).toMatchObject({ kid, status: 'revoked', revokedAt: expect.any(String) });
    expect(await meOf(server, user.accessToken)).toBeNull();
    const [refused] = await verifyWithJose(server, [user.accessToken]);
    expect(refused).toEqual({ ok: false, code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect((await jwks(server)).keys.map((k) => k.kid)).not.toContain(kid);
    const again = await signUp(server);
    expect(headerOf(again.accessToken).kid).not.toBe(kid);
    expect(await meOf(server, again.accessToken)).toBe(again.user.id);
    expect((await verifyWithJose(server, [again.accessToken]))[0].ok).toBe(true);
  });
});

describe('one ES256 gateway', () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signInAsAdmin>>;
  beforeAll(async () => {
    server = await startTestServer({ TOKEN_GUESSES_PER_IP: '40' });
    admin = await signInAsAdmin(server);
  });
  afterAll(() => server?.stop());

  describe('refuses forged access tokens', () => {
    let victim: Awaited<ReturnType<typeof signUp>>;
    let realKid: string;
    let publicKey: crypto.KeyObject;
    beforeAll(async () => {
      victim = await signUp(server);
      realKid = headerOf(victim.accessToken).kid as string;
      const jwk = (await jwks(server)).keys.find((k) => k.kid === realKid)!;
      publicKey = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' });
    });

    it('accepts the real token (the baseline)', async () => {
      expect(await meOf(server, victim.accessToken)).toBe(victim.user.id);
    });

    it('alg: none', async () => {
      for (const alg of ['none', 'None', 'NONE']) {
        const token = forge({ alg, typ: 'JWT', kid: realKid }, claimsFor(victim), () => '');
        expect(await meOf(server, token)).toBeNull();
      }
    });

    it('HS256 signed with the public key as the secret (key confusion)', async () => {
      const secrets = [
        publicKey.export({ type: 'spki', format: 'pem' }) as string,
        publicKey.export({ type: 'spki', format: 'der' }),
        JSON.stringify(publicKey.export({ format: 'jwk' })),
      ];
      for (const secret of secrets) {
        for (const header of [
          { alg: 'HS256', typ: 'JWT', kid: realKid },
          { alg: 'HS256', typ: 'JWT' },
        ]) {
          const token = forge(header, claimsFor(victim), (input) => crypto.createHmac('sha256', secret).update(input).digest());
          expect(await meOf(server, token)).toBeNull();
        }
      }
    });

    it('an unknown kid, and a known kid with another algorithm', async () => {
      const attacker = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const es = (input: string) => crypto.sign('sha256', Buffer.from(input), { key: attacker.privateKey, dsaEncoding: 'ieee-p1363' });
      expect(await meOf(server, forge({ alg: 'ES256', typ: 'JWT', kid: 'no-such-key' }, claimsFor(victim), es))).toBeNull();
      expect(await meOf(server, forge({ alg: 'ES256', typ: 'JWT' }, claimsFor(victim), es))).toBeNull();
      expect(await meOf(server, forge({ alg: 'ES256', typ: 'JWT', kid: realKid }, claimsFor(victim), es))).toBeNull();
      const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rs = (input: string) => crypto.sign('sha256', Buffer.from(input), rsa.privateKey);
      expect(await meOf(server, forge({ alg: 'RS256', typ: 'JWT', kid: realKid }, claimsFor(victim), rs))).toBeNull();
    });

    it('ignores jku and x5u headers pointing elsewhere (never fetches them)', async () => {
      const attacker = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = { ...attacker.publicKey.export({ format: 'jwk' }), kid: 'evil', alg: 'ES256', use: 'sig' };
      let fetched = 0;
      const evil = http.createServer((_req, res) => {
        fetched++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
      const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
      try {
        const es = (input: string) => crypto.sign('sha256', Buffer.from(input), { key: attacker.privateKey, dsaEncoding: 'ieee-p1363' });
        for (const kid of ['evil', realKid]) {
          const token = forge({ alg: 'ES256', typ: 'JWT', kid, jku: `${evilUrl}/jwks.json`, x5u: `${evilUrl}/cert.pem`, jwk }, claimsFor(victim), es);
          expect(await meOf(server, token)).toBeNull();
        }
        expect(fetched).toBe(0);
      } finally {
        await new Promise((resolve) => evil.close(resolve));
      }
    });

    it('a real signature over changed claims', async () => {
      const [header, , signature] = victim.accessToken.split('.');
      const tampered = `${header}.${b64(claimsFor(victim, { user_id: 1, sub: '1' }))}.${signature}`;
      expect(await meOf(server, tampered)).toBeNull();
    });
  });

  describe('API keys', () => {
    it('creates a key whose secret is shown once, and lists it without the secret', async () => {
      const user = await signUp(server);
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const created = await server.gql(
        CreateApiKeyDocument,
        { input: { name: '  CI deploy  ', scopes: ['read', 'write'], expiresAt } },
        { token: user.accessToken },
      );
      expect(created.errors).toBeUndefined();
      const { secret, apiKey } = dataOf(created).createApiKey;
      expect(secret).toMatch(/^ugk_[\w-]{43}$/);
      expect(apiKey).toMatchObject({
        name: 'CI deploy',
        prefix: secret.slice(0, 12),
        scopes: ['read', 'write'],
        userId: user.user.id,
        expiresAt,
        lastUsedAt: null,
        lastUsedIp: null,
        revokedAt: null,
      });
      const listed = await server.gql(ApiKeysDocument, {}, { token: user.accessToken });
      expect(dataOf(listed).apiKeys).toEqual([apiKey]);
      expect(JSON.stringify(listed)).not.toContain(secret);
      expect(server.logs()).not.toContain(secret);
    });

    it('authenticates as its user on both transports, and records its use from a new address', async () => {
      const user = await signUp(server, { username: `keyuser${Date.now()}` });
      const { secret, apiKey } = dataOf(
        await server.gql(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['read'] } }, { token: user.accessToken }),
      ).createApiKey;
      expect(await meOf(server, secret)).toBe(user.user.id);
      const restAnswer = await rest(server, 'GET', `/api/1/services/api/1/user/get.json?username=${user.user.username}`, {
        headers: { Authorization: `Bearer ${secret}` },
      });
      expect(restAnswer.status).toBe(200);
      const listed = dataOf(await server.gql(ApiKeysDocument, {}, { token: user.accessToken })).apiKeys[0];
      expect(listed).toMatchObject({ id: apiKey.id, lastUsedAt: expect.any(String), lastUsedIp: expect.stringMatching(/127\.0\.0\.1/) });
      const audit = await server.gql(AuditEventsDocument, { filter: { type: 'api_key.', userId: user.user.id } }, { token: admin.accessToken });
      const types = dataOf(audit).auditEvents.items.map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['api_key.created', 'api_key.used_from_new_ip']));
      expect(JSON.stringify(audit.data)).not.toContain(secret);
    });

    it('with the read scope: queries only, on both transports', async () => {
      const user = await signUp(server, { username: `reader${Date.now()}` });
      const { secret } = dataOf(
        await server.gql(CreateApiKeyDocument, { input: { name: 'reader', scopes: ['read'] } }, { token: user.accessToken }),
      ).createApiKey;
      const mutation = await server.gql(CreateOrganisationDocument, { input: { name: 'Read-only Ltd' } }, { token: secret });
      expect(mutation.status).toBe(403);
      expectCode(mutation, 'FORBIDDEN');
      expect(mutation.errors![0].message).toMatch(/read scope/);
      const restUpdate = await rest(server, 'POST', '/api/1/services/api/1/user/update.json', {
        body: JSON.stringify({ username: user.user.username, first_name: 'Changed' }),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${secret}` },
      });
      expect(restUpdate.status).toBe(403);
    });

    it("with the write scope: mutations, but never keys, sessions, passwords or email (an admin's key neither)", async () => {
      const { secret } = dataOf(
        await server.gql(CreateApiKeyDocument, { input: { name: 'writer', scopes: ['write'] } }, { token: admin.accessToken }),
      ).createApiKey;
      const allowed = await server.gql(CreateOrganisationDocument, { input: { name: `Writer ${Date.now()}` } }, { token: secret });
      expect(allowed.errors).toBeUndefined();
      const refused: Array<GraphQLResponse<unknown>> = [
        await server.gql(CreateApiKeyDocument, { input: { name: 'child', scopes: ['read'] } }, { token: secret }),
        await server.gql(ChangePasswordDocument, { currentPassword: PASSWORD, newPassword: 'another-password-2' }, { token: secret }),
        await server.gql(UpdateMeDocument, { input: { email: 'stolen@example.test' } }, { token: secret }),
        await server.gql(LogoutDocument, {}, { token: secret }),
        await server.gql(RevokeApiKeyDocument, { id: '1' }, { token: secret }),
        await server.gql(RotateSigningKeyDocument, {}, { token: secret }),
      ];
      for (const response of refused) {
        expect(response.status).toBe(403);
        expectCode(response, 'FORBIDDEN');
      }
      expect(await meOf(server, admin.accessToken)).toBe(admin.user.id);
    });

    it("stops working once revoked or expired; admins list and revoke anyone's, others see nothing", async () => {
      const user = await signUp(server);
      const other = await signUp(server);
      const expiring = dataOf(
        await server.gql(
          CreateApiKeyDocument,
          { input: { name: 'short', scopes: ['read'], expiresAt: new Date(Date.now() + 1500).toISOString() } },
          { token: user.accessToken },
        ),
      ).createApiKey;
      const kept = dataOf(await server.gql(CreateApiKeyDocument, { input: { name: 'kept', scopes: ['read'] } }, { token: user.accessToken })).createApiKey;
      expect(await meOf(server, kept.secret)).toBe(user.user.id);
      expectCode(await server.gql(RevokeApiKeyDocument, { id: kept.apiKey.id }, { token: other.accessToken }), 'NOT_FOUND');
      expectCode(await server.gql(ApiKeysDocument, { userId: user.user.id }, { token: other.accessToken }), 'FORBIDDEN');
      expectCode(await server.gql(ApiKeysDocument, {}, {}), 'UNAUTHENTICATED');
      const seenByAdmin = await server.gql(ApiKeysDocument, { userId: user.user.id }, { token: admin.accessToken });
      expect(
        dataOf(seenByAdmin)
          .apiKeys.map((k) => k.name)
          .sort(),
      ).toEqual(['kept', 'short']);
      const revoked = await server.gql(RevokeApiKeyDocument, { id: kept.apiKey.id }, { token: admin.accessToken });
      expect(dataOf(revoked).revokeApiKey.revokedAt).toEqual(expect.any(String));
      expect(await meOf(server, kept.secret)).toBeNull();
      expect(dataOf(await server.gql(RevokeApiKeyDocument, { id: kept.apiKey.id }, { token: user.accessToken })).revokeApiKey.revokedAt).toBe(
        dataOf(revoked).revokeApiKey.revokedAt,
      );
      await sleep(Math.max(0, new Date(expiring.apiKey.expiresAt!).getTime() - Date.now()) + 100);
      expect(await meOf(server, expiring.secret)).toBeNull();
      const audit = await server.gql(AuditEventsDocument, { filter: { type: 'api_key.revoked', userId: user.user.id } }, { token: admin.accessToken });
      expect(dataOf(audit).auditEvents.items).toEqual([expect.objectContaining({ type: 'api_key.revoked', actorId: admin.user.id })]);
    });

    it('answers bad input to createApiKey, apiKeys and revokeApiKey', async () => {
      const user = await signUp(server);
      const create = (input: { name: string; scopes: Array<'read' | 'write'>; expiresAt?: string | null }) =>
        server.gql(CreateApiKeyDocument, { input }, { token: user.accessToken });
      const cases: Array<[Parameters<typeof create>[0], string]> = [
        [{ name: '   ', scopes: ['read'] }, 'input.name'],
        [{ name: 'x'.repeat(101), scopes: ['read'] }, 'input.name'],
        [{ name: 'no scopes', scopes: [] }, 'input.scopes'],
        [{ name: 'past', scopes: ['read'], expiresAt: new Date(Date.now() - 1000).toISOString() }, 'input.expiresAt'],
        [{ name: 'far', scopes: ['read'], expiresAt: new Date(Date.now() + 6 * 366 * 86_400_000).toISOString() }, 'input.expiresAt'],
      ];
      for (const [input, field] of cases) {
        const response = await create(input);
        expectCode(response, 'BAD_USER_INPUT');
        expect(response.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field })]);
      }
      const badScope = await server.post('/graphql', JSON.stringify({ query: 'mutation { createApiKey(input: {name: "x", scopes: [admin]}) { secret } }' }), {
        'content-type': 'application/json',
        authorization: `Bearer ${user.accessToken}`,
      });
      expect(badScope.status).toBe(400);
      expectCode(await server.gql(CreateApiKeyDocument, { input: { name: 'anon', scopes: ['read'] } }), 'UNAUTHENTICATED');
      expectCode(await server.gql(RevokeApiKeyDocument, { id: 'abc' }, { token: user.accessToken }), 'BAD_USER_INPUT');
      expectCode(await server.gql(RevokeApiKeyDocument, { id: '999999' }, { token: user.accessToken }), 'NOT_FOUND');
      expectCode(await server.gql(ApiKeysDocument, { userId: 'x' }, { token: user.accessToken }), 'BAD_USER_INPUT');
    });
  });

  describe('signing-key administration', () => {
    it('is for admins only, and answers bad input', async () => {
      const user = await signUp(server);
      expectCode(await server.gql(RotateSigningKeyDocument, {}, { token: user.accessToken }), 'FORBIDDEN');
      expectCode(await server.gql(RevokeSigningKeyDocument, { kid: 'x' }, { token: user.accessToken }), 'FORBIDDEN');
      expectCode(await server.gql(SigningKeysDocument, {}, { token: user.accessToken }), 'FORBIDDEN');
      expectCode(await server.gql(RotateSigningKeyDocument, {}), 'UNAUTHENTICATED');
      for (const kid of ['', '   ', 'bad kid!', 'k'.repeat(101)]) {
        const response = await server.gql(RevokeSigningKeyDocument, { kid }, { token: admin.accessToken });
        expectCode(response, 'BAD_USER_INPUT');
        expect(response.errors![0].extensions!.fields).toEqual([expect.objectContaining({ field: 'kid' })]);
      }
      expectCode(await server.gql(RevokeSigningKeyDocument, { kid: 'no-such-key' }, { token: admin.accessToken }), 'NOT_FOUND');
    });
  });

  describe('POST /oauth/token (client credentials grant)', () => {
    let uid: string;
    let secret: string;
    let applicationId: string;
    const token = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const basic = (id: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(password)}`).toString('base64')}`,
    });
    beforeAll(async () => {
      const created = dataOf(await server.gql(CreateApplicationDocument, { name: 'billing service' }, { token: admin.accessToken })).createApplication;
      ({ uid, secret, id: applicationId } = created);
    });

    it('exchanges application credentials for a short-lived token any verifier accepts, and the gateway gives it no user', async () => {
      for (const response of [
        await token('grant_type=client_credentials', basic(uid, secret)),
        await token(`grant_type=client_credentials&client_id=${uid}&client_secret=${secret}`),
      ]) {
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toBe('no-store');
        const body = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
        expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900 });
        const [verified] = await verifyWithJose(server, [body.access_token]);
        expect(verified).toMatchObject({ ok: true, header: { alg: 'ES256' }, payload: { sub: `application:${applicationId}`, client_id: uid, typ: 'access' } });
        expect(await meOf(server, body.access_token)).toBeNull();
      }
    });

    it('answers RFC 6749 errors', async () => {
      const cases: Array<[string, Promise<Response>, number, string]> = [
        ['wrong secret', token('grant_type=client_credentials', basic(uid, 'wrong')), 401, 'invalid_client'],
        ['unknown client', token('grant_type=client_credentials&client_id=nobody&client_secret=x'), 401, 'invalid_client'],
        ['no credentials', token('grant_type=client_credentials'), 401, 'invalid_client'],
        ['no grant type', token('', basic(uid, secret)), 400, 'invalid_request'],
        ['another grant type', token('grant_type=password&username=a&password=b', basic(uid, secret)), 400, 'unsupported_grant_type'],
        ['a scope', token('grant_type=client_credentials&scope=admin', basic(uid, secret)), 400, 'invalid_scope'],
        ['credentials twice', token(`grant_type=client_credentials&client_id=${uid}&client_secret=${secret}`, basic(uid, secret)), 400, 'invalid_request'],
        ['a repeated parameter', token('grant_type=client_credentials&grant_type=client_credentials', basic(uid, secret)), 400, 'invalid_request'],
        [
          'JSON',
          token(JSON.stringify({ grant_type: 'client_credentials' }), { 'content-type': 'application/json', ...basic(uid, secret) }),
          400,
          'invalid_request',
        ],
      ];
      for (const [what, pending, status, error] of cases) {
        const response = await pending;
        const body = (await response.json()) as { error: string; error_description: string };
        expect({ what, status: response.status, error: body.error }).toEqual({ what, status, error });
        expect(body.error_description).toEqual(expect.any(String));
        expect(response.headers.get('cache-control')).toBe('no-store');
        if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="usergraph"/);
      }
    });
  });

  // Last: it spends this address's token-guess allowance.
  it('counts wrong API keys as token guesses, shared with refresh tokens and application secrets', async () => {
    const user = await signUp(server);
    const { secret } = dataOf(
      await server.gql(CreateApiKeyDocument, { input: { name: 'victim', scopes: ['read'] } }, { token: user.accessToken }),
    ).createApiKey;
    let guesses = 0;
    while ((await meOf(server, secret)) !== null && guesses < 60) {
      await meOf(server, `ugk_${crypto.randomBytes(32).toString('base64url')}`);
      guesses++;
    }
    expect(guesses).toBeGreaterThan(0);
    expect(guesses).toBeLessThanOrEqual(40);
    // The valid key is refused while the address is locked out, and so is a refresh.
    expect(await meOf(server, secret)).toBeNull();
    expectCode(await server.gql(RefreshSessionDocument, { refreshToken: 'not-a-token' }), 'RATE_LIMITED');
    // Sessions are not affected: the limit is on guessing.
    expect(await meOf(server, user.accessToken)).toBe(user.user.id);
  });
});

describe('migration from HS256', () => {
  const JWT_SECRET = crypto.randomBytes(32).toString('hex');
  const hs256 = (claims: Record<string, unknown>) =>
    forge({ alg: 'HS256', typ: 'JWT' }, claims, (input) => crypto.createHmac('sha256', JWT_SECRET).update(input).digest());
  let server: TestServer | undefined;
  afterAll(() => server?.stop());

  it('accepts JWT_SECRET tokens until they expire, signs new ones with a key, and never accepts a token without exp', async () => {
    server = await startTestServer({ JWT_ALGORITHM: 'HS256', JWT_SECRET });
    const legacy = await signUp(server);
    expect(headerOf(legacy.accessToken)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect((await jwks(server)).keys).toEqual([]);
    const admin = await signInAsAdmin(server);
    expectCode(await server.gql(RotateSigningKeyDocument, {}, { token: admin.accessToken }), 'CONFLICT');
    // Issue 10: an HS256 token without exp was accepted.
    const { exp: _exp, ...noExp } = claimsFor(legacy);
    expect(await meOf(server, hs256(noExp))).toBeNull();
    expect(await meOf(server, hs256(claimsFor(legacy)))).toBe(legacy.user.id);

    await server.stop({ keepData: true });
    server = await startTestServer({ JWT_SECRET }, { reuse: server });
    expect(await meOf(server, legacy.accessToken)).toBe(legacy.user.id);
    const fresh = await signUp(server);
    expect(headerOf(fresh.accessToken)).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    // An HS256 token made after the switch is not a legacy token: refused; nor is a back-dated one that outlives the switch.
    await sleep(1100);
    expect(await meOf(server, hs256(claimsFor(fresh)))).toBeNull();
    expect(await meOf(server, hs256(claimsFor(legacy, { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) + 86_400 })))).toBeNull();
    expect(await meOf(server, hs256(noExp))).toBeNull();
  });
});

describe('operator-supplied keys (JWT_SIGNING_KEYS_FILE)', () => {
  let server: TestServer | undefined;
  let dir: string;
  afterAll(async () => {
    await server?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('signs with the first key of a JWK Set, publishes the others, and leaves rotation to the operator', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'usergraph-keys-'));
    const first = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const second = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const file = path.join(dir, 'keys.json');
    await fs.writeFile(file, JSON.stringify({ keys: [{ ...first, kid: 'operator-1' }, second] }), { mode: 0o600 });
    server = await startTestServer({ JWT_ALGORITHM: 'EdDSA', JWT_SIGNING_KEYS_FILE: file });
    const user = await signUp(server);
    expect(headerOf(user.accessToken)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'operator-1' });
    const published = (await jwks(server)).keys;
    expect(published.map((k) => k.kid)).toEqual(['operator-1', expect.stringMatching(/^[\w-]{43}$/)]);
    for (const key of published) expect(key).not.toHaveProperty('d');
    expect((await verifyWithJose(server, [user.accessToken]))[0]).toMatchObject({ ok: true, header: { kid: 'operator-1' } });
    const admin = await signInAsAdmin(server);
    expectCode(await server.gql(RotateSigningKeyDocument, {}, { token: admin.accessToken }), 'CONFLICT');
    expectCode(await server.gql(RevokeSigningKeyDocument, { kid: 'operator-1' }, { token: admin.accessToken }), 'CONFLICT');
    const listed = dataOf(await server.gql(SigningKeysDocument, {}, { token: admin.accessToken })).signingKeys;
    expect(listed.map((k) => k.source)).toEqual(['configured', 'configured']);
  });
});

describeOnPostgres('signing keys on two replicas sharing a database', () => {
  const env = { ...SHORT, JWT_SECRET: crypto.randomBytes(32).toString('hex'), SESSION_CACHE_TTL_MS: '60000' };
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer(env);
    b = await startTestServer(env, { reuse: { dataDir: a.dataDir, databaseUrl: a.databaseUrl } });
  });
  afterAll(async () => {
    await b?.stop({ keepData: true });
    await a?.stop();
  });

  /** Asks `me` on `server` until it answers null, for at most `ms`. */
  async function refusedWithin(server: TestServer, token: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while ((await meOf(server, token)) !== null) {
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  }

  it('signs with one key on both, publishes a rotation on both, and a revocation on one refuses the tokens on the other at once', async () => {
    const user = await signUp(a);
    const kid = headerOf(user.accessToken).kid as string;
    expect(await meOf(b, user.accessToken)).toBe(user.user.id);
    expect(headerOf((await signUp(b)).accessToken).kid).toBe(kid);
    const admin = await signInAsAdmin(a);
    const next = dataOf(await a.gql(RotateSigningKeyDocument, {}, { token: admin.accessToken })).rotateSigningKey;
    const deadline = Date.now() + 5000;
    while (!(await jwks(b)).keys.some((k) => k.kid === next.kid) && Date.now() < deadline) await sleep(50);
    expect((await jwks(b)).keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, next.kid]));
    // Revoked through b; a had the token's claims cached.
    expect((await b.gql(RevokeSigningKeyDocument, { kid }, { token: admin.accessToken })).errors).toBeUndefined();
    expect(await meOf(b, user.accessToken)).toBeNull();
    expect(await refusedWithin(a, user.accessToken, 5000)).toBe(true);
    const [refused] = await verifyWithJose(a, [user.accessToken]);
    expect(refused.ok).toBe(false);
  });
});
