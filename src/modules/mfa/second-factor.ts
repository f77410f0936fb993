// The contract every sign-in method follows, so that a user with a second
// factor always gives it, whichever way they start:
//
//   1. A first factor succeeds (password, OpenID Connect provider, mailed
//      code or link, ...). The sign-in method calls
//      completeFirstFactor(ctx, user, amr, applicationId, provider). If the user has a
//      confirmed factor (TOTP or passkey) and `amr` is not already aal2, it
//      throws MFA_REQUIRED carrying `extensions.mfaTicket` and
//      `extensions.factors`; otherwise it opens the session and returns the
//      usual AuthPayload. It records `login.succeeded` (or `mfa.required`).
//   2. The client sends the ticket with a second factor (verifyMfa with a
//      TOTP or recovery code, or a passkey sign-in). That method calls
//      consumeMfaTicket(ctx, ticket), which spends the ticket (single use) and
//      says whose it is; then it checks the factor and calls
//      finishSecondFactor(ctx, state, method) on success, or
//      rejectSecondFactor(ctx, state, method, reason) on failure (which counts
//      the failure in the throttles and answers a successor ticket while
//      attempts remain, so a typo does not mean typing the password again).
//   3. Sensitive operations call requireRecentAuthentication(ctx): the
//      session must have proven its holder within REAUTH_MAX_AGE_MINUTES.
//
// Tickets are random, stored hashed (mfa_tickets), bound to the user, to the
// first factor's methods (and OpenID provider, recorded on the session the
// second factor opens) and to the user's password at the time; they expire
// after MFA_TICKET_TTL_SECONDS.
import type { Context } from '../../graphql/context.js';
import type { User as UserRow } from '../../generated/prisma/client.js';
import { AppError } from '../../common/errors.js';
import { requireViewer } from '../../common/access.js';
import { hashToken, randomToken } from '../../auth/tokens.js';
import { assuranceLevel, isAuthMethod, type AuthMethod } from '../../auth/methods.js';
import { loginLockKey } from '../../security/throttle.js';
import { recordAudit } from '../audit/audit.service.js';
import { openSession } from '../sessions/sessions.service.js';
import type { AuthPayload } from '../sessions/sessions.types.js';

export type MfaCtx = Pick<Context, 'db' | 'config' | 'tokens' | 'hasher' | 'request' | 'viewer' | 'logger' | 'throttle' | 'sessionCache'>;

/** What a user can give as a second factor: listed in MFA_REQUIRED's `extensions.factors`. */
export type SecondFactorKind = 'TOTP' | 'WEBAUTHN' | 'RECOVERY_CODE';

/** Wrong second factors one sign-in may try (each answers a successor ticket) before the first factor is asked again. */
export const MFA_ATTEMPTS_PER_TICKET = 5;

/** Whose sign-in a ticket continues: what consumeMfaTicket returns and finishSecondFactor takes. */
export interface MfaTicketState {
  user: UserRow;
  /** The first factor's methods. */
  amr: AuthMethod[];
  applicationId: number | null;
  /** The OpenID provider (OIDC_PROVIDERS id) of the first factor, when it was one. */
  provider: string | null;
  /** Wrong second factors before this one. */
  attempts: number;
  expiresAt: Date;
}

/** A first factor passed; a second is needed. Carries the ticket that continues this sign-in. */
export class MfaRequiredError extends AppError {
  constructor(ticket: string, factors: SecondFactorKind[], expiresAt: Date, message = 'A second factor is required to finish signing in.') {
    super('MFA_REQUIRED', `${message} Send the ticket with a code from your authenticator app or a recovery code (verifyMfa), or use your passkey.`, {
      mfaTicket: ticket,
      factors,
      mfaTicketExpiresAt: expiresAt.toISOString(),
    });
  }
}

const TICKET_INVALID = 'This sign-in has expired or was already used; sign in again.';

/** The second factors a user can give now: kinds of confirmed factors, and recovery codes while any is unused. */
export async function availableFactors(ctx: Pick<Context, 'db'>, userId: number): Promise<SecondFactorKind[]> {
  const rows = await ctx.db.$queryRaw<{ kind: SecondFactorKind }[]>`
    SELECT DISTINCT kind::text AS kind FROM mfa_factors WHERE user_id = ${userId} AND confirmed_at IS NOT NULL
    UNION ALL
    SELECT 'RECOVERY_CODE' FROM mfa_recovery_codes WHERE user_id = ${userId} AND used_at IS NULL
      AND EXISTS (SELECT 1 FROM mfa_factors WHERE user_id = ${userId} AND confirmed_at IS NOT NULL)
    LIMIT 3`;
  const order: SecondFactorKind[] = ['TOTP', 'WEBAUTHN', 'RECOVERY_CODE'];
  return order.filter((kind) => rows.some((r) => r.kind === kind));
}

