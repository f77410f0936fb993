// Authenticator apps (TOTP) and recovery codes: enrolment, confirmation,
// sign-in with a second factor (verifyMfa), re-authentication, listing and
// removing factors, and the admin reset. Passkeys live in the same table
// (mfa_factors, kind WEBAUTHN) and are listed and removed here too.
import type { Context } from '../../graphql/context.js';
import type { MfaFactor as MfaFactorRow, User as UserRow } from '../../generated/prisma/client.js';
import { AppError, ConflictError, FieldErrors, NotFoundError } from '../../common/errors.js';
import { parseIntId, requireAdmin, requireSessionId, requireViewer } from '../../common/access.js';
import { loginLockKey } from '../../security/throttle.js';
import { recordAudit } from '../audit/audit.service.js';
import { findLiveUser } from '../users/users.service.js';
import type { AuthPayload } from '../sessions/sessions.types.js';
import { login } from '../sessions/sessions.service.js';
import { sendFactorNotice } from './mfa-mail.js';
import { looksLikeTotpCode, newTotpSecret, qrCodeSvg, totpStep, totpUrl } from './totp.js';
import { looksLikeRecoveryCode, replaceRecoveryCodes, useRecoveryCode } from './recovery-codes.js';
import {
  assertSecondFactorAllowed,
  consumeMfaTicket,
  finishSecondFactor,
  MfaRequiredError,
  rejectSecondFactor,
  requireRecentAuthentication,
  type MfaCtx,
} from './second-factor.js';

type Ctx = MfaCtx & Pick<Context, 'mfaSecrets' | 'mailer' | 'publicUrl' | 'loaders'>;

const LABEL_MAX = 100;
/** Factors (of both kinds, confirmed or not) one user may hold. */
const FACTORS_MAX = 20;

export interface TotpEnrollment {
  factor: MfaFactorRow;
  secret: string;
  otpauthUrl: string;
  qrCodeSvg: string;
}

/** Starts enrolling an authenticator app: an unconfirmed factor and its secret, shown this once. */
export async function enrollTotp(ctx: Ctx, label?: string | null): Promise<TotpEnrollment> {
  requireSessionId(ctx);
  const viewer = requireViewer(ctx);
  requireRecentAuthentication(ctx);
  const name = label?.trim() || 'Authenticator app';
  if (name.length > LABEL_MAX)
    throw new AppError('BAD_USER_INPUT', `The label is at most ${LABEL_MAX} characters.`, {
      fields: [{ field: 'label', message: `At most ${LABEL_MAX} characters.` }],
    });
  const user = await findLiveUser(ctx, viewer.userId);
  // One enrolment at a time: an unconfirmed app factor left from an earlier try goes.
  await ctx.db.mfaFactor.deleteMany({ where: { userId: user.id, kind: 'TOTP', confirmedAt: null } });
  if ((await ctx.db.mfaFactor.count({ where: { userId: user.id } })) >= FACTORS_MAX) {
    throw new AppError('BAD_USER_INPUT', `You already have ${FACTORS_MAX} factors; remove one first.`);
  }
  const secret = newTotpSecret();
  const factor = await ctx.db.mfaFactor.create({
    data: { userId: user.id, kind: 'TOTP', label: name, totpSecretSealed: ctx.mfaSecrets.sealTotpSecret(user.id, secret) },
  });
  const otpauthUrl = totpUrl(ctx.config.mfa.totpIssuer, user.email ?? user.username ?? `user ${user.id}`, secret);
  await recordAudit(ctx, 'mfa.totp_enrollment_started', { subjectUserId: user.id, details: { factorId: factor.id } });
  return { factor, secret, otpauthUrl, qrCodeSvg: await qrCodeSvg(otpauthUrl) };
}

