// The one place that reads the environment. Everything else receives a Config.
import path from 'node:path';

export interface Config {
  /** `production` turns off the landing page, introspection and stack traces. Default `development`. */
  env: 'development' | 'production' | 'test';
  /** HTTP port. Default 4000; 0 picks a free port. */
  port: number;
  /** Interface to bind. Default `0.0.0.0`. */
  host: string;
  /** Base URL used in links (mail, REST `links`). Default `http://localhost:<port>`. */
  publicUrl: string | null;
  /**
   * Base URL of the front end that opens mailed links (`/confirm?id=&token=`,
   * `/reset-password?token=`). Default: the public URL, where the gateway serves its own pages.
   */
  appUrl: string | null;
  /** Root of local state: embedded database, generated secret, mail files, media. Default `./data`. */
  dataDir: string;
  /** PostgreSQL URL. Unset: embedded PGlite under `DATA_DIR/db`. */
  databaseUrl: string | null;
  /** Seconds start-up keeps retrying a database that does not answer yet, with backoff; 0 tries once. Default 60. */
  databaseStartupTimeout: number;
  /** Longest a PostgreSQL statement, or a whole interactive transaction, may take before it fails (503). Default 10000. */
  databaseStatementTimeoutMs: number;
  /** Longest wait for a new PostgreSQL connection or a free pooled one before the request fails (503). Default 5000. */
  databaseConnectTimeoutMs: number;
  /** HS256 secret, at least 32 bytes. Unset: generated under DATA_DIR (not in production). */
  jwtSecret: string | null;
  jwtIssuer: string;
  jwtAudience: string;
  /** Algorithm of new access tokens: `ES256`, `RS256`, `EdDSA` (keys in the database) or `HS256` (JWT_SECRET). Default `ES256`. */
  jwtAlgorithm: 'ES256' | 'RS256' | 'EdDSA' | 'HS256';
  /** Days a signing key signs before the next one takes over; 0 rotates only by the admin mutation. Default 30. */
  jwtKeyRotationDays: number;
  /** Seconds a new signing key is published in the JWKS before it signs. Default 3600. */
  jwtKeyPublishAheadSeconds: number;
  /** Operator-supplied signing keys (PEM private key, JWK or JWK Set); the gateway then neither generates nor rotates keys. Default: unset. */
  jwtSigningKeysFile: string | null;
  /** Encrypts signing keys' private parts and keys the API-key hash, at least 32 bytes. Unset: generated under DATA_DIR (not in production). */
  keyEncryptionKey: string | null;
  /** Access token lifetime in seconds. Default 900 (15 minutes). */
  accessTokenTtl: number;
  /** Refresh token (session) lifetime in seconds. Default 30 days. */
  refreshTokenTtl: number;
  /** Seconds during which a just-rotated refresh token is still accepted (concurrent refreshes). Default 10. */
  refreshReuseGrace: number;
  /** How long a live session read by authenticate() is trusted without reading it again, in ms; 0 disables. Revocations on another replica take effect within this. Default 1000. */
  sessionCacheTtlMs: number;
  /** bcrypt cost factor. Default 10. */
  bcryptCost: number;
  /** Confirmation token lifetime in seconds. Default 48 hours. */
  confirmationTokenTtl: number;
  /** Password-reset token lifetime in seconds. Default 1 hour. */
  resetTokenTtl: number;
  requireEmailConfirmation: boolean;
  smtpUrl: string | null;
  mailFrom: string;
  adminEmail: string | null;
  adminPassword: string | null;
  introspection: boolean;
  landingPage: boolean;
  /** The landing page's explorer: Apollo Sandbox from Apollo's CDN (falls back to GraphiQL offline), or GraphiQL from the installed packages. Default `sandbox`. */
  graphqlExplorer: 'sandbox' | 'graphiql';
  /** Serve the schema as an Apollo Federation 2 subgraph (`_service`, `_entities`, `@key`s). Default false. */
  federation: boolean;
  /** Largest JSON body accepted, in bytes. Default 1 MiB. */
  bodyLimit: number;
  /** Largest page an admin listing returns. Default 100. */
  maxPageSize: number;
  logLevel: string;
  /** Redis for rate-limit counters instead of the database. Unset: counters live in the database. */
  redisUrl: string | null;
  /** Origins allowed by CORS (comma-separated `CORS_ORIGINS`); `*` allows any origin without credentials. Default: none. */
  corsOrigins: string[];
  /** Express `trust proxy` (hops in front of the gateway), so client IPs are right behind a load balancer. Default 0. */
  trustProxy: number;
  /** Bearer token that /metrics requires. Unset: /metrics is open outside production and off in production. */
  metricsToken: string | null;
  graphql: {
    /** Default 12. */ maxDepth: number;
    /** Default 15. */ maxAliases: number;
    /** Default 50. */ maxDirectives: number;
    /** Default 2000. */ maxTokens: number;
    /** Default 5000. */ maxCost: number;
    /** "Did you mean ...?" hints in validation errors. Default on outside production. */
    fieldSuggestions: boolean;
  };
  /** Limits on the arguments of every operation (GraphQL and REST); see src/graphql/input-guard.ts. */
  input: {
    /** Most items in one list argument, or keys in one JSON object. Default 1000. */
    maxListLength: number;
    /** Deepest nesting of lists and objects in arguments and JSON bodies. Default 32. */
    maxDepth: number;
    /** Most bytes of JSON all of one user's preferences may hold together. Default 256 KiB. */
    preferencesTotalBytes: number;
  };
  throttle: {
    /** Failed logins on one account before it is locked. Default 5. */
    loginFailuresPerAccount: number;
    /** First lock, in seconds; each further lock within 24 h doubles it. Default 60. */
    loginLockSeconds: number;
    /** Longest lock, in seconds. Default 3600. */
    loginMaxLockSeconds: number;
    /** Failed logins from one IP per hour before it is locked for the hour. Default 100. */
    loginFailuresPerIp: number;
    /** Password-reset (and confirmation resend) requests per account per hour. Default 5. */
    resetRequestsPerAccount: number;
    /** Password-reset requests per IP per hour. Default 30. */
    resetRequestsPerIp: number;
    /** Wrong tokens (refresh, reset, confirmation) per IP per 10 minutes. Default 30. */
    tokenGuessesPerIp: number;
    /** Registrations from one IP per hour. Default 30. */
    registrationsPerIp: number;
    /** Passkey sign-ins started without an MFA ticket (each stores a challenge) per IP per 10 minutes. Default 60. */
    passkeySignInsPerIp: number;
  };
  /** Largest request head, in bytes. Default 16384. */
  maxHeaderBytes: number;
  /** Time to receive a whole request, in milliseconds. Default 300000 (large uploads). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open, in ms; above a load balancer's idle timeout (60 s on most). Default 65000. */
  keepAliveTimeoutMs: number;
  /** Time to receive a request's headers, in ms; above the keep-alive timeout and at most the request timeout. Default keep-alive + 1000. */
  headersTimeoutMs: number;
  /** Seconds in-flight requests get to finish on SIGTERM. Default 10. */
  shutdownGraceSeconds: number;
  media: MediaConfig;
  subscriptions: SubscriptionsConfig;
  webhooks: WebhooksConfig;
  webauthn: WebAuthnConfig;
  signInCode: SignInCodeConfig;
  oidc: OidcConfig;
  mfa: MfaConfig;
}

