// Sessions: login, refresh-token rotation with reuse detection, logout and
// revocation. A session row is the single source of truth: revoking it makes
// its access tokens fail at once (see authenticate in graphql/context.ts).
import crypto from 'node:crypto';
import type { Context } from '../../graphql/context.js';
import type { User as UserRow, Session as SessionRow } from '../../generated/prisma/client.js';
import { AppError, AuthenticationError, FieldErrors, ForbiddenError, NotFoundError } from '../../common/errors.js';
import { requireAdmin, requireSelfOrAdmin, requireSessionId, requireViewer } from '../../common/access.js';
import { hashToken, randomToken } from '../../auth/tokens.js';
import { loginLockKey } from '../../security/throttle.js';
import { openSuccessor, sealSuccessor } from './refresh-successor.js';
import { normalizeEmail } from '../users/users.validation.js';
import { recordAudit } from '../audit/audit.service.js';
import { returnedToSelf } from '../../common/visibility.js';
import { loginFailures } from '../../http/metrics.js';
import type { AuthPayload } from './sessions.types.js';
import type { AuthMethod } from '../../auth/methods.js';
import { completeFirstFactor } from '../mfa/second-factor.js';
import { preparedReadsFor, ROTATE_REFRESH_TOKEN, rotationParameters, type RotatedSession } from '../../db/prepared-reads.js';

type Ctx = Pick<Context, 'db' | 'config' | 'tokens' | 'hasher' | 'request' | 'viewer' | 'logger' | 'throttle' | 'sessionCache'>;

const INVALID_LOGIN = 'Invalid email, username or password.';
const IDENTIFIER_MAX = 254;

/**
 * Opens a session for a user who has proven who they are, and issues its
 * tokens. `user` is the row the proof was checked against: the session is
 * created only if the account still has that password hash and is still
 * active, in one statement that holds a share lock on the user row. A password
 * change (or deactivation) that commits first makes it fail; one that commits
 * later waits for it, and then revokes the new session with the others. So no
 * session obtained with an old password survives the change.
 *
 * `amr` says how the user proved who they are (src/auth/methods.ts); it is kept
 * on the session, with the time of the proof (authenticated_at), and carried
 * by every access token of the session. Users with a second factor reach this
 * through completeFirstFactor (src/modules/mfa/second-factor.ts), not directly.
 */
export async function openSession(ctx: Ctx, user: UserRow, applicationId: number | null = null, amr: AuthMethod[] = ['pwd']): Promise<AuthPayload> {
  const refreshToken = randomToken();
  const id = crypto.randomUUID();
  const rows = await ctx.db.$queryRaw<SessionRow[]>`
    WITH still_valid AS (
      SELECT id FROM users
      WHERE id = ${user.id} AND password_hash IS NOT DISTINCT FROM ${user.passwordHash} AND active AND deleted_at IS NULL
      FOR SHARE
    )
    INSERT INTO sessions (id, user_id, refresh_token_hash, expires_at, user_agent, ip, application_id, amr, authenticated_at)
    SELECT ${id}::uuid, still_valid.id, ${hashToken(refreshToken)}::text, ${new Date(Date.now() + ctx.config.refreshTokenTtl * 1000)}::timestamp(3),
           ${ctx.request.userAgent?.slice(0, 512) ?? null}::text, ${ctx.request.ip}::text, ${applicationId}::int, ${amr}::text[], now()
    FROM still_valid
    RETURNING id, user_id AS "userId", refresh_token_hash AS "refreshTokenHash", previous_refresh_token_hash AS "previousRefreshTokenHash",
      successor_sealed AS "successorSealed", refreshed_at AS "refreshedAt", created_at AS "createdAt", last_used_at AS "lastUsedAt",
      expires_at AS "expiresAt", revoked_at AS "revokedAt", user_agent AS "userAgent", ip, application_id AS "applicationId",
      amr, authenticated_at AS "authenticatedAt"`;
  const session = rows[0];
  // The password changed (or the account was deactivated) since it was checked.
  if (!session) throw new AuthenticationError(INVALID_LOGIN);
  return payload(ctx, user.id, session.id, refreshToken, amr, { user, session });
}

