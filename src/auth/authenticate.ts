// Authentication, in one place, for every transport (GraphQL, REST, media,
// WebSocket connection_init): authenticate(request) turns the request's
// credentials into a viewer, or null. It never throws for a bad credential;
// authorisation happens later, in the services.
//
// Read top to bottom:
//   1. The credential: `Authorization: Bearer <access token | ugk_ API key>`.
//   2. Access tokens: signature, algorithm, key, issuer, audience and expiry
//      (AccessTokens.verify, cached per token), then the session behind it.
//   3. Sessions: one statement reads the session, its user and roles; a short
//      cache (session-cache.ts) spares a read per request.
//   4. API keys: looked up by keyed hash; wrong ones count as token guesses.
//   5. What the credential may do: API keys are limited to their scopes and
//      never manage credentials; after a mutation that may revoke a session
//      or change a user, the session cache is cleared (the invalidation rule),
//      by both transports through beforeOperation/afterOperation.
import type { Logger } from 'pino';
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, OperationTypeNode, type OperationDefinitionNode } from 'graphql';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Throttle } from '../security/throttle.js';
import { ForbiddenError } from '../common/errors.js';
import { recordAudit } from '../modules/audit/audit.service.js';
import { invalidatesSessions, type LiveSession, type SessionCache } from './session-cache.js';
import { UNKNOWN_KEY, type AccessTokens } from './tokens.js';
import type { SigningKeys } from './signing-keys.js';
import { assuranceLevel, type AuthMethod } from './methods.js';
import { looksLikeApiKey, wellFormedApiKey, type ApiKeyScope, type ApiKeySecrets } from './api-keys.js';

export const ADMIN_ROLE = 'admin';

export interface Viewer {
  userId: number;
  /** The session the access token belongs to; null for an API key. */
  sessionId: string | null;
  roles: string[];
  isAdmin: boolean;
  /** How the session's holder signed in (src/auth/methods.ts), e.g. ['pwd','otp']; empty for an API key. */
  amr: AuthMethod[];
  /** When the session's holder last proved who they are (sign-in or reauthenticate); null for an API key. See requireRecentAuthentication. */
  authenticatedAt: Date | null;
  /**
   * Has the admin role but may not use it yet: MFA_REQUIRED_FOR_ADMINS is on
   * and this credential did not sign in with two factors (isAdmin is false
   * then; admin operations answer MFA_ENROLLMENT_REQUIRED).
   */
  adminNeedsMfa?: boolean;
  /** Set when the request authenticated with an API key: what it may do. */
  apiKey?: { id: number; scopes: ApiKeyScope[] };
}

/** What authenticate() reads from a request: its Authorization header and, for API keys, where it came from. */
export interface Credentials {
  authorization?: string | null;
  ip: string | null;
  userAgent?: string | null;
}

// 1. The credential.

export function bearerToken(authorization: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1] : null;
}

export class Authenticator {
  constructor(
    private readonly deps: {
      db: PrismaClient;
      tokens: AccessTokens;
      keys: SigningKeys;
      sessionCache: SessionCache;
      apiKeySecrets: ApiKeySecrets;
      throttle: Throttle;
      logger: Logger;
      /** MFA_REQUIRED_FOR_ADMINS: the admin role counts only for credentials that signed in at aal2. */
      adminsNeedMfa?: boolean;
    },
  ) {}

  /** isAdmin and adminNeedsMfa for these roles and sign-in methods. */
  private adminStatus(roles: string[], amr: AuthMethod[]): Pick<Viewer, 'isAdmin' | 'adminNeedsMfa'> {
    const admin = roles.includes(ADMIN_ROLE);
    if (!admin || !this.deps.adminsNeedMfa || assuranceLevel(amr) === 'aal2') return { isAdmin: admin };
    return { isAdmin: false, adminNeedsMfa: true };
  }

