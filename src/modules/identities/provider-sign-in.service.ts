// Sign-in and linking through OpenID Connect providers, the gateway being the
// client (authorization code flow with PKCE):
//   1. startProviderSignIn / linkProvider: a flow row keeps the hash of a
//      fresh `state` and, sealed under it, the nonce and PKCE verifier; the
//      browser goes to the provider.
//   2. The provider returns to GET /auth/oidc/<provider>/callback
//      (oidc.routes.ts): the state is used up, the code exchanged and the ID
//      token checked (openid-client), and the browser goes back to the SPA's
//      redirect URI with a one-time code (or an error).
//   3. completeProviderSignIn / completeProviderLink: the SPA trades that code,
//      once and within OIDC_CODE_TTL, for a session or a linked identity.
// signInWithIdToken is the native apps' shortcut: an ID token they already
// hold, checked against the provider's keys.
import crypto from 'node:crypto';
import type { Context } from '../../graphql/context.js';
import type { AppDeps } from '../../graphql/context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AppError, AuthenticationError, FieldErrors, ForbiddenError } from '../../common/errors.js';
import { requireViewer } from '../../common/access.js';
import { hashToken, randomToken } from '../../auth/tokens.js';
import { ProviderResponseError, type IdentityClaims } from '../../auth/oidc/providers.js';
import { openFlowSecrets, sealFlowSecrets } from '../../auth/oidc/flow-secrets.js';
import type { OidcProviderConfig } from '../../config.js';
import { recordAudit } from '../audit/audit.service.js';
import type { AuthPayload } from '../sessions/sessions.types.js';
import type { Identity, ProviderAuthorization } from './identities.types.js';
import { linkIdentity, signInWithClaims } from './identities.service.js';
import { requireRecentAuthentication } from '../mfa/second-factor.js';

type Purpose = 'sign_in' | 'link';
const ID_TOKEN_MAX = 16 * 1024;

function providerOrThrow(ctx: Pick<Context, 'oidc'>, id: string, field = 'provider'): OidcProviderConfig {
  const provider = ctx.oidc.get(id);
  if (!provider) {
    throw new AppError('BAD_USER_INPUT', `There is no identity provider "${String(id).slice(0, 40)}"; see identityProviders.`, {
      fields: [{ field, message: 'Unknown provider.' }],
    });
  }
  return provider;
}

/**
 * The redirect URI if it is on OIDC_REDIRECT_URLS: same scheme, host, port
 * and path once parsed (so `https://app.example.com.evil.test/` or
 * `https://app.example.com@evil.test/` never match `https://app.example.com/`).
 * A query is kept; a fragment, credentials or anything else is refused.
 */
export function allowedRedirectUri(ctx: Pick<Context, 'config'>, redirectUri: string): string {
  const refuse = (message: string) => new AppError('BAD_USER_INPUT', message, { fields: [{ field: 'redirectUri', message }] });
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw refuse('redirectUri must be an absolute URL listed in OIDC_REDIRECT_URLS.');
  }
  if (url.username || url.password || url.hash || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw refuse('redirectUri must be an http(s) URL without credentials or fragment, listed in OIDC_REDIRECT_URLS.');
  }
  if (!ctx.config.oidc.redirectUrls.includes(url.origin + url.pathname))
    throw refuse('redirectUri is not one of the allowed redirect URLs (OIDC_REDIRECT_URLS).');
  return url.toString();
}

export function callbackUrl(deps: Pick<AppDeps, 'publicUrl'>, providerId: string): string {
  return `${deps.publicUrl}/auth/oidc/${encodeURIComponent(providerId)}/callback`;
}

async function startFlow(ctx: Context, providerId: string, redirectUri: string, purpose: Purpose, userId: number | null): Promise<ProviderAuthorization> {
  const errors = new FieldErrors();
  const provider = ctx.oidc.get(providerId);
  if (!provider) errors.add('provider', `There is no identity provider "${String(providerId).slice(0, 40)}"; see identityProviders.`);
  let target: string | null = null;
  try {
    target = allowedRedirectUri(ctx, redirectUri);
  } catch (error) {
    errors.add('redirectUri', (error as AppError).message);
  }
  errors.throwIfAny();
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const flowId = crypto.randomUUID();
  const state = randomToken();
  const secrets = { nonce: randomToken(), codeVerifier: randomToken(48) };
  // Reaches the provider (discovery) before anything is written: a provider that is down leaves no row.
  const url = await ctx.oidc.authorizationUrl(provider!, callbackUrl(ctx, provider!.id), { state, ...secrets });
  const now = new Date();
  await ctx.db.oidcFlow.deleteMany({ where: { expiresAt: { lt: now }, OR: [{ codeExpiresAt: null }, { codeExpiresAt: { lt: now } }] } });
  await ctx.db.oidcFlow.create({
    data: {
      id: flowId,
      stateHash: hashToken(state),
      provider: provider!.id,
      purpose,
      userId,
      redirectUri: target!,
      secretsSealed: sealFlowSecrets(state, flowId, secrets),
      expiresAt: new Date(now.getTime() + ctx.config.oidc.flowTtl * 1000),
    },
  });
  return { authorizationUrl: url.toString(), flowId };
}