/** The step of a code of one of the user's TOTP factors, used up in the same statement (a code is accepted once), or null. */
async function useTotpCode(ctx: Ctx, factor: MfaFactorRow, code: string): Promise<boolean> {
  if (!factor.totpSecretSealed) return false;
  const step = totpStep(ctx.mfaSecrets.openTotpSecret(factor.userId, factor.totpSecretSealed), code);
  if (step === null) return false;
  const now = new Date();
  const used = await ctx.db.$executeRaw`
    UPDATE mfa_factors SET totp_last_step = ${step}, last_used_at = ${now}
    WHERE id = ${factor.id} AND (totp_last_step IS NULL OR totp_last_step < ${step})`;
  return used === 1;
}

/** A code of any of the user's confirmed TOTP factors; the factor it matched, or null. */
async function matchConfirmedTotp(ctx: Ctx, userId: number, code: string): Promise<MfaFactorRow | null> {
  if (!looksLikeTotpCode(code)) return null;
  const factors = await ctx.db.mfaFactor.findMany({ where: { userId, kind: 'TOTP', confirmedAt: { not: null } }, orderBy: { id: 'asc' } });
  for (const factor of factors) if (await useTotpCode(ctx, factor, code)) return factor;
  return null;
}

/** Counts a wrong code against the caller's account and address, like a wrong password, and audits it. */
async function wrongCode(ctx: Ctx, userId: number, type: string, details: Record<string, string | number>): Promise<AppError> {
  const lockedFor = await ctx.throttle.loginFailed(loginLockKey('', userId), ctx.request.ip);
  await recordAudit(ctx, type, { subjectUserId: userId, details });
  if (lockedFor) await recordAudit(ctx, 'login.locked', { actorId: null, subjectUserId: userId, details: { seconds: lockedFor } });
  return new AppError('MFA_CODE_INVALID', 'That code is not valid: check the clock of your device and use the code shown now.', {
    fields: [{ field: 'code', message: 'Not a valid code.' }],
  });
}

/**
 * Confirms an enrolment with a code from the app, and returns a new set of
 * recovery codes (shown once; any earlier set stops working).
 */
export async function confirmTotp(ctx: Ctx, factorId: string, code: string): Promise<string[]> {
  requireSessionId(ctx);
  const viewer = requireViewer(ctx);
  const id = parseIntId(factorId, 'factorId');
  const factor = await ctx.db.mfaFactor.findUnique({ where: { id } });
  if (!factor || factor.userId !== viewer.userId || factor.kind !== 'TOTP') throw new NotFoundError('Factor');
  if (factor.confirmedAt) throw new ConflictError('This authenticator app is already confirmed; enrol a new one to replace it.', 'factorId');
  await ctx.throttle.assertLoginAllowed(loginLockKey('', viewer.userId), ctx.request.ip);
  if (!(await useTotpCode(ctx, factor, code))) throw await wrongCode(ctx, viewer.userId, 'mfa.totp_confirmation_failed', { factorId: id });
  await ctx.throttle.loginSucceeded(loginLockKey('', viewer.userId));
  const codes = await ctx.db.$transaction(async (tx) => {
    const confirmed = await tx.mfaFactor.updateMany({ where: { id, confirmedAt: null }, data: { confirmedAt: new Date() } });
    if (confirmed.count !== 1) throw new ConflictError('This authenticator app is already confirmed.', 'factorId');
    return replaceRecoveryCodes(tx, ctx.mfaSecrets, viewer.userId);
  });
  await recordAudit(ctx, 'mfa.factor_added', { subjectUserId: viewer.userId, details: { factorId: id, kind: 'TOTP' } });
  await sendFactorNotice(ctx, viewer.userId, 'mfa-factor-added', factor);
  return codes;
}

/** A new set of recovery codes (recent sign-in required); the earlier set stops working. */
export async function regenerateRecoveryCodes(ctx: Ctx): Promise<string[]> {
  requireSessionId(ctx);
  const viewer = requireViewer(ctx);
  requireRecentAuthentication(ctx);
  if (!(await ctx.db.mfaFactor.count({ where: { userId: viewer.userId, confirmedAt: { not: null } } }))) {
    throw new AppError('BAD_USER_INPUT', 'Recovery codes go with a second factor: enrol an authenticator app or a passkey first.');
  }
  const codes = await ctx.db.$transaction((tx) => replaceRecoveryCodes(tx, ctx.mfaSecrets, viewer.userId));
  await recordAudit(ctx, 'mfa.recovery_codes_regenerated', { subjectUserId: viewer.userId });
  return codes;
}

