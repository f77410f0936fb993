// The per-request context shared by GraphQL resolvers and REST routes.
// Authentication happens once, here: a bad or missing token gives
// `viewer = null`; authorisation happens later, in the services.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { AccessTokens } from '../auth/tokens.js';
import type { LiveSession, SessionCache } from '../auth/session-cache.js';
import type { Mailer } from '../mail/mailer.js';
import type { Throttle } from '../security/throttle.js';
import type { MediaServices } from '../media/media-services.js';
import { createLoaders, type Loaders } from './loaders.js';

export const ADMIN_ROLE = 'admin';

export interface Viewer {
  userId: number;
  sessionId: string;
  roles: string[];
  isAdmin: boolean;
}

/** What lives as long as the process: built once in the composition root. */
export interface AppDeps {
  config: Config;
  db: PrismaClient;
  hasher: PasswordHasher;
  tokens: AccessTokens;
  mailer: Mailer;
  logger: Logger;
  throttle: Throttle;
  /** Live sessions recently read, so authenticate() need not read them on every request. */
  sessionCache: SessionCache;
  /** Base URL for links in mail and REST documents. */
  publicUrl: string;
  /** Media storage, ffmpeg binaries and the trim workers' wake-up call. */
  media: MediaServices;
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  /** The Accept-Language header, for the language of mails this request sends. */
  acceptLanguage?: string | null;
}

/** An API client that proved its credentials on this request. */
export interface ClientApplication {
  id: number;
  name: string;
}

export interface Context extends AppDeps {
  /** Notes for the HTTP layer's metrics (never read by services). */
  telemetry?: { operation?: string };
  viewer: Viewer | null;
  loaders: Loaders;
  request: RequestInfo;
  /**
   * Set only by a transport that checked application credentials (REST dialect
   * 001's `application_id <uid>, client_secret <secret>`); a login then records
   * the application on its session. Null on /graphql.
   */
  application: ClientApplication | null;
}

export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1] : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The session if it is live and its user active and not deleted, with the
 * user's role names: one statement (the Prisma relation query took four).
 */
async function readLiveSession(db: PrismaClient, sessionId: string, userId: number): Promise<LiveSession | null> {
  if (!UUID.test(sessionId)) return null;
  const rows = await db.$queryRaw<{ user_id: number; revoked_at: Date | null; expires_at: Date; active: boolean; deleted_at: Date | null; roles: string[] }[]>`
    SELECT s.user_id, s.revoked_at, s.expires_at, u.active, u.deleted_at,
           coalesce(array_agg(r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    LEFT JOIN user_roles ur ON ur.user_id = u.id
    LEFT JOIN roles r ON r.id = ur.role_id
    WHERE s.id = ${sessionId}::uuid
    GROUP BY s.user_id, s.revoked_at, s.expires_at, u.active, u.deleted_at`;
  const session = rows[0];
  if (!session || session.user_id !== userId || session.revoked_at || session.expires_at <= new Date()) return null;
  if (!session.active || session.deleted_at) return null;
  return { userId: session.user_id, roles: session.roles, expiresAt: session.expires_at.getTime() };
}

/** Resolves an access token to a viewer: the token must verify and its session must be live. */
export async function authenticate(deps: AppDeps, token: string | null): Promise<Viewer | null> {
  if (!token) return null;
  const claims = deps.tokens.verify(token);
  if (!claims) return null;
  return viewerOfSession(deps, claims.uid, claims.user_id);
}

/** The viewer of a live session of a live user (also used by REST form tokens), or null; cached briefly. */
export async function viewerOfSession(deps: Pick<AppDeps, 'db' | 'sessionCache'>, sessionId: string, userId: number): Promise<Viewer | null> {
  let session = deps.sessionCache.get(sessionId);
  if (!session) {
    const generation = deps.sessionCache.readStarted();
    session = (await readLiveSession(deps.db, sessionId, userId)) ?? undefined;
    if (!session) return null;
    deps.sessionCache.store(sessionId, session, generation);
  }
  if (session.userId !== userId || session.expiresAt <= Date.now()) return null;
  const roles = session.roles;
  return { userId: session.userId, sessionId, roles, isAdmin: roles.includes(ADMIN_ROLE) };
}

export async function buildContext(deps: AppDeps, request: RequestInfo & { authorization?: string; logger?: Logger; telemetry?: { operation?: string } }): Promise<Context> {
  const viewer = await authenticate(deps, bearerToken(request.authorization));
  return {
    ...deps,
    logger: request.logger ?? deps.logger,
    telemetry: request.telemetry,
    viewer,
    loaders: createLoaders(deps.db),
    request: { ip: request.ip, userAgent: request.userAgent, acceptLanguage: request.acceptLanguage ?? null },
    application: null,
  };
}
