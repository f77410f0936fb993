// Self-service account rules: registration, profile and preference changes,
// email confirmation and password reset. Admin management of other users is
// in users-admin.service.ts.
import type { Context } from '../../graphql/context.js';
import type { Prisma, User as UserRow } from '../../generated/prisma/client.js';
import { findUserWithRelations, type UserInclude } from './users.relations.js';
import { AppError, AuthenticationError, ConflictError, FieldErrors, GoneError, NotFoundError, ValidationError, uniqueViolation } from '../../common/errors.js';
import { parseIntId, requireViewer } from '../../common/access.js';
import { hashToken, randomToken } from '../../auth/tokens.js';
import { findByIdentifier, revokeUserSessions } from '../sessions/sessions.service.js';
import type { AuthPayload } from '../sessions/sessions.types.js';
import { recordAudit } from '../audit/audit.service.js';
import { sendAccountMail } from '../../mail/account-mail.js';
import { returnedToSelf } from '../../common/visibility.js';
import { normalizeIdentifier } from '../../security/throttle.js';
import { completeFirstFactor, requireRecentAuthentication } from '../mfa/second-factor.js';
import type { ProfileInput } from '../profiles/profiles.types.js';
import type { PreferenceInput, RegisterInput, UpdateMeInput } from './users.types.js';
import { checkEmail, checkPassword, checkPreferences, checkProfile, checkUsername, normalizeEmail, type ProfileChanges } from './users.validation.js';

type Ctx = Context;

/**
 * Every mailed token that signs in or sets a password: a password change
 * clears them all (an email change clears the reset token and replaces the
 * confirmation token), so a token mailed before the change cannot take the
 * account over after it.
 */
export const CREDENTIAL_TOKENS_CLEARED = {
  resetTokenHash: null,
  resetTokenExpiresAt: null,
  confirmationTokenHash: null,
  confirmationTokenExpiresAt: null,
} as const;

/** A user by id; a deleted one is GONE, not missing. */
export async function findLiveUser(ctx: Pick<Context, 'db' | 'loaders'>, id: number, include: UserInclude = {}): Promise<UserRow> {
  const user = await findUserWithRelations(ctx, id, include);
  if (!user) throw new NotFoundError('User');
  if (user.deletedAt) throw new GoneError('User');
  return user;
}

/** Translates a unique-constraint failure on users into a CONFLICT naming the field. */
export function rethrowUserConflict(error: unknown, prefix = 'input'): never {
  const fields = uniqueViolation(error);
  if (fields) {
    if (fields.some((f) => f.includes('username'))) throw new ConflictError('That username is already taken.', `${prefix}.username`);
    throw new ConflictError('An account with that email already exists.', `${prefix}.email`);
  }
  throw error;
}