/** Multi-factor authentication (README "Multi-factor authentication"). */
export interface MfaConfig {
  /** Minutes a sign-in (or reauthenticate) counts as recent for sensitive operations (`REAUTH_MAX_AGE_MINUTES`). Default 10. */
  reauthMaxAgeMinutes: number;
  /** Seconds an MFA ticket (first factor passed, second awaited) stays usable (`MFA_TICKET_TTL_SECONDS`). Default 300. */
  ticketTtlSeconds: number;
  /** Admins must enrol a second factor and sign in with it before admin operations (`MFA_REQUIRED_FOR_ADMINS`). Default false. */
  requiredForAdmins: boolean;
  /** Issuer shown by authenticator apps for TOTP factors (`MFA_TOTP_ISSUER`). Default `usergraph`. */
  totpIssuer: string;
}

/** Passkeys (README "Passkeys"). Unset values are derived from APP_URL and PUBLIC_URL when a ceremony starts. */
export interface WebAuthnConfig {
  /** Relying-party id, a host name (`WEBAUTHN_RP_ID`). Default: the host of APP_URL, else of PUBLIC_URL (`localhost` when that is unset). */
  rpId: string | null;
  /** Name authenticators show (`WEBAUTHN_RP_NAME`). Default `usergraph`. */
  rpName: string;
  /** Origins whose ceremonies are accepted (`WEBAUTHN_ORIGINS`, comma-separated). Default: the origins of APP_URL and PUBLIC_URL. */
  origins: string[];
  /** Seconds a ceremony's challenge stays valid (`WEBAUTHN_CHALLENGE_TTL`). Default 300. */
  challengeTtlSeconds: number;
}