/**
 * Finishes a sign-in that answered MFA_REQUIRED: the ticket and a code from
 * the authenticator app or a recovery code. A wrong code answers
 * MFA_CODE_INVALID with a successor ticket (see rejectSecondFactor).
 */
export async function verifyMfa(ctx: Ctx, ticket: string, code: string): Promise<AuthPayload> {
  const state = await consumeMfaTicket(ctx, ticket);
  await assertSecondFactorAllowed(ctx, state);
  const userId = state.user.id;
  if (looksLikeTotpCode(code)) {
    const factor = await matchConfirmedTotp(ctx, userId, code);
    if (factor) return finishSecondFactor(ctx, state, 'otp');
    return rejectSecondFactor(ctx, state, 'otp', 'wrong_totp_code', 'That code is not valid (or was already used).');
  }
  if (looksLikeRecoveryCode(code) && (await useRecoveryCode(ctx.db, ctx.mfaSecrets, userId, code))) {
    await recordAudit(ctx, 'mfa.recovery_code_used', { actorId: userId, subjectUserId: userId });
    return finishSecondFactor(ctx, state, 'recovery');
  }
  return rejectSecondFactor(ctx, state, 'recovery', 'wrong_recovery_code', 'That code is not valid (or was already used).');
}

/**
 * A password sign-in that carries the second factor along (GraphQL login's
 * `otp`, REST 001's session[otp]): both checked in one request. A wrong code
 * answers MFA_CODE_INVALID without a ticket: the client sends both again.
 * For an account without a second factor the code is not needed, and ignored.
 */
export async function loginWithSecondFactor(ctx: Ctx, identifier: string, password: string, code: string, applicationId: number | null): Promise<AuthPayload> {
  let ticket: string;
  try {
    return await login(ctx, identifier, password, applicationId);
  } catch (error) {
    if (!(error instanceof MfaRequiredError)) throw error;
    ticket = error.extensions.mfaTicket as string;
  }
  try {
    return await verifyMfa(ctx, ticket, code);
  } catch (error) {
    if (error instanceof AppError && error.code === 'MFA_CODE_INVALID') {
      throw new AppError('MFA_CODE_INVALID', 'That code is not valid (or was already used): sign in again with the code shown now.', {
        fields: [{ field: 'otp', message: 'Not a valid code.' }],
      });
    }
    throw error;
  }
}

/**
 * Proves again who the session's holder is, keeping the session: a password
 * or a code from an authenticator app. Sensitive operations then work for
 * REAUTH_MAX_AGE_MINUTES.
 */
export async function reauthenticate(ctx: Ctx, password?: string | null, code?: string | null): Promise<Date> {
  const sessionId = requireSessionId(ctx);
  const viewer = requireViewer(ctx);
  if (!password === !code) {
    throw new AppError('BAD_USER_INPUT', 'Give either your password or a code from your authenticator app.', {
      fields: [{ field: password ? 'code' : 'password', message: 'Give one of password or code.' }],
    });
  }
  const user = await findLiveUser(ctx, viewer.userId);
  const lockKey = loginLockKey('', user.id);
  await ctx.throttle.assertLoginAllowed(lockKey, ctx.request.ip);
  const method = password ? 'pwd' : 'otp';
  const ok = password ? await ctx.hasher.verify(password, user.passwordHash) : !!(await matchConfirmedTotp(ctx, user.id, code!));
  if (!ok) {
    const error = await wrongCode(ctx, user.id, 'session.reauthentication_failed', { method });
    if (password) throw new AppError('BAD_USER_INPUT', 'The password is wrong.', { fields: [{ field: 'password', message: 'Wrong password.' }] });
    throw error;
  }
  await ctx.throttle.loginSucceeded(lockKey);
  const now = new Date();
  await ctx.db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { authenticatedAt: now } });
  await recordAudit(ctx, 'session.reauthenticated', { subjectUserId: user.id, details: { method } });
  return now;
}

