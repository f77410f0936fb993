// Signing in with a code mailed to the account's address, or with the link
// in the same mail: a first factor (amr ["email"]), so a user with a second
// factor is then asked for it (MFA_REQUIRED), as after a password.
//
// One live code per user (sign_in_codes): six random digits, stored as an
// HMAC under a key derived from KEY_ENCRYPTION_KEY (a plain hash of a million
// possible codes is no protection), and a link token stored as its SHA-256.
// Both expire after SIGN_IN_CODE_TTL, are used up by the statement that
// accepts them, die with an email change, and after SIGN_IN_CODE_MAX_ATTEMPTS
// wrong codes. Wrong codes also count as failed sign-ins of the account and
// the address (the login throttle), wrong links as token guesses.
import crypto from 'node:crypto';
import type { Context } from '../../graphql/context.js';
import type { User as UserRow } from '../../generated/prisma/client.js';
import { AppError, AuthenticationError, FieldErrors, ForbiddenError } from '../../common/errors.js';
import { hashToken, randomToken } from '../../auth/tokens.js';
import { loginLockKey } from '../../security/throttle.js';
import { loginFailures } from '../../http/metrics.js';
import { sendAccountMail } from '../../mail/account-mail.js';
import { recordAudit } from '../audit/audit.service.js';
import { RESET_ANSWER_MS } from '../users/users.service.js';
import { normalizeEmail } from '../users/users.validation.js';
import { completeFirstFactor } from '../mfa/second-factor.js';
import type { AuthPayload } from '../sessions/sessions.types.js';

type Ctx = Context;

const EMAIL_MAX = 254;
const CODE = /^\d{6}$/;
const WRONG_CODE = 'The code is wrong or has expired; check the latest mail, or ask for a new code.';
const WRONG_LINK = 'This sign-in link is not valid: it has expired, was already used, or a newer code replaced it. Ask for a new code.';

/** The stored form of a code: an HMAC under the API-key hash key (derived from KEY_ENCRYPTION_KEY), domain-separated, bound to its user and address. */
function codeHash(ctx: Pick<Context, 'apiKeySecrets'>, userId: number, email: string, code: string): string {
  return ctx.apiKeySecrets.hash(`sign-in-code\n${userId}\n${email}\n${code}`);
}

function checkEmailField(email: string): string {
  const normalized = normalizeEmail(email ?? '');
  if (!normalized || normalized.length > EMAIL_MAX) {
    throw new AppError('BAD_USER_INPUT', 'Enter the email address of your account.', {
      fields: [{ field: 'email', message: 'Required, at most 254 characters.' }],
    });
  }
  return normalized;
}

/**
 * Mails a sign-in code (and link) when an active account has this address.
 * Answers true either way, RESET_ANSWER_MS after its throttles passed (as
 * requestPasswordReset does), so neither the answer nor its time tells who
 * has an account. A new code replaces the previous one.
 */
export async function requestSignInCode(ctx: Ctx, email: string): Promise<boolean> {
  const normalized = checkEmailField(email);
  await ctx.throttle.consume('resetPerIp', ctx.request.ip ?? 'unknown');
  await ctx.throttle.consume('resetPerAccount', `sign-in-code:${normalized}`);
  const answerAt = new Promise((resolve) => setTimeout(resolve, RESET_ANSWER_MS));
  // Failures are logged, never answered: an error only an existing account can meet would tell it apart.
  void mailSignInCode(ctx, normalized).catch((error: unknown) => ctx.logger.error({ err: error }, 'sign-in code mail failed'));
  await answerAt;
  return true;
}

async function mailSignInCode(ctx: Ctx, email: string): Promise<void> {
  const user = await ctx.db.user.findFirst({ where: { email, deletedAt: null } });
  if (!user?.email || !user.active) return;
  const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
  const token = randomToken();
  const row = {
    email: user.email,
    codeHash: codeHash(ctx, user.id, user.email, code),
    linkTokenHash: hashToken(token),
    attempts: 0,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + ctx.config.signInCode.ttlSeconds * 1000),
  };
  await ctx.db.signInCode.upsert({ where: { userId: user.id }, create: { userId: user.id, ...row }, update: row });
  await recordAudit(ctx, 'sign_in_code.requested', { actorId: null, subjectUserId: user.id });
  await sendAccountMail(ctx, user, 'sign-in-code', token, code);
}