/** Sign-in codes and links by mail (README "Sign-in by email code"). */
export interface SignInCodeConfig {
  /** Seconds a mailed code and link stay valid (`SIGN_IN_CODE_TTL`). Default 600 (10 minutes). */
  ttlSeconds: number;
  /** Wrong codes one mailed code survives before it is void (`SIGN_IN_CODE_MAX_ATTEMPTS`). Default 5. */
  maxAttempts: number;
}

function webauthnOrigins(env: Env): string[] {
  return commaList(env, 'WEBAUTHN_ORIGINS').map((origin) => {
    const url = parseUrl(origin);
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin.replace(/\/+$/, '')) {
      throw new ConfigError(`WEBAUTHN_ORIGINS must be comma-separated origins such as https://app.example.com (scheme, host and port only), got "${origin}"`);
    }
    return url.origin;
  });
}

function webauthnRpId(env: Env): string | null {
  const raw = str(env, 'WEBAUTHN_RP_ID');
  if (raw !== null && !/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(raw)) {
    throw new ConfigError(`WEBAUTHN_RP_ID must be a host name such as example.com (no scheme, port or path), got "${raw}"`);
  }
  return raw?.toLowerCase() ?? null;
}

/** One OpenID Provider from `OIDC_PROVIDERS`. */
export interface OidcProviderConfig {
  /** Short name in URLs and the API (`/auth/oidc/<id>/callback`): lower-case letters, digits, `-` and `_`. */
  id: string;
  /** What the sign-in button says. */
  name: string;
  /** Issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Client secret (client_secret_basic); null for a public client (PKCE only). Never logged or returned. */
  clientSecret: string | null;
  /** Scopes asked for; always includes `openid`. Default `openid email profile`. */
  scopes: string[];
}

/** Sign-in through OpenID Connect providers (README "Sign-in with OpenID Connect providers"). */
export interface OidcConfig {
  /** `OIDC_PROVIDERS`, a JSON array. Default: none. */
  providers: OidcProviderConfig[];
  /** SPA URLs a sign-in may return to (`OIDC_REDIRECT_URLS`, comma-separated), compared by origin and path. Default: none. */
  redirectUrls: string[];
  /** First sign-in with an unknown identity creates an account (`OIDC_ALLOW_SIGNUP`). Default true. */
  allowSignup: boolean;
  /** Accept http:// issuers and endpoints (`OIDC_ALLOW_INSECURE_ISSUERS`); refused in production. Default false. */
  allowInsecureIssuers: boolean;
  /** Seconds a provider's discovery document and keys are kept before they are read again (`OIDC_DISCOVERY_TTL`). Default 3600. */
  discoveryTtl: number;
  /** Seconds a started sign-in (its state, nonce and PKCE verifier) stays usable (`OIDC_FLOW_TTL`). Default 600. */
  flowTtl: number;
  /** Seconds the one-time code handed to the SPA stays usable (`OIDC_CODE_TTL`). Default 60. */
  codeTtl: number;
  /** Seconds one request to a provider may take (`OIDC_HTTP_TIMEOUT`). Default 10. */
  httpTimeout: number;
}

const OIDC_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

function oidcProviders(env: Env, allowInsecure: boolean): OidcProviderConfig[] {
  const raw = str(env, 'OIDC_PROVIDERS');
  if (raw === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The raw value holds client secrets: never echo it.
    throw new ConfigError(
      'OIDC_PROVIDERS must be a JSON array of { "id", "name", "issuer", "clientId", "clientSecret", "scopes" } objects (it is not valid JSON)',
    );
  }
  if (!Array.isArray(parsed)) throw new ConfigError('OIDC_PROVIDERS must be a JSON array of provider objects');
  const seen = new Set<string>();
  return parsed.map((entry: unknown, index) => {
    const at = `OIDC_PROVIDERS[${index}]`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new ConfigError(`${at} must be an object`);
    const p = entry as Record<string, unknown>;
    const unknown = Object.keys(p).filter((k) => !['id', 'name', 'issuer', 'clientId', 'clientSecret', 'scopes'].includes(k));
    if (unknown.length) throw new ConfigError(`${at} has unknown key(s) ${unknown.join(', ')}; allowed: id, name, issuer, clientId, clientSecret, scopes`);
    if (typeof p.id !== 'string' || !OIDC_ID.test(p.id)) {
      throw new ConfigError(`${at}.id must be 1 to 32 lower-case letters, digits, "-" or "_", starting with a letter or digit`);
    }
    if (seen.has(p.id)) throw new ConfigError(`${at}.id "${p.id}" is used twice`);
    seen.add(p.id);
    const name = typeof p.name === 'string' ? p.name.trim() : '';
    if (!name || name.length > 100) throw new ConfigError(`${at}.name (provider "${p.id}") must be a non-empty string of at most 100 characters`);
    const issuer = typeof p.issuer === 'string' ? parseUrl(p.issuer) : null;
    if (!issuer || (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') || issuer.search || issuer.hash) {
      throw new ConfigError(`${at}.issuer (provider "${p.id}") must be an absolute https URL without query or fragment`);
    }
    if (issuer.protocol === 'http:' && !allowInsecure) {
      throw new ConfigError(`${at}.issuer (provider "${p.id}") must use https (OIDC_ALLOW_INSECURE_ISSUERS=true allows http outside production)`);
    }
    if (typeof p.clientId !== 'string' || !p.clientId.trim()) throw new ConfigError(`${at}.clientId (provider "${p.id}") must be a non-empty string`);
    if (p.clientSecret !== undefined && p.clientSecret !== null && (typeof p.clientSecret !== 'string' || !p.clientSecret)) {
      throw new ConfigError(`${at}.clientSecret (provider "${p.id}") must be a non-empty string, or left out for a public client`);
    }
    let scopes = ['openid', 'email', 'profile'];
    if (p.scopes !== undefined) {
      if (!Array.isArray(p.scopes) || !p.scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))) {
        throw new ConfigError(`${at}.scopes (provider "${p.id}") must be an array of scope names`);
      }
      scopes = p.scopes as string[];
      if (!scopes.includes('openid')) throw new ConfigError(`${at}.scopes (provider "${p.id}") must include "openid"`);
    }
    return { id: p.id, name, issuer: p.issuer as string, clientId: p.clientId, clientSecret: (p.clientSecret as string | undefined) ?? null, scopes };
  });
}