/** True when the user has a confirmed second factor. */
export async function hasConfirmedFactor(ctx: Pick<Context, 'db'>, userId: number): Promise<boolean> {
  return (await ctx.db.mfaFactor.count({ where: { userId, confirmedAt: { not: null } } })) > 0;
}

/**
 * Step 1 of the contract: a first factor passed for `user` (its checks,
 * throttles and failure audits are the caller's). Opens the session, or
 * throws MFA_REQUIRED with a ticket when the user has a second factor and
 * `amr` is not aal2 already. `provider` (an OIDC_PROVIDERS id) is recorded on
 * the session, now or when the second factor opens it.
 */
export async function completeFirstFactor(
  ctx: MfaCtx,
  user: UserRow,
  amr: AuthMethod[],
  applicationId: number | null = null,
  provider: string | null = null,
): Promise<AuthPayload> {
  if (assuranceLevel(amr) === 'aal1') {
    const factors = await availableFactors(ctx, user.id);
    if (factors.length) {
      const { ticket, expiresAt } = await issueTicket(ctx, user, amr, applicationId, provider, 0, null);
      await recordAudit(ctx, 'mfa.required', { actorId: user.id, subjectUserId: user.id, applicationId, details: { amr, factors } });
      throw new MfaRequiredError(ticket, factors, expiresAt);
    }
  }
  return signedIn(ctx, user, amr, applicationId, provider);
}

async function signedIn(ctx: MfaCtx, user: UserRow, amr: AuthMethod[], applicationId: number | null, provider: string | null): Promise<AuthPayload> {
  const payload = await openSession(ctx, user, applicationId, amr);
  if (provider) payload.session = await ctx.db.session.update({ where: { id: payload.sessionId }, data: { provider } });
  await recordAudit(ctx, 'login.succeeded', { actorId: user.id, subjectUserId: user.id, sessionId: payload.sessionId, applicationId, details: { amr } });
  return payload;
}

async function issueTicket(
  ctx: MfaCtx,
  user: UserRow,
  amr: AuthMethod[],
  applicationId: number | null,
  provider: string | null,
  attempts: number,
  expiresAt: Date | null,
): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = randomToken();
  const expires = expiresAt ?? new Date(Date.now() + ctx.config.mfa.ticketTtlSeconds * 1000);
  await ctx.db.mfaTicket.create({
    data: {
      ticketHash: hashToken(ticket),
      userId: user.id,
      amr,
      applicationId,
      provider,
      attempts,
      expiresAt: expires,
      credentialFingerprint: credentialFingerprint(user),
    },
  });
  return { ticket, expiresAt: expires };
}

/** Binds a ticket to the password the first factor was checked against. */
function credentialFingerprint(user: UserRow): string {
  return hashToken(`pwd:${user.passwordHash ?? ''}`);
}

/**
 * Step 2 of the contract: spends a ticket (once, even when two requests send
 * it at once) and returns whose sign-in it continues. Anything but a live,
 * unused ticket of an active user whose password has not changed since
 * answers MFA_TICKET_INVALID and counts as a token guess from this address.
 */
export async function consumeMfaTicket(ctx: MfaCtx, ticket: string): Promise<MfaTicketState> {
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const invalid = async () => {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'mfa.ticket_invalid', { actorId: null });
    return new AppError('MFA_TICKET_INVALID', TICKET_INVALID, { fields: [{ field: 'ticket', message: TICKET_INVALID }] });
  };
  if (typeof ticket !== 'string' || !ticket || ticket.length > 200) throw await invalid();
  const rows = await ctx.db.$queryRaw<
    {
      user_id: number;
      amr: string[];
      application_id: number | null;
      provider: string | null;
      attempts: number;
      expires_at: Date;
      credential_fingerprint: string;
    }[]
  >`
    UPDATE mfa_tickets SET used_at = now()
    WHERE ticket_hash = ${hashToken(ticket)} AND used_at IS NULL AND expires_at > now()
    RETURNING user_id, amr, application_id, provider, attempts, expires_at, credential_fingerprint`;
  const row = rows[0];
  if (!row) throw await invalid();
  const user = await ctx.db.user.findUnique({ where: { id: row.user_id } });
  if (!user || !user.active || user.deletedAt || credentialFingerprint(user) !== row.credential_fingerprint) throw await invalid();
  return {
    user,
    amr: row.amr.filter(isAuthMethod),
    applicationId: row.application_id,
    provider: row.provider,
    attempts: row.attempts,
    expiresAt: row.expires_at,
  };
}

