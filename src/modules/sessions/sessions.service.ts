// Sessions: login, refresh-token rotation with reuse detection, logout and
// revocation. A session row is the single source of truth: revoking it makes
// its access tokens fail at once (see authenticate in graphql/context.ts).
import type { Context } from '../../graphql/context.js';
import type { User as UserRow, Session as SessionRow } from '../../generated/prisma/client.js';
import { AppError, AuthenticationError, FieldErrors, ForbiddenError, NotFoundError } from '../../common/errors.js';
import { requireAdmin, requireSelfOrAdmin, requireSessionId, requireViewer } from '../../common/access.js';
import { hashToken, randomToken } from '../../auth/tokens.js';
import { normalizeEmail } from '../users/users.validation.js';
import { recordAudit } from '../audit/audit.service.js';
import { returnedToSelf } from '../../common/visibility.js';
import { loginFailures } from '../../http/metrics.js';
import type { AuthPayload } from './sessions.types.js';

type Ctx = Pick<Context, 'db' | 'config' | 'tokens' | 'hasher' | 'request' | 'viewer' | 'logger' | 'throttle' | 'sessionCache'>;

const INVALID_LOGIN = 'Invalid email, username or password.';
const IDENTIFIER_MAX = 254;

/** Opens a session for a user who has proven who they are, and issues its tokens. */
export async function openSession(ctx: Ctx, user: UserRow, applicationId: number | null = null): Promise<AuthPayload> {
  const refreshToken = randomToken();
  const session = await ctx.db.session.create({
    data: {
      userId: user.id,
      refreshTokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + ctx.config.refreshTokenTtl * 1000),
      userAgent: ctx.request.userAgent?.slice(0, 512) ?? null,
      ip: ctx.request.ip,
      applicationId,
    },
  });
  return payload(ctx, user.id, session.id, refreshToken, { user, session });
}

/** Issues the access token; `rows` are the user and session rows the caller already has (the payload's resolvers read the others). */
function payload(ctx: Ctx, userId: number, sessionId: string, refreshToken: string, rows: { user?: UserRow; session?: SessionRow } = {}): AuthPayload {
  const access = ctx.tokens.sign(userId, sessionId);
  const user = rows.user && returnedToSelf(rows.user);
  return { accessToken: access.token, expiresAt: access.expiresAt, refreshToken, userId, sessionId, user, session: rows.session };
}

/** The payload's user, read when the service did not have the row. */
export async function payloadUser(ctx: Pick<Context, 'loaders'>, p: AuthPayload): Promise<UserRow> {
  const user = p.user ?? (await ctx.loaders.userById.load(p.userId));
  if (!user) throw new NotFoundError('User');
  return returnedToSelf({ ...(user as UserRow) });
}

/** The payload's session, read when the service did not have the row. */
export async function payloadSession(ctx: Pick<Context, 'db'>, p: AuthPayload): Promise<SessionRow> {
  return (p.session as SessionRow | undefined) ?? ctx.db.session.findUniqueOrThrow({ where: { id: p.sessionId } });
}

/**
 * The common refresh in one statement: rotates a current, live refresh token
 * of an active user and returns the session and user ids, or null when the
 * token is anything else (the caller then works out why).
 */
async function rotateCurrentToken(ctx: Ctx, hash: string, nextHash: string, now: Date): Promise<{ id: string; user_id: number } | null> {
  const rows = await ctx.db.$queryRaw<{ id: string; user_id: number }[]>`
    UPDATE sessions s
    SET previous_refresh_token_hash = s.refresh_token_hash, refresh_token_hash = ${nextHash}, refreshed_at = ${now}, last_used_at = ${now}
    FROM users u
    WHERE s.refresh_token_hash = ${hash} AND s.revoked_at IS NULL AND s.expires_at > ${now}
      AND u.id = s.user_id AND u.active AND u.deleted_at IS NULL
    RETURNING s.id, s.user_id`;
  return rows[0] ?? null;
}

/** Finds a user by email (contains @) or username, ignoring deleted ones. */
export function findByIdentifier(ctx: Pick<Context, 'db'>, identifier: string) {
  const where = identifier.includes('@') ? { email: normalizeEmail(identifier) } : { username: identifier.trim() };
  return ctx.db.user.findFirst({ where: { ...where, deletedAt: null } });
}

/**
 * Checks a password login. Failures answer the same way, in the same time,
 * whether or not the account exists.
 */
export async function verifyLogin(ctx: Ctx, identifier: string, password: string): Promise<UserRow> {
  const errors = new FieldErrors();
  if (!identifier.trim()) errors.add('identifier', 'Enter your email or username.');
  if (identifier.length > IDENTIFIER_MAX) errors.add('identifier', `At most ${IDENTIFIER_MAX} characters.`);
  if (!password) errors.add('password', 'Enter your password.');
  errors.throwIfAny();
  await ctx.throttle.assertLoginAllowed(identifier, ctx.request.ip);
  const user = await findByIdentifier(ctx, identifier);
  const ok = await ctx.hasher.verify(password, user?.passwordHash);
  if (!user || !ok) {
    loginFailures.inc();
    const lockedFor = await ctx.throttle.loginFailed(identifier, ctx.request.ip);
    await recordAudit(ctx, 'login.failed', { actorId: null, subjectUserId: user?.id ?? null, details: { reason: user ? 'wrong_password' : 'unknown_account' } });
    if (lockedFor) await recordAudit(ctx, 'login.locked', { actorId: null, subjectUserId: user?.id ?? null, details: { seconds: lockedFor } });
    throw new AuthenticationError(INVALID_LOGIN);
  }
  await ctx.throttle.loginSucceeded(identifier);
  if (!user.active) throw new ForbiddenError('This account has been deactivated.');
  if (ctx.config.requireEmailConfirmation && !user.confirmedAt) {
    throw new ForbiddenError('Confirm your email address before signing in; check your inbox for the link.');
  }
  return user;
}