/** Signs in with the code from the mail; see the file comment for what counts against whom. */
export async function signInWithCode(ctx: Ctx, email: string, code: string): Promise<AuthPayload> {
  const errors = new FieldErrors();
  const normalized = normalizeEmail(email ?? '');
  if (!normalized || normalized.length > EMAIL_MAX) errors.add('email', 'Enter the email address of your account.');
  if (!CODE.test(code ?? '')) errors.add('code', 'The code has 6 digits.');
  errors.throwIfAny();
  const user = await ctx.db.user.findFirst({ where: { email: normalized, deletedAt: null } });
  const lockKey = loginLockKey(normalized, user?.id);
  await ctx.throttle.assertLoginAllowed(lockKey, ctx.request.ip);
  const used = user
    ? await ctx.db.$queryRaw<{ user_id: number }[]>`
        DELETE FROM sign_in_codes c USING users u
        WHERE c.user_id = ${user.id} AND c.code_hash = ${codeHash(ctx, user.id, normalized, code)}
          AND c.expires_at > now() AND c.attempts < ${ctx.config.signInCode.maxAttempts}
          AND u.id = c.user_id AND u.email = c.email
        RETURNING c.user_id`
    : [];
  if (!used.length) {
    if (user) await ctx.db.signInCode.updateMany({ where: { userId: user.id }, data: { attempts: { increment: 1 } } });
    loginFailures.inc();
    const lockedFor = await ctx.throttle.loginFailed(lockKey, ctx.request.ip);
    await recordAudit(ctx, 'sign_in_code.failed', {
      actorId: null,
      subjectUserId: user?.id ?? null,
      details: { reason: user ? 'wrong_code' : 'unknown_account' },
    });
    if (lockedFor) await recordAudit(ctx, 'login.locked', { actorId: null, subjectUserId: user?.id ?? null, details: { seconds: lockedFor } });
    throw new AuthenticationError(WRONG_CODE);
  }
  await ctx.throttle.loginSucceeded(lockKey);
  return signedInByMail(ctx, user!, 'code');
}

/** Signs in with the token of the mailed link (the same mail's code is used up with it). */
export async function signInWithEmailLink(ctx: Ctx, token: string): Promise<AuthPayload> {
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const used =
    token && token.length <= 200
      ? await ctx.db.$queryRaw<{ user_id: number }[]>`
          DELETE FROM sign_in_codes c USING users u
          WHERE c.link_token_hash = ${hashToken(token)} AND c.expires_at > now() AND c.attempts < ${ctx.config.signInCode.maxAttempts}
            AND u.id = c.user_id AND u.email = c.email AND u.deleted_at IS NULL
          RETURNING c.user_id`
      : [];
  if (!used.length) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'sign_in_code.failed', { actorId: null, details: { reason: 'invalid_link' } });
    throw new AuthenticationError(WRONG_LINK);
  }
  const user = await ctx.db.user.findUniqueOrThrow({ where: { id: used[0].user_id } });
  return signedInByMail(ctx, user, 'link');
}

/** The mailed code or link proved the address: the email counts as confirmed; then the usual first-factor rules. */
async function signedInByMail(ctx: Ctx, user: UserRow, via: 'code' | 'link'): Promise<AuthPayload> {
  if (!user.active) throw new ForbiddenError('This account has been deactivated.');
  await recordAudit(ctx, 'sign_in_code.used', { actorId: user.id, subjectUserId: user.id, details: { via } });
  let signedIn = user;
  if (!user.confirmedAt) {
    signedIn = await ctx.db.user.update({ where: { id: user.id }, data: { confirmedAt: new Date() } });
    await recordAudit(ctx, 'user.confirmed', { actorId: user.id, subjectUserId: user.id, details: { via: 'sign_in_code' } });
  }
  return completeFirstFactor(ctx, signedIn, ['email']);
}