export function startProviderSignIn(ctx: Context, providerId: string, redirectUri: string): Promise<ProviderAuthorization> {
  return startFlow(ctx, providerId, redirectUri, 'sign_in', null);
}

/** Starts linking a provider account to the signed-in user, who must have signed in recently. */
export async function startProviderLink(ctx: Context, providerId: string, redirectUri: string): Promise<ProviderAuthorization> {
  const viewer = requireViewer(ctx);
  requireRecentAuthentication(ctx);
  return startFlow(ctx, providerId, redirectUri, 'link', viewer.userId);
}

export type CallbackOutcome = { kind: 'redirect'; location: string } | { kind: 'invalid'; status: number; code: string; message: string };

function withParams(redirectUri: string, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

/**
 * The provider's return: uses up the state (once, before it expires), then
 * either passes on the provider's error or exchanges the code and checks the
 * ID token, and sends the browser back to the SPA with a one-time code. With
 * no valid state there is no trusted place to send it, so it gets a 400.
 */
export async function handleCallback(
  ctx: Pick<Context, 'db' | 'config' | 'oidc' | 'throttle' | 'viewer' | 'request' | 'logger'>,
  providerId: string,
  url: URL,
): Promise<CallbackOutcome> {
  const ip = ctx.request.ip ?? 'unknown';
  const invalid = async (message: string): Promise<CallbackOutcome> => {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'login.failed', { actorId: null, details: { method: 'oidc', provider: providerId.slice(0, 40), reason: 'invalid_state' } });
    return { kind: 'invalid', status: 400, code: 'INVALID_STATE', message };
  };
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const provider = ctx.oidc.get(providerId);
  const state = url.searchParams.get('state');
  if (!provider || !state || state.length > 200) return invalid('This sign-in link is not valid. Start the sign-in again from the app.');
  const now = new Date();
  // Uses the state up in the same statement that finds it, so a replay (or a race) finds nothing.
  const flows = await ctx.db.$queryRaw<
    Array<{ id: string; purpose: Purpose; user_id: number | null; redirect_uri: string; secrets_sealed: string; expires_at: Date }>
  >`
    UPDATE oidc_flows SET callback_at = ${now}
    WHERE state_hash = ${hashToken(state)} AND provider = ${provider.id} AND callback_at IS NULL
    RETURNING id, purpose, user_id, redirect_uri, secrets_sealed, expires_at`;
  const flow = flows[0];
  if (!flow) return invalid('This sign-in link is not valid or was already used. Start the sign-in again from the app.');
  const back = (params: Record<string, string>): CallbackOutcome => ({
    kind: 'redirect',
    location: withParams(flow.redirect_uri, { ...params, flow: flow.id }),
  });
  const fail = async (error: string, description: string, reason: string) => {
    await recordAudit(ctx, flow.purpose === 'link' ? 'identity.link_failed' : 'login.failed', {
      actorId: flow.user_id,
      subjectUserId: flow.user_id,
      details: { method: 'oidc', provider: provider.id, reason },
    });
    return back({ error, error_description: description });
  };
  if (flow.expires_at <= now) return fail('FLOW_EXPIRED', 'The sign-in took too long; start it again.', 'flow_expired');
  const providerError = url.searchParams.get('error');
  if (providerError) {
    const description = url.searchParams.get('error_description') ?? `${provider.name} did not sign you in.`;
    return fail(providerError.slice(0, 100), description.slice(0, 300), `provider_${providerError.slice(0, 40)}`);
  }
  const secrets = openFlowSecrets(state, flow.id, flow.secrets_sealed);
  if (!secrets) return fail('INVALID_STATE', 'This sign-in link is not valid. Start the sign-in again.', 'sealed_mismatch');
  let claims: IdentityClaims;
  try {
    claims = await ctx.oidc.exchangeCode(provider, url, { state, ...secrets });
  } catch (error) {
    if (error instanceof AppError && error.code === 'PROVIDER_UNAVAILABLE') return fail('PROVIDER_UNAVAILABLE', error.message, 'provider_unavailable');
    if (error instanceof ProviderResponseError) {
      ctx.logger.warn({ provider: provider.id, reason: error.message }, 'OpenID provider response refused');
      return fail('INVALID_ID_TOKEN', `${provider.name}'s answer did not pass the checks; start the sign-in again.`, 'invalid_response');
    }
    throw error;
  }
  const code = randomToken();
  await ctx.db.oidcFlow.update({
    where: { id: flow.id },
    data: {
      codeHash: hashToken(code),
      codeExpiresAt: new Date(Date.now() + ctx.config.oidc.codeTtl * 1000),
      claims: claims as unknown as Prisma.InputJsonObject,
    },
  });
  return back({ code });
}