/** Prisma data for a profile change, merging custom fields into the existing ones. */
export function profileData(changes: ProfileChanges, existing: Record<string, string> = {}) {
  const { customFields, ...rest } = changes;
  const data: Prisma.ProfileUpdateInput = { ...rest };
  if (customFields) {
    const merged: Record<string, string> = { ...existing };
    for (const [key, value] of Object.entries(customFields)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    data.customFields = merged;
  }
  return data;
}

export async function register(ctx: Ctx, input: RegisterInput): Promise<UserRow> {
  const errors = new FieldErrors();
  const email = normalizeEmail(input.email ?? '');
  checkEmail(errors, 'input.email', email);
  checkPassword(errors, 'input.password', input.password, input.passwordConfirmation, 'input.passwordConfirmation');
  const username = input.username?.trim() || null;
  if (username !== null) checkUsername(errors, 'input.username', username);
  errors.throwIfAny();
  // Before the bcrypt hash and the mail, which are what a registration flood costs.
  await ctx.throttle.consume('registrationPerIp', ctx.request.ip ?? 'unknown');
  const passwordHash = await ctx.hasher.hash(input.password);
  const confirmation = confirmationToken(ctx);
  let user: UserRow;
  try {
    user = await ctx.db.user.create({
      data: {
        email,
        username,
        passwordHash,
        confirmationTokenHash: confirmation.hash,
        confirmationTokenExpiresAt: confirmation.expiresAt,
        profile: { create: {} },
      },
    });
  } catch (error) {
    rethrowUserConflict(error);
  }
  await sendConfirmation(ctx, user, confirmation.token);
  await recordAudit(ctx, 'user.registered', { actorId: user.id, subjectUserId: user.id });
  return returnedToSelf(user);
}

export function confirmationToken(ctx: Pick<Context, 'config'>) {
  const token = randomToken();
  return { token, hash: hashToken(token), expiresAt: new Date(Date.now() + ctx.config.confirmationTokenTtl * 1000) };
}

export async function sendConfirmation(ctx: Pick<Context, 'db' | 'mailer' | 'publicUrl' | 'config' | 'request'>, user: UserRow, token: string): Promise<void> {
  await sendAccountMail(ctx, user, 'confirmation', token);
}

/** Sends a fresh confirmation token to the caller, if not yet confirmed. */
export async function resendConfirmation(ctx: Ctx): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const user = await findLiveUser(ctx, viewer.userId);
  if (user.confirmedAt) return false;
  await ctx.throttle.consume('resetPerAccount', `confirm:${user.id}`);
  const confirmation = confirmationToken(ctx);
  const updated = await ctx.db.user.update({
    where: { id: user.id },
    data: { confirmationTokenHash: confirmation.hash, confirmationTokenExpiresAt: confirmation.expiresAt },
  });
  await sendConfirmation(ctx, updated, confirmation.token);
  return true;
}

/** Confirms an email with the mailed token, and signs the user in. */
export async function confirmUser(ctx: Ctx, id: string, token: string): Promise<AuthPayload> {
  const userId = parseIntId(id);
  const invalid = new AppError('BAD_USER_INPUT', 'The confirmation token is invalid or has expired.', {
    fields: [{ field: 'token', message: 'Invalid or expired token.' }],
  });
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  // Checked and used up in one statement, so a token used many times at once signs in once.
  const now = new Date();
  const used =
    token && token.length <= 200
      ? await ctx.db.user.updateMany({
          where: { id: userId, deletedAt: null, confirmationTokenHash: hashToken(token), confirmationTokenExpiresAt: { gt: now } },
          data: { confirmedAt: now, confirmationTokenHash: null, confirmationTokenExpiresAt: null },
        })
      : { count: 0 };
  if (used.count !== 1) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    throw invalid;
  }
  const confirmed = await ctx.db.user.findUniqueOrThrow({ where: { id: userId } });
  await recordAudit(ctx, 'user.confirmed', { actorId: confirmed.id, subjectUserId: confirmed.id });
  if (!confirmed.active) throw new AppError('FORBIDDEN', 'This account has been deactivated.');
  // The mailed link proves the mailbox: a user with a second factor still gives it (MFA_REQUIRED, the email stays confirmed).
  return completeFirstFactor(ctx, confirmed, ['email']);
}

/** When requestPasswordReset answers, in milliseconds after its throttles passed, whether or not the account exists. */
export const RESET_ANSWER_MS = 250;

/**
 * Mails a reset token when the account exists. Answers the same either way,
 * and at the same moment (RESET_ANSWER_MS after the throttles): the lookup,
 * the token and the mail run meanwhile, and go on in the background should
 * they take longer, so the answer time cannot tell who has an account.
 */
export async function requestPasswordReset(ctx: Ctx, identifier: string): Promise<boolean> {
  if (!identifier?.trim() || identifier.length > 254) {
    throw new AppError('BAD_USER_INPUT', 'Enter your email or username.', { fields: [{ field: 'email', message: 'Required.' }] });
  }
  await ctx.throttle.consume('resetPerIp', ctx.request.ip ?? 'unknown');
  await ctx.throttle.consume('resetPerAccount', normalizeIdentifier(identifier));
  const answerAt = new Promise((resolve) => setTimeout(resolve, RESET_ANSWER_MS));
  // Failures are logged, never answered: an error only an existing account can meet would tell it apart.
  void mailResetToken(ctx, identifier).catch((error: unknown) => ctx.logger.error({ err: error }, 'password reset mail failed'));
  await answerAt;
  return true;
}