/** Issues the access token; `rows` are the user and session rows the caller already has (the payload's resolvers read the others). */
function payload(
  ctx: Ctx,
  userId: number,
  sessionId: string,
  refreshToken: string,
  amr: readonly AuthMethod[],
  rows: { user?: UserRow; session?: SessionRow } = {},
): AuthPayload {
  const access = ctx.tokens.sign(userId, sessionId, amr);
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
async function rotateCurrentToken(ctx: Ctx, hash: string, next: string, sealed: string, now: Date): Promise<(RotatedSession & { amr: AuthMethod[] }) | null> {
  const rotation = { hash, nextHash: hashToken(next), sealed, now };
  // A prepared statement on the database's own pool (src/db/prepared-reads.ts); inside a transaction, the same text through Prisma.
  const prepared = preparedReadsFor(ctx.db);
  const rows = prepared
    ? [await prepared.rotateRefreshToken(rotation)]
    : await ctx.db.$queryRawUnsafe<RotatedSession[]>(ROTATE_REFRESH_TOKEN, ...rotationParameters(rotation));
  const row = rows[0];
  return row ? { ...row, amr: row.amr as AuthMethod[] } : null;
}

/** Finds a user by email (contains @) or username, both case-insensitive, ignoring deleted ones. */
export async function findByIdentifier(ctx: Pick<Context, 'db'>, identifier: string): Promise<UserRow | null> {
  if (identifier.includes('@')) return ctx.db.user.findFirst({ where: { email: normalizeEmail(identifier), deletedAt: null } });
  const id = await userIdByUsername(ctx, identifier);
  return id === null ? null : ctx.db.user.findFirst({ where: { id, deletedAt: null } });
}

/** The id of the account with this username in any case (usernames are unique case-insensitively), deleted or not. */
export async function userIdByUsername(ctx: Pick<Context, 'db'>, username: string): Promise<number | null> {
  const rows = await ctx.db.$queryRaw<{ id: number }[]>`SELECT id FROM users WHERE lower(username) = lower(${username.trim()})`;
  return rows[0]?.id ?? null;
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
  const user = await findByIdentifier(ctx, identifier);
  // One lock per account, whichever identifier is typed; unknown ones lock by identifier.
  const lockKey = loginLockKey(identifier, user?.id);
  await ctx.throttle.assertLoginAllowed(lockKey, ctx.request.ip);
  const ok = await ctx.hasher.verify(password, user?.passwordHash);
  if (!user || !ok) {
    loginFailures.inc();
    const lockedFor = await ctx.throttle.loginFailed(lockKey, ctx.request.ip);
    await recordAudit(ctx, 'login.failed', {
      actorId: null,
      subjectUserId: user?.id ?? null,
      details: { reason: user ? 'wrong_password' : 'unknown_account' },
    });
    if (lockedFor) await recordAudit(ctx, 'login.locked', { actorId: null, subjectUserId: user?.id ?? null, details: { seconds: lockedFor } });
    throw new AuthenticationError(INVALID_LOGIN);
  }
  await ctx.throttle.loginSucceeded(lockKey);
  if (!user.active) throw new ForbiddenError('This account has been deactivated.');
  if (ctx.config.requireEmailConfirmation && !user.confirmedAt) {
    throw new ForbiddenError('Confirm your email address before signing in; check your inbox for the link.');
  }
  return user;
}

/** A password sign-in: the session, or MFA_REQUIRED with a ticket for a user with a second factor (see mfa/second-factor.ts). */
export async function login(ctx: Ctx, identifier: string, password: string, applicationId: number | null = null): Promise<AuthPayload> {
  const user = await verifyLogin(ctx, identifier, password);
  return completeFirstFactor(ctx, user, ['pwd'], applicationId);
}

/**
 * Exchanges a refresh token for a new pair. Within the reuse grace the old
 * token is answered again with the same successor (two tabs refreshing at
 * once, a retried request), so a replay never forks the chain nor locks out
 * the holder of the successor; later reuse means the token leaked, and the
 * whole session is revoked.
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
  const fast = await rotateCurrentToken(ctx, hash, next, sealSuccessor(refreshToken, next), now);
  if (fast) return payload(ctx, fast.user_id, fast.id, next, fast.amr);

  // Not a current, live token of an active user: a previous one (grace or reuse), or invalid.
  const session = await ctx.db.session.findFirst({
    where: { OR: [{ refreshTokenHash: hash }, { previousRefreshTokenHash: hash }] },
    include: { user: true },
  });
  if (!session) throw await guessed();
  // A current token that did not rotate: its session expired or its user is inactive.
  if (session.revokedAt || session.expiresAt <= now || session.refreshTokenHash === hash) throw invalid();
  const user = session.user;
  if (!user.active || user.deletedAt) throw invalid();
  const withinGrace = session.refreshedAt && now.getTime() - session.refreshedAt.getTime() <= ctx.config.refreshReuseGrace * 1000;
  const successor = withinGrace ? openSuccessor(refreshToken, session.successorSealed) : null;
  if (successor && hashToken(successor) === session.refreshTokenHash) {
    await ctx.db.session.updateMany({ where: { id: session.id, revokedAt: null }, data: { lastUsedAt: now } });
    return payload(ctx, user.id, session.id, successor, session.amr as AuthMethod[], { user });
  }
  // Reused after the grace, or within it without leading to the current token
  // (the chain moved on in a way this token cannot explain): revoke.
  await ctx.db.session.updateMany({ where: { id: session.id, revokedAt: null }, data: { revokedAt: now } });
  ctx.sessionCache.clear(); // refreshSession keeps the cache otherwise (see session-cache.ts)
  ctx.logger.warn({ sessionId: session.id, userId: session.userId }, 'refresh token reused; session revoked');
  await recordAudit(ctx, 'session.refresh_reuse', {
    actorId: null,
    subjectUserId: session.userId,
    sessionId: session.id,
    details: { withinGrace: !!withinGrace },
  });
  throw invalid();
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

/** Admin: lifts the login lock on an account (and any left on its email and username as typed). */
export async function unlockAccount(ctx: Ctx, userId: number): Promise<boolean> {
  requireAdmin(ctx);
  const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { email: true, username: true } });
  if (!user) throw new NotFoundError('User');
  const typed = [user.email, user.username].filter((v): v is string => !!v).map((v) => loginLockKey(v, null));
  await ctx.throttle.unlock([loginLockKey('', userId), ...typed]);
  await recordAudit(ctx, 'account.unlocked', { subjectUserId: userId });
  return true;
}