function oidcRedirectUrls(env: Env): string[] {
  return commaList(env, 'OIDC_REDIRECT_URLS').map((u) => {
    const url = parseUrl(u);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash || url.username || url.password) {
      throw new ConfigError(`OIDC_REDIRECT_URLS must be comma-separated absolute http(s) URLs without query, fragment or credentials, got "${u}"`);
    }
    return url.origin + url.pathname;
  });
}

function loadOidcConfig(env: Env, production: boolean): OidcConfig {
  const allowInsecureIssuers = bool(env, 'OIDC_ALLOW_INSECURE_ISSUERS', false);
  if (allowInsecureIssuers && production) {
    throw new ConfigError('OIDC_ALLOW_INSECURE_ISSUERS must not be on in production: providers must be reached over https');
  }
  const providers = oidcProviders(env, allowInsecureIssuers);
  const redirectUrls = oidcRedirectUrls(env);
  if (providers.length && !redirectUrls.length) {
    throw new ConfigError('OIDC_REDIRECT_URLS must list the front-end URLs a provider sign-in may return to when OIDC_PROVIDERS is set');
  }
  return {
    providers,
    redirectUrls,
    allowSignup: bool(env, 'OIDC_ALLOW_SIGNUP', true),
    allowInsecureIssuers,
    discoveryTtl: int(env, 'OIDC_DISCOVERY_TTL', 3600, 10, 7 * 86400),
    flowTtl: int(env, 'OIDC_FLOW_TTL', 600, 30, 3600),
    codeTtl: int(env, 'OIDC_CODE_TTL', 60, 5, 600),
    httpTimeout: int(env, 'OIDC_HTTP_TIMEOUT', 10, 1, 120),
  };
}

/** Outbound webhooks (README "Webhooks"). */
export interface WebhooksConfig {
  /** Deliver to loopback, private, link-local and metadata addresses (`WEBHOOK_ALLOW_PRIVATE_TARGETS`). Default false. */
  allowPrivateTargets: boolean;
  /** Seconds before each retry (`WEBHOOK_RETRY_SCHEDULE`, comma-separated); after the last the delivery is FAILED. Default 5,300,1800,7200,18000,36000,36000. */
  retrySchedule: number[];
  /** Milliseconds a receiver has to answer (`WEBHOOK_TIMEOUT_MS`). Default 10000. */
  timeoutMs: number;
  /** Bytes of a receiver's answer read at most (`WEBHOOK_MAX_RESPONSE_BYTES`). Default 65536. */
  maxResponseBytes: number;
  /** Deliveries this process sends at once (`WEBHOOK_WORKERS`); 0 sends none. Default 2. */
  workers: number;
  /** Milliseconds between looks for due deliveries when idle (`WEBHOOK_POLL_INTERVAL_MS`). Default 2000. */
  pollIntervalMs: number;
  /** Deliveries in a row that end FAILED before the endpoint is disabled (`WEBHOOK_DISABLE_AFTER_FAILURES`). Default 5. */
  disableAfterFailures: number;
  /** Key for the stored signing secrets, at least 32 bytes (`WEBHOOK_ENCRYPTION_KEY`). Unset: derived from KEY_ENCRYPTION_KEY (HKDF). */
  encryptionKey: string | null;
}