/** Before checking a second factor: refuses (RATE_LIMITED) while the ticket's account or this address is locked out of signing in. */
export async function assertSecondFactorAllowed(ctx: MfaCtx, state: MfaTicketState): Promise<void> {
  await ctx.throttle.assertLoginAllowed(loginLockKey('', state.user.id), ctx.request.ip);
}

/**
 * Step 2, success: the second factor `method` checked out for the ticket's
 * user. Opens the session with the first factor's methods and this one
 * (e.g. ["pwd","otp"]), and lifts the account's failed-attempt count.
 */
export async function finishSecondFactor(ctx: MfaCtx, state: MfaTicketState, method: AuthMethod): Promise<AuthPayload> {
  await ctx.throttle.loginSucceeded(loginLockKey('', state.user.id));
  const amr = state.amr.includes(method) ? state.amr : [...state.amr, method];
  await recordAudit(ctx, 'mfa.verified', { actorId: state.user.id, subjectUserId: state.user.id, applicationId: state.applicationId, details: { method } });
  return signedIn(ctx, state.user, amr, state.applicationId, state.provider);
}

/**
 * Step 2, failure: the second factor was wrong. Counts it against the
 * account's and the address's failed sign-ins (the login throttle), audits
 * it, and throws MFA_CODE_INVALID carrying a successor ticket while this
 * sign-in has attempts left (MFA_REQUIRED's shape: `extensions.mfaTicket`),
 * or MFA_TICKET_INVALID once they are used up.
 */
export async function rejectSecondFactor(
  ctx: MfaCtx,
  state: MfaTicketState,
  method: AuthMethod,
  reason: string,
  message = 'That code is not valid.',
): Promise<never> {
  const lockKey = loginLockKey('', state.user.id);
  const lockedFor = await ctx.throttle.loginFailed(lockKey, ctx.request.ip);
  const attempts = state.attempts + 1;
  await recordAudit(ctx, 'mfa.failed', {
    actorId: null,
    subjectUserId: state.user.id,
    applicationId: state.applicationId,
    details: { method, reason, attempts },
  });
  if (lockedFor) await recordAudit(ctx, 'login.locked', { actorId: null, subjectUserId: state.user.id, details: { seconds: lockedFor } });
  if (lockedFor || attempts >= MFA_ATTEMPTS_PER_TICKET || state.expiresAt.getTime() <= Date.now()) {
    throw new AppError('MFA_TICKET_INVALID', `${message} Too many attempts for this sign-in: sign in again.`);
  }
  const next = await issueTicket(ctx, state.user, state.amr, state.applicationId, state.provider, attempts, state.expiresAt);
  const factors = await availableFactors(ctx, state.user.id);
  throw new AppError('MFA_CODE_INVALID', `${message} Try again with the new ticket (${MFA_ATTEMPTS_PER_TICKET - attempts} attempts left).`, {
    mfaTicket: next.ticket,
    factors,
    mfaTicketExpiresAt: next.expiresAt.toISOString(),
    fields: [{ field: 'code', message }],
  });
}

/**
 * Step 3: sensitive operations (email, password and factor changes,
 * applications and API keys) need a session whose holder proved who they
 * are within REAUTH_MAX_AGE_MINUTES: at sign-in, or by reauthenticate.
 */
export function requireRecentAuthentication(ctx: Pick<Context, 'viewer' | 'config'>): void {
  const viewer = requireViewer(ctx);
  const maxAgeMinutes = ctx.config.mfa.reauthMaxAgeMinutes;
  const at = viewer.authenticatedAt?.getTime() ?? 0;
  if (Date.now() - at > maxAgeMinutes * 60_000) {
    throw new AppError(
      'REAUTH_REQUIRED',
      `This needs a recent sign-in (within ${maxAgeMinutes} minutes): confirm it is you with reauthenticate (your password or an authenticator code), then try again.`,
      { maxAgeMinutes },
    );
  }
}
