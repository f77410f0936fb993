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
  };
}

export function publicUrlOf(config: Config, port: number): string {
  return config.publicUrl ?? `http://localhost:${port}`;
}