/** The work behind requestPasswordReset: a fresh token for an active account with an email, mailed to it. */
async function mailResetToken(ctx: Ctx, identifier: string): Promise<void> {
  const user = await findByIdentifier(ctx, identifier);
  if (!user?.email || !user.active) return;
  await recordAudit(ctx, 'password.reset_requested', { actorId: null, subjectUserId: user.id });
  const token = randomToken();
  await ctx.db.user.update({
    where: { id: user.id },
    data: { resetTokenHash: hashToken(token), resetTokenExpiresAt: new Date(Date.now() + ctx.config.resetTokenTtl * 1000) },
  });
  await sendAccountMail(ctx, user, 'password-reset', token);
}

/** The user a reset token belongs to, when it is valid and unexpired. */
export async function userForResetToken(ctx: Pick<Context, 'db'>, token: string): Promise<UserRow | null> {
  if (!token || token.length > 200) return null;
  const user = await ctx.db.user.findUnique({ where: { resetTokenHash: hashToken(token) } });
  if (!user || user.deletedAt || !user.resetTokenExpiresAt || user.resetTokenExpiresAt <= new Date()) return null;
  return user;
}

/**
 * Whether a reset token is valid and unexpired, without using it up (so a
 * form can check the link before asking for a new password). Failed guesses
 * count against the same per-IP limit as resetPassword.
 */
export async function validatePasswordResetToken(ctx: Ctx, token: string): Promise<boolean> {
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const user = await userForResetToken(ctx, token);
  if (!user) await ctx.throttle.consume('tokenGuessPerIp', ip);
  return user !== null;
}

/** Sets a new password with a mailed reset token; every session of the user is revoked. */
export async function resetPassword(ctx: Ctx, token: string, password: string, passwordConfirmation?: string | null): Promise<boolean> {
  const errors = new FieldErrors();
  checkPassword(errors, 'password', password, passwordConfirmation, 'passwordConfirmation');
  errors.throwIfAny();
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const user = await userForResetToken(ctx, token);
  if (!user) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    throw new AppError('BAD_USER_INPUT', 'The reset token is invalid or has expired; ask for a new one.', {
      fields: [{ field: 'token', message: 'Invalid or expired token.' }],
    });
  }
  const passwordHash = await ctx.hasher.hash(password);
  // Consume the token only if it is still the one we checked, in one statement (so it is used once however many race).
  const updated = await ctx.db.user.updateMany({
    where: { id: user.id, resetTokenHash: user.resetTokenHash, resetTokenExpiresAt: { gt: new Date() } },
    data: { passwordHash, ...CREDENTIAL_TOKENS_CLEARED, forcePasswordReset: false },
  });
  if (updated.count !== 1) throw new AppError('BAD_USER_INPUT', 'The reset token has already been used.');
  await revokeUserSessions(ctx, user.id);
  await recordAudit(ctx, 'password.reset', { actorId: user.id, subjectUserId: user.id });
  return true;
}

