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
  /** Root of local state: embedded database, generated secret, mail files, media. Default `./data`. */
  dataDir: string;
  /** PostgreSQL URL. Unset: embedded PGlite under `DATA_DIR/db`. */
  databaseUrl: string | null;
  /** HS256 secret, at least 32 bytes. Unset: generated under DATA_DIR (not in production). */
  jwtSecret: string | null;
  jwtIssuer: string;
  jwtAudience: string;
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
  };
  /** Largest request head, in bytes. Default 16384. */
  maxHeaderBytes: number;
  /** Time to receive a whole request, in milliseconds. Default 300000 (large uploads). */
  requestTimeoutMs: number;
  /** Seconds in-flight requests get to finish on SIGTERM. Default 10. */
  shutdownGraceSeconds: number;
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
  const adminEmail = str(env, 'ADMIN_EMAIL');
  const adminPassword = str(env, 'ADMIN_PASSWORD');
  if ((adminEmail === null) !== (adminPassword === null)) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  return {
    env: nodeEnv,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    publicUrl: str(env, 'PUBLIC_URL')?.replace(/\/+$/, '') ?? null,
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? 'data'),
    databaseUrl: str(env, 'DATABASE_URL'),
    jwtSecret,
    jwtIssuer: str(env, 'JWT_ISSUER') ?? 'usergraph',
    jwtAudience: str(env, 'JWT_AUDIENCE') ?? 'usergraph',
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
    bodyLimit: int(env, 'BODY_LIMIT', 1024 * 1024, 1024),
    maxPageSize: int(env, 'MAX_PAGE_SIZE', 100, 1, 1000),
    logLevel: str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'warn' : 'info'),
    redisUrl: str(env, 'REDIS_URL'),
    corsOrigins: (str(env, 'CORS_ORIGINS') ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean),
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
    throttle: {
      loginFailuresPerAccount: int(env, 'LOGIN_FAILURES_PER_ACCOUNT', 5, 1, 100),
      loginLockSeconds: int(env, 'LOGIN_LOCK_SECONDS', 60, 1, 86400),
      loginMaxLockSeconds: int(env, 'LOGIN_MAX_LOCK_SECONDS', 3600, 1, 86400),
      loginFailuresPerIp: int(env, 'LOGIN_FAILURES_PER_IP', 100, 1, 100000),
      resetRequestsPerAccount: int(env, 'RESET_REQUESTS_PER_ACCOUNT', 5, 1, 1000),
      resetRequestsPerIp: int(env, 'RESET_REQUESTS_PER_IP', 30, 1, 100000),
      tokenGuessesPerIp: int(env, 'TOKEN_GUESSES_PER_IP', 30, 1, 100000),
    },
    maxHeaderBytes: int(env, 'MAX_HEADER_BYTES', 16384, 1024, 1024 * 1024),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 300_000, 1000, 3_600_000),
    shutdownGraceSeconds: int(env, 'SHUTDOWN_GRACE_SECONDS', 10, 0, 600),
  };
}

export function publicUrlOf(config: Config, port: number): string {
  return config.publicUrl ?? `http://localhost:${port}`;
}
