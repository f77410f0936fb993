// The configured OpenID Providers, through openid-client (a certified
// relying-party library): discovery, cached for OIDC_DISCOVERY_TTL and read
// again after it (or at once after a failure), the authorization URL, the
// code exchange with its ID token checks (signature, issuer, audience, nonce,
// expiry, PKCE), and the check of an ID token a native app already holds
// (jose against the provider's JWKS). A provider that cannot be reached is
// PROVIDER_UNAVAILABLE (502), never an internal error.
import * as oidc from 'openid-client';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { OidcConfig, OidcProviderConfig } from '../../config.js';
import { AppError } from '../../common/errors.js';

/** The claims usergraph keeps from a checked ID token. */
export interface IdentityClaims {
  sub: string;
  email: string | null;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  picture: string | null;
}

export class ProviderUnavailableError extends AppError {
  constructor(providerName: string) {
    super('PROVIDER_UNAVAILABLE', `${providerName} cannot be reached right now; try again in a moment.`, { http: { status: 502 } });
  }
}

/** An answer from the provider that fails the protocol's checks (wrong state, nonce, audience, signature...). */
export class ProviderResponseError extends Error {
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
  }
}

interface Discovered {
  configuration: oidc.Configuration;
  jwks: ReturnType<typeof createRemoteJWKSet>;
  fetchedAt: number;
}

/** Whether an openid-client or jose failure means the provider could not be reached (rather than answered wrongly). */
function unreachable(error: unknown, depth = 0): boolean {
  const e = error as { code?: string; name?: string; message?: string; cause?: unknown } | null;
  if (!e || depth > 5) return false;
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || e.code === 'ERR_JWKS_TIMEOUT' || e.code === 'OAUTH_TIMEOUT') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'].includes(e.code ?? ''))
    return true;
  if (e.message === 'fetch failed') return true;
  // A 5xx from discovery, the token or the JWKS endpoint.
  if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && /\b5\d\d\b/.test(e.message ?? '')) return true;
  return unreachable(e.cause, depth + 1);
}

function stringClaim(payload: Record<string, unknown>, name: string, max = 256): string | null {
  const value = payload[name];
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null;
}

export function identityClaims(payload: Record<string, unknown>): IdentityClaims {
  const sub = payload.sub;
  if (typeof sub !== 'string' || !sub || sub.length > 255) throw new ProviderResponseError('The ID token has no usable sub claim.');
  const picture = stringClaim(payload, 'picture', 2048);
  return {
    sub,
    email: stringClaim(payload, 'email', 254)?.toLowerCase() ?? null,
    emailVerified: payload.email_verified === true || payload.email_verified === 'true',
    givenName: stringClaim(payload, 'given_name', 100),
    familyName: stringClaim(payload, 'family_name', 100),
    picture: picture && /^https?:\/\//i.test(picture) ? picture : null,
  };
}

export class OidcProviders {
  private readonly byId = new Map<string, OidcProviderConfig>();
  private readonly discovered = new Map<string, Promise<Discovered>>();

  constructor(
    private readonly config: OidcConfig,
    private readonly logger: Logger,
  ) {
    for (const provider of config.providers) this.byId.set(provider.id, provider);
  }

  /** Public id and name of every provider, in configuration order. */
  list(): Array<{ id: string; name: string }> {
    return this.config.providers.map(({ id, name }) => ({ id, name }));
  }

  get(id: string): OidcProviderConfig | undefined {
    return this.byId.get(id);
  }

  /** Discovery for one provider: cached for OIDC_DISCOVERY_TTL, shared by concurrent callers, forgotten at once when it fails. */
  private async discover(provider: OidcProviderConfig): Promise<Discovered> {
    const cached = this.discovered.get(provider.id);
    if (cached) {
      const done = await cached.catch(() => null);
      if (done && Date.now() - done.fetchedAt < this.config.discoveryTtl * 1000) return done;
      if (this.discovered.get(provider.id) !== cached) return this.discover(provider);
    }
    const pending = (async (): Promise<Discovered> => {
      const configuration = await oidc.discovery(
        new URL(provider.issuer),
        provider.clientId,
        provider.clientSecret ?? undefined,
        provider.clientSecret ? oidc.ClientSecretBasic(provider.clientSecret) : oidc.None(),
        { execute: this.config.allowInsecureIssuers ? [oidc.allowInsecureRequests] : [], timeout: this.config.httpTimeout },
      );
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) throw new ProviderResponseError(`${provider.name} publishes no jwks_uri.`);
      const jwks = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: this.config.httpTimeout * 1000, cacheMaxAge: this.config.discoveryTtl * 1000 });
      return { configuration, jwks, fetchedAt: Date.now() };
    })();
    this.discovered.set(provider.id, pending);
    pending.catch(() => {
      if (this.discovered.get(provider.id) === pending) this.discovered.delete(provider.id);
    });
    return pending;
  }

  /** Runs `work` against a provider's discovered configuration, turning an unreachable provider into PROVIDER_UNAVAILABLE. */
  private async withProvider<T>(provider: OidcProviderConfig, work: (d: Discovered) => Promise<T>): Promise<T> {
    try {
      return await work(await this.discover(provider));
    } catch (error) {
      if (error instanceof AppError || error instanceof ProviderResponseError) throw error;
      if (unreachable(error)) {
        this.logger.warn({ provider: provider.id, err: { message: (error as Error).message } }, 'OpenID provider unreachable');
        throw new ProviderUnavailableError(provider.name);
      }
      throw new ProviderResponseError((error as Error).message, error);
    }
  }

  /** The URL to send the browser to, with state, nonce and an S256 PKCE challenge. */
  authorizationUrl(provider: OidcProviderConfig, redirectUri: string, checks: { state: string; nonce: string; codeVerifier: string }): Promise<URL> {
    return this.withProvider(provider, async ({ configuration }) => {
      const params: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: provider.scopes.join(' '),
        response_type: 'code',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      };
      return oidc.buildAuthorizationUrl(configuration, params);
    });
  }

  /** Exchanges the code in `callbackUrl` and checks the ID token; returns its claims. */
  exchangeCode(provider: OidcProviderConfig, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<IdentityClaims> {
    return this.withProvider(provider, async ({ configuration }) => {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new ProviderResponseError('The provider returned no ID token.');
      return identityClaims(claims);
    });
  }

  /**
   * Checks an ID token a native app got from the provider itself: signature
   * against the provider's JWKS, issuer, audience (our client id), expiry, and
   * the nonce the app sent. Returns null when it fails any check.
   */
  verifyIdToken(provider: OidcProviderConfig, idToken: string, nonce: string): Promise<IdentityClaims | null> {
    return this.withProvider(provider, async ({ configuration, jwks }) => {
      const server = configuration.serverMetadata();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(idToken, jwks, {
          issuer: server.issuer,
          audience: provider.clientId,
          algorithms: server.id_token_signing_alg_values_supported?.filter((a) => a !== 'none') ?? ['RS256'],
          requiredClaims: ['sub', 'exp', 'iat'],
          clockTolerance: 30,
        }));
      } catch (error) {
        if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) return null;
        throw error;
      }
      // A token for several audiences must name us as its authorized party.
      if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== provider.clientId) return null;
      if (typeof payload.nonce !== 'string' || payload.nonce !== nonce) return null;
      return identityClaims(payload);
    });
  }
}