/** Changes the caller's password; their other sessions are revoked. */
export async function changePassword(ctx: Ctx, currentPassword: string, newPassword: string, confirmation?: string | null): Promise<boolean> {
  const viewer = requireViewer(ctx);
  requireRecentAuthentication(ctx);
  const errors = new FieldErrors();
  checkPassword(errors, 'newPassword', newPassword, confirmation, 'newPasswordConfirmation');
  errors.throwIfAny();
  const user = await findLiveUser(ctx, viewer.userId);
  if (!(await ctx.hasher.verify(currentPassword ?? '', user.passwordHash))) {
    throw new AppError('BAD_USER_INPUT', 'The current password is wrong.', { fields: [{ field: 'currentPassword', message: 'Wrong password.' }] });
  }
  await ctx.db.user.update({
    where: { id: user.id },
    data: { passwordHash: await ctx.hasher.hash(newPassword), ...CREDENTIAL_TOKENS_CLEARED, forcePasswordReset: false, modifiedById: viewer.userId },
  });
  await revokeUserSessions(ctx, user.id, viewer.sessionId ?? undefined);
  await recordAudit(ctx, 'password.changed', { subjectUserId: user.id });
  return true;
}

/** The signed-in user, with the relations in `include` loaded in the same statement. */
export async function me(ctx: Ctx, include: UserInclude = {}): Promise<UserRow | null> {
  return ctx.viewer ? findUserWithRelations(ctx, ctx.viewer.userId, include) : null;
}

export async function updateMe(ctx: Ctx, input: UpdateMeInput): Promise<UserRow> {
  const viewer = requireViewer(ctx);
  const user = await findLiveUser(ctx, viewer.userId);
  const changes = await prepareAccountChanges(ctx, user, input, new FieldErrors(), { requireCurrentPassword: true });
  if (changes.emailChanged || changes.passwordChanged) requireRecentAuthentication(ctx);
  changes.data.modifiedById = viewer.userId;
  const updated = await saveAccountChanges(ctx, user.id, changes);
  if (changes.passwordChanged) await revokeUserSessions(ctx, user.id, viewer.sessionId ?? undefined);
  return updated;
}

/** The self-service fields of an account change, shared by updateMe and updateUser. */
export interface AccountInput {
  email?: string | null;
  username?: string | null;
  password?: string | null;
  passwordConfirmation?: string | null;
  currentPassword?: string | null;
  profile?: ProfileInput | null;
  preferences?: PreferenceInput[] | null;
}

/** A checked account change, ready for saveAccountChanges; callers may add to `data`. */
export interface AccountChanges {
  data: Prisma.UserUpdateInput;
  profile: ProfileChanges | null;
  preferences: PreferenceInput[] | null;
  /** A fresh confirmation token to mail, when the email changes. */
  confirmation: { token: string; hash: string; expiresAt: Date } | null;
  emailChanged: boolean;
  passwordChanged: boolean;
}

/**
 * Checks the self-service fields of a change to `user`, together with any
 * errors the caller already collected, and throws them all at once. With
 * `requireCurrentPassword`, changing email or password needs the current one.
 */
export async function prepareAccountChanges(
  ctx: Ctx,
  user: UserRow,
  input: AccountInput,
  errors: FieldErrors,
  options: { requireCurrentPassword: boolean },
): Promise<AccountChanges> {
  const data: Prisma.UserUpdateInput = {};
  const email = input.email === undefined || input.email === null ? undefined : normalizeEmail(input.email);
  const emailChanged = email !== undefined && email !== user.email;
  const passwordChanged = input.password != null;
  if (emailChanged) checkEmail(errors, 'input.email', email);
  if (input.username !== undefined) {
    const username = input.username?.trim() || null;
    if (username !== null) checkUsername(errors, 'input.username', username);
    else if (!user.email && !emailChanged) errors.add('input.username', 'A user without an email needs a username.');
    data.username = username;
  }
  if (passwordChanged) checkPassword(errors, 'input.password', input.password!, input.passwordConfirmation, 'input.passwordConfirmation');
  const profile = input.profile ? checkProfile(errors, 'input.profile', input.profile) : null;
  if (input.preferences) checkPreferences(errors, 'input.preferences', input.preferences);
  const needsCurrentPassword = options.requireCurrentPassword && (emailChanged || passwordChanged);
  if (needsCurrentPassword && !input.currentPassword) {
    errors.add('input.currentPassword', 'Enter your current password to change your email or password.');
  }
  errors.throwIfAny();

  if (needsCurrentPassword && !(await ctx.hasher.verify(input.currentPassword!, user.passwordHash))) {
    throw new AuthenticationError('The current password is wrong.');
  }
  const confirmation = emailChanged ? confirmationToken(ctx) : null;
  if (confirmation) {
    Object.assign(data, {
      email,
      confirmedAt: null,
      confirmationTokenHash: confirmation.hash,
      confirmationTokenExpiresAt: confirmation.expiresAt,
    });
  }
  if (passwordChanged) {
    data.passwordHash = await ctx.hasher.hash(input.password!);
    data.forcePasswordReset = false;
    // Tokens mailed before the change die with it (a new email's confirmation token, set above, is kept).
    Object.assign(data, emailChanged ? { resetTokenHash: null, resetTokenExpiresAt: null } : CREDENTIAL_TOKENS_CLEARED);
  } else if (emailChanged) {
    Object.assign(data, { resetTokenHash: null, resetTokenExpiresAt: null });
  }
  return { data, profile, preferences: input.preferences ?? null, confirmation, emailChanged, passwordChanged };
}