export async function login(ctx: Ctx, identifier: string, password: string, applicationId: number | null = null): Promise<AuthPayload> {
  const user = await verifyLogin(ctx, identifier, password);
  const payload = await openSession(ctx, user, applicationId);
  await recordAudit(ctx, 'login.succeeded', { actorId: user.id, subjectUserId: user.id, sessionId: payload.sessionId, applicationId });
  return payload;
}

/**
 * Exchanges a refresh token for a new pair. The old token is accepted once
 * more within the reuse grace (two tabs refreshing at once); later reuse means
 * the token leaked, and the whole session is revoked.
 */
export async function refresh(ctx: Ctx, refreshToken: string): Promise<AuthPayload> {
  const invalid = () => new AuthenticationError('The refresh token is invalid or expired; sign in again.');
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const guessed = async () => {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    return invalid();
  };
  if (!refreshToken || refreshToken.length > 200) throw await guessed();
  const hash = hashToken(refreshToken);
  const now = new Date();
  const next = randomToken();
  const fast = await rotateCurrentToken(ctx, hash, hashToken(next), now);
  if (fast) return payload(ctx, fast.user_id, fast.id, next);

  // Not a current, live token: a previous one (grace or reuse), or invalid.
  const session = await ctx.db.session.findFirst({
    where: { OR: [{ refreshTokenHash: hash }, { previousRefreshTokenHash: hash }] },
    include: { user: true },
  });
  if (!session) throw await guessed();
  if (session.revokedAt || session.expiresAt <= now) throw invalid();
  if (session.previousRefreshTokenHash === hash) {
    const withinGrace = session.refreshedAt && now.getTime() - session.refreshedAt.getTime() <= ctx.config.refreshReuseGrace * 1000;
    if (!withinGrace) {
      await ctx.db.session.update({ where: { id: session.id }, data: { revokedAt: now } });
      ctx.sessionCache.clear(); // refreshSession keeps the cache otherwise (see session-cache.ts)
      ctx.logger.warn({ sessionId: session.id, userId: session.userId }, 'refresh token reused; session revoked');
      await recordAudit(ctx, 'session.refresh_reuse', { actorId: null, subjectUserId: session.userId, sessionId: session.id });
      throw invalid();
    }
  }
  const user = session.user;
  if (!user.active || user.deletedAt) throw invalid();
  // Rotate only if the token is still the one we matched: two concurrent
  // rotations of the same token cannot both win.
  const rotated = await ctx.db.session.updateMany({
    where: { id: session.id, revokedAt: null, [session.refreshTokenHash === hash ? 'refreshTokenHash' : 'previousRefreshTokenHash']: hash },
    data: {
      refreshTokenHash: hashToken(next),
      previousRefreshTokenHash: session.refreshTokenHash === hash ? hash : session.previousRefreshTokenHash,
      refreshedAt: session.refreshTokenHash === hash ? now : session.refreshedAt,
      lastUsedAt: now,
    },
  });
  if (rotated.count !== 1) throw invalid();
  // The session row changed: the payload's resolver reads it if asked.
  return payload(ctx, user.id, session.id, next, { user });
}

export async function logout(ctx: Ctx): Promise<boolean> {
  const viewer = requireViewer(ctx);
  await ctx.db.session.updateMany({ where: { id: requireSessionId(ctx), revokedAt: null }, data: { revokedAt: new Date() } });
  await recordAudit(ctx, 'logout', { subjectUserId: viewer.userId });
  return true;
}

/** Revokes every live session of a user, except one (the caller's, on a password change). */
export async function revokeUserSessions(ctx: Pick<Context, 'db'>, userId: number, exceptSessionId?: string): Promise<number> {
  const result = await ctx.db.session.updateMany({
    where: { userId, revokedAt: null, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
    data: { revokedAt: new Date() },
  });
  return result.count;
}

/** Live sessions of the caller, or of any user for an admin. */
export async function listSessions(ctx: Ctx, userId?: number): Promise<SessionRow[]> {
  const viewer = requireViewer(ctx);
  const target = userId ?? viewer.userId;
  requireSelfOrAdmin(ctx, target);
  return ctx.db.session.findMany({
    where: { userId: target, revokedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
    take: 200,
  });
}

export async function revokeSession(ctx: Ctx, sessionId: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) {
    throw new AppError('BAD_USER_INPUT', 'id must be a session id.', { fields: [{ field: 'id', message: 'Not a valid id.' }] });
  }
  const session = await ctx.db.session.findUnique({ where: { id: sessionId } });
  // Another user's session is reported as missing, so ids cannot be probed.
  if (!session || (session.userId !== viewer.userId && !viewer.isAdmin)) throw new NotFoundError('Session');
  if (!session.revokedAt) await ctx.db.session.update({ where: { id: sessionId }, data: { revokedAt: new Date() } });
  await recordAudit(ctx, 'session.revoked', { subjectUserId: session.userId, details: { revokedSession: sessionId } });
  return true;
}

/** Admin: lifts the login lock on a user's email and username. */
export async function unlockAccount(ctx: Ctx, userId: number): Promise<boolean> {
  requireAdmin(ctx);
  const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { email: true, username: true } });
  if (!user) throw new NotFoundError('User');
  await ctx.throttle.unlock([user.email, user.username].filter((v): v is string => !!v));
  await recordAudit(ctx, 'account.unlocked', { subjectUserId: userId });
  return true;
}