/** The caller's factors (or, for an admin, anyone's), both kinds, newest last. */
export function listFactors(ctx: Pick<Context, 'db' | 'viewer'>, userId: number): Promise<MfaFactorRow[]> {
  return ctx.db.mfaFactor.findMany({ where: { userId }, orderBy: { id: 'asc' } });
}

/**
 * Removes one of the caller's factors (recent sign-in required). The last
 * confirmed factor goes only with the password or a recovery code, so a
 * stolen session alone cannot turn MFA off; with it go the recovery codes.
 */
export async function removeMfaFactor(ctx: Ctx, factorId: string, proof: { password?: string | null; recoveryCode?: string | null }): Promise<boolean> {
  requireSessionId(ctx);
  const viewer = requireViewer(ctx);
  requireRecentAuthentication(ctx);
  const id = parseIntId(factorId, 'id');
  const factor = await ctx.db.mfaFactor.findUnique({ where: { id } });
  if (!factor || factor.userId !== viewer.userId) throw new NotFoundError('Factor');
  const confirmedLeft = await ctx.db.mfaFactor.count({ where: { userId: viewer.userId, confirmedAt: { not: null }, id: { not: id } } });
  const last = !!factor.confirmedAt && confirmedLeft === 0;
  if (last) await checkLastFactorProof(ctx, viewer.userId, proof);
  await ctx.db.$transaction(async (tx) => {
    await tx.mfaFactor.deleteMany({ where: { id } });
    if (last) {
      await tx.mfaRecoveryCode.deleteMany({ where: { userId: viewer.userId } });
      await tx.mfaTicket.deleteMany({ where: { userId: viewer.userId } });
    }
  });
  await recordAudit(ctx, 'mfa.factor_removed', { subjectUserId: viewer.userId, details: { factorId: id, kind: factor.kind, last } });
  if (factor.confirmedAt) await sendFactorNotice(ctx, viewer.userId, 'mfa-factor-removed', factor);
  return true;
}

async function checkLastFactorProof(ctx: Ctx, userId: number, proof: { password?: string | null; recoveryCode?: string | null }): Promise<void> {
  const errors = new FieldErrors();
  if (!proof.password && !proof.recoveryCode) {
    errors.add('password', 'Removing your last second factor needs your password or a recovery code.');
    errors.throwIfAny();
  }
  const lockKey = loginLockKey('', userId);
  await ctx.throttle.assertLoginAllowed(lockKey, ctx.request.ip);
  const user: UserRow = await findLiveUser(ctx, userId);
  const ok = proof.password
    ? await ctx.hasher.verify(proof.password, user.passwordHash)
    : await useRecoveryCode(ctx.db, ctx.mfaSecrets, userId, proof.recoveryCode!);
  if (!ok) {
    await wrongCode(ctx, userId, 'mfa.factor_removal_failed', { proof: proof.password ? 'password' : 'recovery_code' });
    const field = proof.password ? 'password' : 'recoveryCode';
    throw new AppError('BAD_USER_INPUT', proof.password ? 'The password is wrong.' : 'That recovery code is not valid (or was already used).', {
      fields: [{ field, message: 'Not valid.' }],
    });
  }
  await ctx.throttle.loginSucceeded(lockKey);
}

/** Admin: removes every factor and recovery code of a user (who lost them), audited and mailed. */
export async function resetUserMfa(ctx: Ctx, userId: string): Promise<boolean> {
  requireAdmin(ctx);
  requireRecentAuthentication(ctx);
  const id = parseIntId(userId, 'userId');
  const user = await findLiveUser(ctx, id);
  const removed = await ctx.db.$transaction(async (tx) => {
    const factors = await tx.mfaFactor.deleteMany({ where: { userId: user.id } });
    await tx.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.mfaTicket.deleteMany({ where: { userId: user.id } });
    return factors.count;
  });
  await recordAudit(ctx, 'admin.mfa_reset', { subjectUserId: user.id, details: { factorsRemoved: removed } });
  if (removed) await sendFactorNotice(ctx, user.id, 'mfa-factor-removed', null);
  return true;
}