/**
 * Writes a prepared change in one transaction (plus `more`, run inside it),
 * translating duplicates into CONFLICT, then mails the new confirmation token.
 */
export async function saveAccountChanges(
  ctx: Ctx,
  userId: number,
  changes: AccountChanges,
  more?: (tx: Prisma.TransactionClient) => Promise<void>,
): Promise<UserRow> {
  let updated: UserRow;
  try {
    updated = await ctx.db.$transaction(async (tx) => {
      if (changes.profile) {
        const existing = await tx.profile.upsert({ where: { userId }, create: { userId }, update: {} });
        await tx.profile.update({
          where: { userId },
          data: profileData(changes.profile, existing.customFields as Record<string, string>),
        });
      }
      if (changes.preferences) await applyPreferences(tx, userId, changes.preferences, ctx.config.input.preferencesTotalBytes);
      if (more) await more(tx);
      return tx.user.update({ where: { id: userId }, data: changes.data });
    });
  } catch (error) {
    rethrowUserConflict(error);
  }
  if (changes.confirmation) {
    await sendConfirmation(ctx, updated, changes.confirmation.token);
    await recordAudit(ctx, 'email.changed', { subjectUserId: userId });
  }
  if (changes.passwordChanged) await recordAudit(ctx, 'password.changed', { subjectUserId: userId });
  return updated;
}

/**
 * Adds, replaces or deletes preference objects; ids must belong to the user.
 * Afterwards all of the user's preferences together must fit in
 * `maxTotalBytes` of stored JSON (PREFERENCES_TOTAL_BYTES), or the whole change is undone.
 */
export async function applyPreferences(tx: Prisma.TransactionClient, userId: number, inputs: PreferenceInput[], maxTotalBytes: number): Promise<void> {
  for (const [i, input] of inputs.entries()) {
    if (!input.id) {
      await tx.userPreference.create({ data: { userId, preferences: input.preferences as Prisma.InputJsonObject } });
      continue;
    }
    const id = parseIntId(input.id, `input.preferences.${i}.id`);
    const owned = await tx.userPreference.findFirst({ where: { id, userId }, select: { id: true } });
    if (!owned) throw new NotFoundError(`Preferences ${id}`);
    if (input.delete) await tx.userPreference.delete({ where: { id } });
    else await tx.userPreference.update({ where: { id }, data: { preferences: input.preferences as Prisma.InputJsonObject } });
  }
  const [{ bytes }] = await tx.$queryRaw<Array<{ bytes: number }>>`
    SELECT coalesce(sum(octet_length(preferences::text)), 0)::int AS bytes FROM user_preferences WHERE user_id = ${userId}`;
  if (bytes > maxTotalBytes) {
    throw new ValidationError([
      { field: 'input.preferences', message: `All your preferences together may hold at most ${maxTotalBytes} bytes of JSON; they would hold ${bytes}.` },
    ]);
  }
}