/** Uses up a one-time code of the given purpose; the claims and provider it stands for, or a BAD_USER_INPUT. */
async function consumeCode(
  ctx: Context,
  code: string,
  purpose: Purpose,
): Promise<{ provider: OidcProviderConfig; claims: IdentityClaims; userId: number | null }> {
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const rows =
    code && code.length <= 200
      ? await ctx.db.$queryRaw<Array<{ provider: string; claims: IdentityClaims; user_id: number | null }>>`
          UPDATE oidc_flows SET code_used_at = ${new Date()}
          WHERE code_hash = ${hashToken(code)} AND purpose = ${purpose} AND code_used_at IS NULL AND code_expires_at > ${new Date()}
          RETURNING provider, claims, user_id`
      : [];
  const row = rows[0];
  const provider = row && ctx.oidc.get(row.provider);
  if (!row || !provider) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    throw new AppError('BAD_USER_INPUT', 'The sign-in code is invalid, expired or already used; start the sign-in again.', {
      fields: [{ field: 'code', message: 'Invalid, expired or used code.' }],
    });
  }
  return { provider, claims: row.claims, userId: row.user_id };
}

export async function completeProviderSignIn(ctx: Context, code: string): Promise<AuthPayload> {
  const { provider, claims } = await consumeCode(ctx, code, 'sign_in');
  return signInWithClaims(ctx, provider, claims);
}

/** Finishes a link started by linkProvider; only the user who started it can. */
export async function completeProviderLink(ctx: Context, code: string): Promise<Identity> {
  const viewer = requireViewer(ctx);
  const { provider, claims, userId } = await consumeCode(ctx, code, 'link');
  // A link started by someone else (a link URL passed to this person) links nothing here.
  if (userId !== viewer.userId) throw new ForbiddenError('This link was started by another account; start it again from your own.');
  return linkIdentity(ctx, viewer.userId, provider, claims);
}

/** Native apps: an ID token they got from the provider (for our client id, with their nonce) signs them in. */
export async function signInWithIdToken(ctx: Context, providerId: string, idToken: string, nonce: string): Promise<AuthPayload> {
  const errors = new FieldErrors();
  if (!ctx.oidc.get(providerId)) errors.add('provider', `There is no identity provider "${String(providerId).slice(0, 40)}"; see identityProviders.`);
  if (!idToken || idToken.length > ID_TOKEN_MAX) errors.add('idToken', 'Pass the ID token the provider issued.');
  if (!nonce || nonce.length > 256) errors.add('nonce', 'Pass the nonce the app sent in its authorization request.');
  errors.throwIfAny();
  const provider = providerOrThrow(ctx, providerId);
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const claims = await ctx.oidc.verifyIdToken(provider, idToken, nonce).catch((error) => {
    if (error instanceof ProviderResponseError) return null;
    throw error;
  });
  if (!claims) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'login.failed', { actorId: null, details: { method: 'oidc', provider: provider.id, reason: 'invalid_id_token' } });
    throw new AuthenticationError(`The ID token is not valid for ${provider.name} here (signature, issuer, audience, expiry or nonce).`);
  }
  if (!(await useIdTokenOnce(ctx, provider.id, idToken))) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'login.failed', { actorId: null, details: { method: 'oidc', provider: provider.id, reason: 'id_token_replayed' } });
    throw new AuthenticationError(`This ${provider.name} ID token was already used to sign in; get a new one from ${provider.name}.`);
  }
  return signInWithClaims(ctx, provider, claims);
}

/**
 * Spends a verified ID token: false when it signed in before. Its hash is
 * kept until the token's exp (checked already, so a later replay is refused
 * as expired anyway), and expired rows are dropped on the way.
 */
async function useIdTokenOnce(ctx: Context, providerId: string, idToken: string): Promise<boolean> {
  let exp: unknown;
  try {
    exp = (JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    exp = undefined;
  }
  // exp is required and was checked; a day is only the fallback for a shape this cannot read.
  const expiresAt = new Date(typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : Date.now() + 24 * 3600_000);
  await ctx.db.usedIdToken.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  const inserted = await ctx.db.$executeRaw`
    INSERT INTO used_id_tokens (token_hash, provider, expires_at)
    VALUES (${hashToken(`${providerId}:${idToken}`)}, ${providerId}, ${expiresAt})
    ON CONFLICT (token_hash) DO NOTHING`;
  return inserted === 1;
}