  /** The one entry point: the viewer these credentials prove, or null. */
  async authenticate(request: Credentials): Promise<Viewer | null> {
    const token = bearerToken(request.authorization);
    if (!token) return null;
    if (looksLikeApiKey(token)) return this.viewerOfApiKey(token, request);
    return this.viewerOfAccessToken(token);
  }

  // 2. Access tokens.

  /** The viewer of a valid access token whose session is live; null for anything else (tokens of applications included). */
  async viewerOfAccessToken(token: string): Promise<Viewer | null> {
    let claims = this.deps.tokens.verify(token);
    if (claims === UNKNOWN_KEY) {
      // A key made a moment ago on another replica may not have reached this one yet.
      await this.deps.keys.reloadIfStale();
      claims = this.deps.tokens.verify(token);
    }
    if (!claims || claims === UNKNOWN_KEY || claims.user_id === undefined) return null;
    return this.viewerOfSession(claims.uid, claims.user_id);
  }

  // 3. Sessions.

  /** The viewer of a live session of a live user (also used by REST form tokens), or null; cached briefly. */
  async viewerOfSession(sessionId: string, userId: number): Promise<Viewer | null> {
    const cache = this.deps.sessionCache;
    let session = cache.get(sessionId);
    if (!session) {
      const generation = cache.readStarted();
      session = (await readLiveSession(this.deps.db, sessionId, userId)) ?? undefined;
      if (!session) return null;
      cache.store(sessionId, session, generation);
    }
    if (session.userId !== userId || session.expiresAt <= Date.now()) return null;
    const roles = session.roles;
    return {
      userId: session.userId,
      sessionId,
      roles,
      ...this.adminStatus(roles, session.amr),
      amr: session.amr,
      authenticatedAt: new Date(session.authenticatedAt),
    };
  }

  // 4. API keys.

  private async viewerOfApiKey(secret: string, request: Credentials): Promise<Viewer | null> {
    const ip = request.ip ?? 'unknown';
    const { db, throttle, logger } = this.deps;
    try {
      await throttle.assertAvailable('tokenGuessPerIp', ip);
    } catch {
      logger.warn({ ip }, 'API key refused: too many invalid tokens from this address');
      return null;
    }
    const key = wellFormedApiKey(secret)
      ? await db.apiKey.findUnique({
          where: { secretHash: this.deps.apiKeySecrets.hash(secret) },
          include: { user: { select: { active: true, deletedAt: true, roles: { select: { role: { select: { name: true } } } } } } },
        })
      : null;
    const now = new Date();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now) || !key.user.active || key.user.deletedAt) {
      // Unknown keys are guesses; a revoked or expired one is a real key used late, counted the same.
      await throttle.consume('tokenGuessPerIp', ip).catch(() => {});
      return null;
    }
    const roles = key.user.roles.map((r) => r.role.name);
    const viewer: Viewer = {
      userId: key.userId,
      sessionId: null,
      roles,
      ...this.adminStatus(roles, []),
      amr: [],
      authenticatedAt: null,
      apiKey: { id: key.id, scopes: key.scopes as ApiKeyScope[] },
    };
    // Last use: written at most once a minute per key, and at once from a new address.
    const newIp = key.lastUsedIp !== request.ip;
    if (newIp || !key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000) {
      await db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now, lastUsedIp: request.ip } });
      if (newIp) {
        const audit = { db, viewer, logger, request: { ip: request.ip, userAgent: request.userAgent ?? null } };
        await recordAudit(audit, 'api_key.used_from_new_ip', { subjectUserId: key.userId, details: { apiKeyId: key.id, prefix: key.prefix } });
      }
    }
    return viewer;
  }

  // 5. What the credential may do, and the session cache's invalidation rule.

  /** Throws FORBIDDEN when the viewer's credential may not run this operation (both transports call it before executing). */
  beforeOperation(viewer: Viewer | null, operation: OperationDefinitionNode | null | undefined): void {
    if (!viewer?.apiKey || !operation) return;
    if (operation.operation === OperationTypeNode.QUERY) return;
    if (!viewer.apiKey.scopes.includes('write')) throw new ForbiddenError(`This API key has the read scope only: it cannot run a ${operation.operation}.`);
    const refused = rootFields(operation).filter((name) => name === SPREAD || SESSION_ONLY_FIELDS.has(name));
    if (refused.length) throw new ForbiddenError(`API keys cannot manage keys, sessions, passwords or email (${refused.join(', ')}); sign in instead.`);
  }

  /** Clears the session cache after an operation that may revoke a session or change a user or their roles. */
  afterOperation(operation: OperationDefinitionNode | null | undefined): void {
    if (invalidatesSessions(operation)) this.deps.sessionCache.clear();
  }
}