const SVIX_SCHEDULE = '5,300,1800,7200,18000,36000,36000';

function retrySchedule(env: Env): number[] {
  const raw = str(env, 'WEBHOOK_RETRY_SCHEDULE') ?? SVIX_SCHEDULE;
  const delays = raw.split(',').map((d) => Number(d.trim()));
  if (!delays.length || delays.length > 50 || delays.some((d) => !Number.isFinite(d) || d < 0.1 || d > 7 * 86400)) {
    throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE must be 1 to 50 comma-separated delays in seconds, each from 0.1 to 604800, got "${raw}"`);
  }
  return delays;
}

/** GraphQL subscriptions over WebSocket (README "Subscriptions"). */
export interface SubscriptionsConfig {
  /** Open sockets one user may hold (`WS_MAX_CONNECTIONS_PER_USER`). Default 10. */
  maxConnectionsPerUser: number;
  /** Open sockets from one client IP, signed in or not (`WS_MAX_CONNECTIONS_PER_IP`). Default 50. */
  maxConnectionsPerIp: number;
  /** Subscriptions running at once on one socket (`WS_MAX_SUBSCRIPTIONS_PER_CONNECTION`). Default 20. */
  maxSubscriptionsPerConnection: number;
  /** Largest message a client may send, in bytes (`WS_MAX_MESSAGE_BYTES`). Default 65536. */
  maxMessageBytes: number;
  /** Milliseconds between pings; a socket that does not answer within as long is dropped (`WS_PING_INTERVAL_MS`). Default 12000. */
  pingIntervalMs: number;
  /** Milliseconds a new socket has to send `connection_init` (`WS_INIT_TIMEOUT_MS`). Default 5000. */
  initTimeoutMs: number;
  /** Seconds between checks that a socket's session is still live, besides the revocation events (`WS_AUTH_RECHECK_SECONDS`). Default 60. */
  authRecheckSeconds: number;
}

/** Uploads, avatars and the video trim workers (docs/media.md). */
export interface MediaConfig {
  /** Largest video upload in bytes (`VIDEO_MAX_BYTES`). Default 500 MB. */
  videoMaxBytes: number;
  /** Files accepted in one multipart request (`UPLOAD_MAX_FILES`). Default 1. */
  uploadMaxFiles: number;
  /** Longest source video in seconds (`VIDEO_MAX_DURATION`). Default 7200 (2 h). */
  videoMaxDuration: number;
  /** Videos a user may have queued or processing at once (`VIDEO_MAX_QUEUED_PER_USER`). Default 5. */
  videoMaxQueuedPerUser: number;
  /** Trim jobs this process runs at once (`VIDEO_WORKERS`); 0 runs none. Default 1. */
  videoWorkers: number;
  /** Seconds a claimed job stays locked without renewal (`VIDEO_LEASE_SECONDS`). Default 60. */
  videoLeaseSeconds: number;
  /** Milliseconds between polls for new jobs when idle (`VIDEO_POLL_INTERVAL_MS`). Default 1000. */
  videoPollIntervalMs: number;
  /** Attempts before a job is FAILED (`VIDEO_MAX_ATTEMPTS`). Default 3. */
  videoMaxAttempts: number;
  /** Milliseconds before a failed job is retried, times the attempts so far (`VIDEO_RETRY_DELAY_MS`). Default 10000. */
  videoRetryDelayMs: number;
  /** Seconds one ffmpeg run may take (`FFMPEG_TIMEOUT`). Default 3600. */
  ffmpegTimeout: number;
  /** x264 preset for the re-encode (`VIDEO_FFMPEG_PRESET`). Default `veryfast`. */
  ffmpegPreset: string;
  /** ffmpeg and ffprobe binaries (`FFMPEG_PATH`, `FFPROBE_PATH`). Default: the ones shipped by the npm packages. */
  ffmpegPath: string | null;
  ffprobePath: string | null;
  /** Largest avatar in bytes (`AVATAR_MAX_BYTES`). Default 5 MB. */
  avatarMaxBytes: number;
  /** Largest avatar in pixels, width times height (`AVATAR_MAX_PIXELS`). Default 40 million. */
  avatarMaxPixels: number;
}

/**
 * The body size that fits a base64 avatar of AVATAR_MAX_BYTES (4 characters
 * per 3 bytes) with 64 KiB for the rest of the request, and at least BODY_LIMIT.
 */
export function avatarBodyLimit(config: Pick<Config, 'bodyLimit' | 'media'>): number {
  return Math.max(config.bodyLimit, Math.ceil(config.media.avatarMaxBytes / 3) * 4 + 64 * 1024);
}

const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];

function loadMediaConfig(env: Env): MediaConfig {
  const ffmpegPreset = str(env, 'VIDEO_FFMPEG_PRESET') ?? 'veryfast';
  if (!X264_PRESETS.includes(ffmpegPreset)) {
    throw new ConfigError(`VIDEO_FFMPEG_PRESET must be one of ${X264_PRESETS.join(', ')}, got "${ffmpegPreset}"`);
  }
  return {
    videoMaxBytes: int(env, 'VIDEO_MAX_BYTES', 500 * 1000 * 1000, 1),
    uploadMaxFiles: int(env, 'UPLOAD_MAX_FILES', 1, 1, 10),
    videoMaxDuration: int(env, 'VIDEO_MAX_DURATION', 2 * 3600, 1),
    videoMaxQueuedPerUser: int(env, 'VIDEO_MAX_QUEUED_PER_USER', 5, 1),
    videoWorkers: int(env, 'VIDEO_WORKERS', 1, 0, 64),
    videoLeaseSeconds: int(env, 'VIDEO_LEASE_SECONDS', 60, 1, 3600),
    videoPollIntervalMs: int(env, 'VIDEO_POLL_INTERVAL_MS', 1000, 10, 600_000),
    videoMaxAttempts: int(env, 'VIDEO_MAX_ATTEMPTS', 3, 1, 100),
    videoRetryDelayMs: int(env, 'VIDEO_RETRY_DELAY_MS', 10_000, 0, 3_600_000),
    ffmpegTimeout: int(env, 'FFMPEG_TIMEOUT', 3600, 1),
    ffmpegPreset,
    ffmpegPath: str(env, 'FFMPEG_PATH'),
    ffprobePath: str(env, 'FFPROBE_PATH'),
    avatarMaxBytes: int(env, 'AVATAR_MAX_BYTES', 5 * 1000 * 1000, 1),
    avatarMaxPixels: int(env, 'AVATAR_MAX_PIXELS', 40_000_000, 1),
  };
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function str(env: Env, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

/** The comma-separated entries of variable `name`, trimmed, empty ones dropped; none when it is unset. */
function commaList(env: Env, name: string): string[] {
  return (str(env, name) ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** `raw` as a URL, or null when it is not one (the caller reports it with its own message). */
function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** `raw`, read from variable `name`, checked to be an absolute http(s) URL; without its trailing slash. */
function httpUrl(name: string, raw: string | null): string | null {
  if (raw === null) return null;
  const url = parseUrl(raw);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash) {
    throw new ConfigError(`${name} must be an absolute http or https URL without query or fragment, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const production = nodeEnv === 'production';
  const jwtSecret = str(env, 'JWT_SECRET');
  if (jwtSecret !== null && Buffer.byteLength(jwtSecret) < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 bytes long');
  }
  if (jwtSecret === null && production) {
    throw new ConfigError('JWT_SECRET is required in production (at least 32 bytes)');
  }
  const keyEncryptionKey = str(env, 'KEY_ENCRYPTION_KEY');
  if (keyEncryptionKey !== null && Buffer.byteLength(keyEncryptionKey) < 32) {
    throw new ConfigError('KEY_ENCRYPTION_KEY must be at least 32 bytes long');
  }
  if (keyEncryptionKey === null && production) {
    throw new ConfigError('KEY_ENCRYPTION_KEY is required in production (at least 32 bytes, e.g. openssl rand -hex 32; not the JWT secret)');
  }
  if (keyEncryptionKey !== null && keyEncryptionKey === jwtSecret) {
    throw new ConfigError('KEY_ENCRYPTION_KEY must differ from JWT_SECRET');
  }
  const jwtAlgorithm = str(env, 'JWT_ALGORITHM') ?? 'ES256';
  if (!['ES256', 'RS256', 'EdDSA', 'HS256'].includes(jwtAlgorithm)) {
    throw new ConfigError(`JWT_ALGORITHM must be ES256, RS256, EdDSA or HS256, got "${jwtAlgorithm}"`);
  }
  const webhookKey = str(env, 'WEBHOOK_ENCRYPTION_KEY');
  if (webhookKey !== null && Buffer.byteLength(webhookKey) < 32) {
    throw new ConfigError('WEBHOOK_ENCRYPTION_KEY must be at least 32 bytes long');
  }
  const adminEmail = str(env, 'ADMIN_EMAIL');
  const adminPassword = str(env, 'ADMIN_PASSWORD');
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const graphqlExplorer = str(env, 'GRAPHQL_EXPLORER') ?? 'sandbox';
  if (graphqlExplorer !== 'sandbox' && graphqlExplorer !== 'graphiql') {
    throw new ConfigError(`GRAPHQL_EXPLORER must be sandbox or graphiql, got "${graphqlExplorer}"`);
  }
  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', 300_000, 1000, 3_600_000);
  const keepAliveTimeoutMs = int(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 1000, 600_000);
  const headersTimeoutMs = int(env, 'HEADERS_TIMEOUT_MS', Math.min(keepAliveTimeoutMs + 1000, requestTimeoutMs), 1000, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  if (str(env, 'HEADERS_TIMEOUT_MS') !== null && headersTimeoutMs <= keepAliveTimeoutMs) {
    throw new ConfigError(`HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must be greater than KEEP_ALIVE_TIMEOUT_MS (${keepAliveTimeoutMs})`);
  }
  return {
    env: nodeEnv,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    publicUrl: str(env, 'PUBLIC_URL')?.replace(/\/+$/, '') ?? null,
    appUrl: httpUrl('APP_URL', str(env, 'APP_URL')),
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? 'data'),
    databaseUrl: str(env, 'DATABASE_URL'),
    databaseStartupTimeout: int(env, 'DATABASE_STARTUP_TIMEOUT', 60, 0, 3600),
    databaseStatementTimeoutMs: int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000),
    databaseConnectTimeoutMs: int(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 600_000),
    jwtSecret,
    jwtIssuer: str(env, 'JWT_ISSUER') ?? 'usergraph',
    jwtAudience: str(env, 'JWT_AUDIENCE') ?? 'usergraph',
    jwtAlgorithm: jwtAlgorithm as Config['jwtAlgorithm'],
    jwtKeyRotationDays: int(env, 'JWT_KEY_ROTATION_DAYS', 30, 0, 3650),
    jwtKeyPublishAheadSeconds: int(env, 'JWT_KEY_PUBLISH_AHEAD_SECONDS', 3600, 1, 30 * 86400),
    jwtSigningKeysFile: str(env, 'JWT_SIGNING_KEYS_FILE'),
    keyEncryptionKey,
    accessTokenTtl: int(env, 'ACCESS_TOKEN_TTL', 900, 10, 86400),
    refreshTokenTtl: int(env, 'REFRESH_TOKEN_TTL', 30 * 86400, 60),
    refreshReuseGrace: int(env, 'REFRESH_REUSE_GRACE', 10, 0, 300),
    sessionCacheTtlMs: int(env, 'SESSION_CACHE_TTL_MS', 1000, 0, 60_000),
    bcryptCost: int(env, 'BCRYPT_COST', 10, 4, 15),
    confirmationTokenTtl: int(env, 'CONFIRMATION_TOKEN_TTL', 48 * 3600, 60),
    resetTokenTtl: int(env, 'RESET_TOKEN_TTL', 3600, 60),
    requireEmailConfirmation: bool(env, 'REQUIRE_EMAIL_CONFIRMATION', false),
    smtpUrl: str(env, 'SMTP_URL'),
    mailFrom: str(env, 'MAIL_FROM') ?? 'usergraph <no-reply@localhost>',
    adminEmail,
    adminPassword,
    introspection: bool(env, 'GRAPHQL_INTROSPECTION', !production),
    landingPage: bool(env, 'GRAPHQL_LANDING_PAGE', !production),
    graphqlExplorer,
    federation: bool(env, 'FEDERATION', false),
    bodyLimit: int(env, 'BODY_LIMIT', 1024 * 1024, 1024),
    maxPageSize: int(env, 'MAX_PAGE_SIZE', 100, 1, 1000),
    logLevel: str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    redisUrl: str(env, 'REDIS_URL'),
    corsOrigins: commaList(env, 'CORS_ORIGINS')
      .map((o) => o.replace(/\/+$/, ''))
      .filter(Boolean),
    trustProxy: int(env, 'TRUST_PROXY', 0, 0, 10),
    metricsToken: str(env, 'METRICS_TOKEN'),
    graphql: {
      maxDepth: int(env, 'GRAPHQL_MAX_DEPTH', 12, 2, 100),
      maxAliases: int(env, 'GRAPHQL_MAX_ALIASES', 15, 1, 1000),
      maxDirectives: int(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 1, 1000),
      maxTokens: int(env, 'GRAPHQL_MAX_TOKENS', 2000, 100, 100000),
      maxCost: int(env, 'GRAPHQL_MAX_COST', 5000, 10, 1000000),
      fieldSuggestions: bool(env, 'GRAPHQL_FIELD_SUGGESTIONS', !production),
    },
    input: {
      maxListLength: int(env, 'INPUT_MAX_LIST_LENGTH', 1000, 1, 100_000),
      maxDepth: int(env, 'INPUT_MAX_DEPTH', 32, 4, 1000),
      preferencesTotalBytes: int(env, 'PREFERENCES_TOTAL_BYTES', 256 * 1024, 1024),
    },
    throttle: {
      loginFailuresPerAccount: int(env, 'LOGIN_FAILURES_PER_ACCOUNT', 5, 1, 100),
      loginLockSeconds: int(env, 'LOGIN_LOCK_SECONDS', 60, 1, 86400),
      loginMaxLockSeconds: int(env, 'LOGIN_MAX_LOCK_SECONDS', 3600, 1, 86400),
      loginFailuresPerIp: int(env, 'LOGIN_FAILURES_PER_IP', 100, 1, 100000),
      resetRequestsPerAccount: int(env, 'RESET_REQUESTS_PER_ACCOUNT', 5, 1, 1000),
      resetRequestsPerIp: int(env, 'RESET_REQUESTS_PER_IP', 30, 1, 100000),
      tokenGuessesPerIp: int(env, 'TOKEN_GUESSES_PER_IP', 30, 1, 100000),
      registrationsPerIp: int(env, 'REGISTRATIONS_PER_IP', 30, 1, 100000),
      passkeySignInsPerIp: int(env, 'PASSKEY_SIGN_INS_PER_IP', 60, 1, 100000),
    },
    maxHeaderBytes: int(env, 'MAX_HEADER_BYTES', 16384, 1024, 1024 * 1024),
    requestTimeoutMs,
    keepAliveTimeoutMs,
    headersTimeoutMs,
    shutdownGraceSeconds: int(env, 'SHUTDOWN_GRACE_SECONDS', 10, 0, 600),
    media: loadMediaConfig(env),
    subscriptions: {
      maxConnectionsPerUser: int(env, 'WS_MAX_CONNECTIONS_PER_USER', 10, 1, 10_000),
      maxConnectionsPerIp: int(env, 'WS_MAX_CONNECTIONS_PER_IP', 50, 1, 100_000),
      maxSubscriptionsPerConnection: int(env, 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 1000),
      maxMessageBytes: int(env, 'WS_MAX_MESSAGE_BYTES', 65_536, 1024, 16 * 1024 * 1024),
      pingIntervalMs: int(env, 'WS_PING_INTERVAL_MS', 12_000, 100, 600_000),
      initTimeoutMs: int(env, 'WS_INIT_TIMEOUT_MS', 5000, 100, 600_000),
      authRecheckSeconds: int(env, 'WS_AUTH_RECHECK_SECONDS', 60, 1, 3600),
    },
    webhooks: {
      allowPrivateTargets: bool(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS', false),
      retrySchedule: retrySchedule(env),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      maxResponseBytes: int(env, 'WEBHOOK_MAX_RESPONSE_BYTES', 65_536, 0, 16 * 1024 * 1024),
      workers: int(env, 'WEBHOOK_WORKERS', 2, 0, 64),
      pollIntervalMs: int(env, 'WEBHOOK_POLL_INTERVAL_MS', 2000, 10, 600_000),
      disableAfterFailures: int(env, 'WEBHOOK_DISABLE_AFTER_FAILURES', 5, 1, 10_000),
      encryptionKey: webhookKey,
    },
    webauthn: {
      rpId: webauthnRpId(env),
      rpName: str(env, 'WEBAUTHN_RP_NAME') ?? 'usergraph',
      origins: webauthnOrigins(env),
      challengeTtlSeconds: int(env, 'WEBAUTHN_CHALLENGE_TTL', 300, 30, 3600),
    },
    signInCode: {
      ttlSeconds: int(env, 'SIGN_IN_CODE_TTL', 600, 1, 3600),
      maxAttempts: int(env, 'SIGN_IN_CODE_MAX_ATTEMPTS', 5, 1, 20),
    },
    oidc: loadOidcConfig(env, production),
    mfa: {
      reauthMaxAgeMinutes: int(env, 'REAUTH_MAX_AGE_MINUTES', 10, 1, 7 * 24 * 60),
      ticketTtlSeconds: int(env, 'MFA_TICKET_TTL_SECONDS', 300, 30, 3600),
      requiredForAdmins: bool(env, 'MFA_REQUIRED_FOR_ADMINS', false),
      totpIssuer: str(env, 'MFA_TOTP_ISSUER') ?? 'usergraph',
    },
  };
}

export function publicUrlOf(config: Config, port: number): string {
  return config.publicUrl ?? `http://localhost:${port}`;
}
