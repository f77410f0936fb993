// The per-request context shared by GraphQL resolvers and REST routes.
// Authentication happens once, here: a bad or missing token gives
// `viewer = null`; authorisation happens later, in the services.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { AccessTokens } from '../auth/tokens.js';
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
  /** Base URL for links in mail and REST documents. */
  publicUrl: string;
  /** Media storage, ffmpeg binaries and the trim workers' wake-up call. */
  media: MediaServices;
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
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

/** Resolves an access token to a viewer: the token must verify and its session must be live. */
export async function authenticate(deps: AppDeps, token: string | null): Promise<Viewer | null> {
  if (!token) return null;
  const claims = deps.tokens.verify(token);
  if (!claims) return null;
  return viewerOfSession(deps, claims.uid, claims.user_id);
}

/** The viewer of a live session of a live user (also used by REST form tokens), or null. */
export async function viewerOfSession(deps: Pick<AppDeps, 'db'>, sessionId: string, userId: number): Promise<Viewer | null> {
  const session = await deps.db.session.findUnique({
    where: { id: sessionId },
    select: {
      userId: true,
      revokedAt: true,
      expiresAt: true,
      user: { select: { active: true, deletedAt: true, roles: { select: { role: { select: { name: true } } } } } },
    },
  });
  if (!session || session.userId !== userId || session.revokedAt || session.expiresAt <= new Date()) return null;
  if (!session.user.active || session.user.deletedAt) return null;
  const roles = session.user.roles.map((r) => r.role.name);
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
    request: { ip: request.ip, userAgent: request.userAgent },
    application: null,
  };
}