/**
 * Mutations an API key may never run, even with the write scope: they manage
 * credentials (keys, sessions, passwords, email, signing keys). updateMe and
 * updateUser are among them because they can change a password or an email.
 */
const SESSION_ONLY_FIELDS = new Set([
  'createApiKey',
  'revokeApiKey',
  'rotateSigningKey',
  'revokeSigningKey',
  'createApplication',
  'deleteApplication',
  'login',
  'logout',
  'refreshSession',
  'revokeSession',
  'register',
  'changePassword',
  'resetPassword',
  'requestPasswordReset',
  'resendConfirmation',
  'updateMe',
  'updateUser',
  'createUser',
  'unlockAccount',
  'enrollTotp',
  'confirmTotp',
  'regenerateRecoveryCodes',
  'verifyMfa',
  'reauthenticate',
  'removeMfaFactor',
  'resetUserMfa',
]);

/** A fragment spread among the root fields: refused for API keys, so no credential mutation hides in one. */
const SPREAD = '...fragment';

function rootFields(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : SPREAD));
}

/** Apollo's side of beforeOperation/afterOperation (the REST executor calls them itself). */
export function authenticationPlugin<T extends { viewer: Viewer | null }>(auth: Authenticator): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          try {
            auth.beforeOperation(contextValue.viewer, operation);
          } catch (error) {
            // Refused before execution: Apollo answers 500 unless told otherwise.
            if (error instanceof ForbiddenError) error.extensions.http = { status: 403 };
            throw error;
          }
        },
        async willSendResponse({ operation }) {
          auth.afterOperation(operation);
        },
      };
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The session if it is live and its user active and not deleted, with the
 * user's role names: one statement (the Prisma relation query took four).
 */
async function readLiveSession(db: PrismaClient, sessionId: string, userId: number): Promise<LiveSession | null> {
  if (!UUID.test(sessionId)) return null;
  const rows = await db.$queryRaw<
    {
      user_id: number;
      revoked_at: Date | null;
      expires_at: Date;
      amr: AuthMethod[];
      authenticated_at: Date;
      active: boolean;
      deleted_at: Date | null;
      roles: string[];
    }[]
  >`
    SELECT s.user_id, s.revoked_at, s.expires_at, s.amr, s.authenticated_at, u.active, u.deleted_at,
           coalesce(array_agg(r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    LEFT JOIN user_roles ur ON ur.user_id = u.id
    LEFT JOIN roles r ON r.id = ur.role_id
    WHERE s.id = ${sessionId}::uuid
    GROUP BY s.user_id, s.revoked_at, s.expires_at, s.amr, s.authenticated_at, u.active, u.deleted_at`;
  const session = rows[0];
  if (!session || session.user_id !== userId || session.revoked_at || session.expires_at <= new Date()) return null;
  if (!session.active || session.deleted_at) return null;
  return {
    userId: session.user_id,
    roles: session.roles,
    expiresAt: session.expires_at.getTime(),
    amr: session.amr,
    authenticatedAt: session.authenticated_at.getTime(),
  };
}
