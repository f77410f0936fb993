// Passkeys (WebAuthn Level 2, verified by @simplewebauthn/server): a signed-in
// user registers one; anyone signs in with a discoverable one alone, or uses
// one as the second factor of a sign-in that answered MFA_REQUIRED.
//
// Every ceremony starts with a random challenge, stored only as its SHA-256
// (webauthn_challenges) for WEBAUTHN_CHALLENGE_TTL seconds and bound to its
// ceremony, its user and (registration) the session that asked. A finish finds
// its ceremony by the challenge inside the browser's signed clientDataJSON and
// uses it up in the statement that reads it, so a response made for another
// challenge, ceremony, user or session finds nothing, and a replay finds
// nothing either.
//
// Sign counters and backup flags are kept; a counter that does not go up
// (when the authenticator keeps one) means a cloned authenticator: refused
// and audited as passkey.clone_detected.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Context } from '../../graphql/context.js';
import type { MfaFactor as MfaFactorRow, Prisma } from '../../generated/prisma/client.js';
import { AppError, AuthenticationError, ConflictError, uniqueViolation } from '../../common/errors.js';
import { requireSessionId, requireViewer } from '../../common/access.js';
import { hashToken } from '../../auth/tokens.js';
import { isAuthMethod } from '../../auth/methods.js';
import { loginLockKey } from '../../security/throttle.js';
import { recordAudit } from '../audit/audit.service.js';
import { findLiveUser } from '../users/users.service.js';
import { sendFactorNotice } from '../mfa/mfa-mail.js';
import { replaceRecoveryCodes } from '../mfa/recovery-codes.js';
import {
  completeFirstFactor,
  consumeMfaTicket,
  finishSecondFactor,
  rejectSecondFactor,
  requireRecentAuthentication,
  type MfaTicketState,
} from '../mfa/second-factor.js';
import type { AuthPayload } from '../sessions/sessions.types.js';
import { relyingParty, signedChallenge } from './relying-party.js';

type Ctx = Context;
type Ceremony = 'REGISTRATION' | 'SIGN_IN';

const LABEL_MAX = 64;
const SIGN_IN_FAILED = 'The passkey could not be verified.';
const CEREMONY_GONE = 'This passkey request has expired or was already used; start again.';

interface ChallengeRow {
  user_id: number | null;
  mfa_amr: string[];
  mfa_attempts: number | null;
  mfa_expires_at: Date | null;
  mfa_credential_fingerprint: string | null;
  mfa_provider: string | null;
  application_id: number | null;
}

/** Keeps a new ceremony's challenge (hashed), dropping expired ones on the way so abandoned ceremonies do not pile up. */
type ChallengeBinding = Omit<Prisma.WebauthnChallengeUncheckedCreateInput, 'challengeHash' | 'ceremony' | 'expiresAt'>;

async function storeChallenge(ctx: Ctx, challenge: string, ceremony: Ceremony, data: ChallengeBinding = {}): Promise<void> {
  const now = new Date();
  await ctx.db.webauthnChallenge.deleteMany({ where: { expiresAt: { lt: now } } });
  await ctx.db.webauthnChallenge.create({
    data: { challengeHash: hashToken(challenge), ceremony, expiresAt: new Date(now.getTime() + ctx.config.webauthn.challengeTtlSeconds * 1000), ...data },
  });
}

/** Uses up the live challenge of this ceremony (and, for registration, this user and session), or returns null. */
async function takeChallenge(ctx: Ctx, challenge: string, ceremony: Ceremony, owner?: { userId: number; sessionId: string }): Promise<ChallengeRow | null> {
  const rows = await ctx.db.$queryRaw<ChallengeRow[]>`
    DELETE FROM webauthn_challenges
    WHERE challenge_hash = ${hashToken(challenge)} AND ceremony = ${ceremony} AND expires_at > now()
      AND (${owner?.userId ?? null}::int IS NULL OR (user_id = ${owner?.userId ?? null}::int AND session_id = ${owner?.sessionId ?? null}::uuid))
    RETURNING user_id, mfa_amr, mfa_attempts, mfa_expires_at, mfa_credential_fingerprint, mfa_provider, application_id`;
  return rows[0] ?? null;
}

/** The user handle authenticators keep with a discoverable credential: the account id, which names nobody outside. */
function userHandle(userId: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(`usergraph:${userId}`, 'utf8'));
}

function checkLabel(label: string | null | undefined): string | null {
  const trimmed = label?.trim() ?? '';
  if (!trimmed) return null;
  // eslint-disable-next-line no-control-regex
  if (trimmed.length > LABEL_MAX || /[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/.test(trimmed)) {
    throw new AppError('BAD_USER_INPUT', `label must be at most ${LABEL_MAX} visible characters.`, {
      fields: [{ field: 'label', message: `At most ${LABEL_MAX} characters, no control characters.` }],
    });
  }
  return trimmed;
}

/**
 * Options for navigator.credentials.create(): for the signed-in user, who
 * must have signed in recently (REAUTH_REQUIRED otherwise). Their passkeys
 * are excluded, so one authenticator is not registered twice.
 */
export async function startPasskeyRegistration(ctx: Ctx): Promise<Record<string, unknown>> {
  const viewer = requireViewer(ctx);
  const sessionId = requireSessionId(ctx);
  requireRecentAuthentication(ctx);
  const user = await findLiveUser(ctx, viewer.userId);
  const rp = relyingParty(ctx);
  const existing = await ctx.db.mfaFactor.findMany({
    where: { userId: user.id, kind: 'WEBAUTHN', credentialId: { not: null } },
    select: { credentialId: true, transports: true },
  });
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email ?? user.username ?? `user ${user.id}`,
    userDisplayName: user.username ?? user.email ?? '',
    userID: userHandle(user.id),
    timeout: ctx.config.webauthn.challengeTtlSeconds * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((f) => ({ id: f.credentialId!, transports: f.transports })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    extensions: { credProps: true },
  });
  await storeChallenge(ctx, options.challenge, 'REGISTRATION', { userId: user.id, sessionId });
  return options as unknown as Record<string, unknown>;
}

/**
 * Checks the browser's answer to startPasskeyRegistration and keeps the
 * passkey as a confirmed WEBAUTHN factor of the caller (public key, sign
 * counter, transports, backup state, AAGUID, whether it is discoverable).
 * When it is the caller's first confirmed factor, a set of recovery codes
 * comes with it (as with confirmTotp), returned this once; null otherwise.
 */
export async function finishPasskeyRegistration(
  ctx: Ctx,
  response: Record<string, unknown>,
  label?: string | null,
): Promise<{ factor: MfaFactorRow; recoveryCodes: string[] | null }> {
  const viewer = requireViewer(ctx);
  const sessionId = requireSessionId(ctx);
  const name = checkLabel(label);
  const user = await findLiveUser(ctx, viewer.userId);
  const challenge = signedChallenge(response);
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const refuse = async (reason: string, message: string) => {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'passkey.registration_failed', { subjectUserId: viewer.userId, details: { reason } });
    return new AppError('BAD_USER_INPUT', message, { fields: [{ field: 'response', message }] });
  };
  if (!(await takeChallenge(ctx, challenge, 'REGISTRATION', { userId: viewer.userId, sessionId }))) throw await refuse('unknown_challenge', CEREMONY_GONE);
  const rp = relyingParty(ctx);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    ctx.logger.info({ err: error }, 'passkey registration refused');
    throw await refuse('invalid_response', `The passkey could not be registered: ${(error as Error).message}`);
  }
  if (!verification.verified) throw await refuse('not_verified', 'The passkey could not be registered.');
  const info = verification.registrationInfo;
  const credProps = (response.clientExtensionResults as { credProps?: { rk?: unknown } } | undefined)?.credProps;
  let factor: MfaFactorRow;
  let recoveryCodes: string[] | null;
  try {
    ({ factor, recoveryCodes } = await ctx.db.$transaction(async (tx) => {
      // Locks the user row: of two passkey registrations finishing at once, only one counts as the first factor.
      await tx.$queryRaw`SELECT id FROM users WHERE id = ${viewer.userId} FOR UPDATE`;
      const first = (await tx.mfaFactor.count({ where: { userId: viewer.userId, confirmedAt: { not: null } } })) === 0;
      const created = await tx.mfaFactor.create({
        data: {
          userId: viewer.userId,
          kind: 'WEBAUTHN',
          label: name,
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey),
          signCount: BigInt(info.credential.counter),
          transports: info.credential.transports ?? [],
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
          discoverable: typeof credProps?.rk === 'boolean' ? credProps.rk : null,
          confirmedAt: new Date(),
        },
      });
      return { factor: created, recoveryCodes: first ? await replaceRecoveryCodes(tx, ctx.mfaSecrets, viewer.userId) : null };
    }));
  } catch (error) {
    if (uniqueViolation(error)) throw new ConflictError('This passkey is already registered.', 'response');
    throw error;
  }
  await recordAudit(ctx, 'passkey.registered', {
    subjectUserId: viewer.userId,
    details: {
      factorId: factor.id,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      recoveryCodesIssued: recoveryCodes !== null,
    },
  });
  await sendFactorNotice(ctx, user.id, 'mfa-factor-added', factor);
  return { factor, recoveryCodes };
}

/**
 * Options for navigator.credentials.get(). With an MFA ticket (from
 * MFA_REQUIRED) it spends the ticket and asks for one of that user's passkeys,
 * as the second factor; without one it asks for any discoverable passkey of
 * this site, with user verification, as the only factor.
 */
export async function startPasskeySignIn(ctx: Ctx, mfaTicket?: string | null): Promise<Record<string, unknown>> {
  const rp = relyingParty(ctx);
  const timeout = ctx.config.webauthn.challengeTtlSeconds * 1000;
  if (mfaTicket == null) {
    // Anyone may start one, and each keeps a row until it expires: bounded per address.
    await ctx.throttle.consume('passkeySignInPerIp', ctx.request.ip ?? 'unknown');
    const options = await generateAuthenticationOptions({ rpID: rp.id, timeout, userVerification: 'required' });
    await storeChallenge(ctx, options.challenge, 'SIGN_IN');
    return options as unknown as Record<string, unknown>;
  }
  const state = await consumeMfaTicket(ctx, mfaTicket);
  const passkeys = await ctx.db.mfaFactor.findMany({
    where: { userId: state.user.id, kind: 'WEBAUTHN', confirmedAt: { not: null }, credentialId: { not: null } },
    select: { credentialId: true, transports: true },
  });
  if (!passkeys.length) return rejectSecondFactor(ctx, state, 'webauthn', 'no_passkey', 'This account has no passkey.');
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    timeout,
    userVerification: 'preferred',
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId!, transports: p.transports })),
  });
  await storeChallenge(ctx, options.challenge, 'SIGN_IN', {
    userId: state.user.id,
    mfaAmr: state.amr,
    mfaAttempts: state.attempts,
    mfaExpiresAt: state.expiresAt,
    mfaCredentialFingerprint: credentialFingerprint(state.user.passwordHash),
    mfaProvider: state.provider,
    applicationId: state.applicationId,
  });
  return options as unknown as Record<string, unknown>;
}

/** Binds a second-factor ceremony to the password its first factor was checked against (as MFA tickets are). */
function credentialFingerprint(passwordHash: string | null): string {
  return hashToken(`pwd:${passwordHash ?? ''}`);
}

/** The sign-in a second-factor ceremony continues, as consumeMfaTicket gave it; null when the account changed since. */
async function ticketState(ctx: Ctx, row: ChallengeRow): Promise<MfaTicketState | null> {
  if (row.mfa_expires_at === null || row.user_id === null) return null;
  const user = await ctx.db.user.findUnique({ where: { id: row.user_id } });
  if (!user || !user.active || user.deletedAt || credentialFingerprint(user.passwordHash) !== row.mfa_credential_fingerprint) return null;
  return {
    user,
    amr: row.mfa_amr.filter(isAuthMethod),
    applicationId: row.application_id,
    provider: row.mfa_provider,
    attempts: row.mfa_attempts ?? 0,
    expiresAt: row.mfa_expires_at,
  };
}

/**
 * Checks the browser's answer to startPasskeySignIn and signs in: with
 * amr ["webauthn"] for a passkey alone, or the first factor's methods and
 * "webauthn" for a second factor. Failures count against the account's and
 * the address's sign-in throttles (or, when no account is known, as a token
 * guess) and are audited.
 */
export async function finishPasskeySignIn(ctx: Ctx, response: Record<string, unknown>): Promise<AuthPayload> {
  const challenge = signedChallenge(response);
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const row = await takeChallenge(ctx, challenge, 'SIGN_IN');
  if (!row) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'passkey.sign_in_failed', { actorId: null, details: { reason: 'unknown_challenge' } });
    throw new AuthenticationError(CEREMONY_GONE);
  }
  const secondFactor = row.mfa_expires_at !== null;
  const state = secondFactor ? await ticketState(ctx, row) : null;
  if (secondFactor && !state) {
    await recordAudit(ctx, 'passkey.sign_in_failed', { actorId: null, subjectUserId: row.user_id, details: { reason: 'account_changed' } });
    throw new AppError('MFA_TICKET_INVALID', 'This sign-in has expired or was already used; sign in again.');
  }
  const factor = await ctx.db.mfaFactor.findFirst({ where: { credentialId: response.id as string, kind: 'WEBAUTHN', confirmedAt: { not: null } } });
  const ownerId = state ? state.user.id : (factor?.userId ?? null);

  const fail = async (reason: string, message = SIGN_IN_FAILED, details: Record<string, string | number> = {}): Promise<never> => {
    if (state) return rejectSecondFactor(ctx, state, 'webauthn', reason, message);
    if (ownerId === null) {
      await ctx.throttle.consume('tokenGuessPerIp', ip);
    } else {
      const lockedFor = await ctx.throttle.loginFailed(loginLockKey('', ownerId), ctx.request.ip);
      if (lockedFor) await recordAudit(ctx, 'login.locked', { actorId: null, subjectUserId: ownerId, details: { seconds: lockedFor } });
    }
    await recordAudit(ctx, 'passkey.sign_in_failed', { actorId: null, subjectUserId: ownerId, details: { reason, ...details } });
    throw new AuthenticationError(message);
  };

  if (ownerId !== null) await ctx.throttle.assertLoginAllowed(loginLockKey('', ownerId), ctx.request.ip);
  if (!factor?.publicKey || factor.signCount === null) return fail('unknown_credential');
  if (factor.userId !== ownerId) return fail('credential_of_another_user');
  const rp = relyingParty(ctx);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      // Counter 0 here: the library would throw on a regression before the signature tells us it is really this passkey; checked below.
      credential: { id: factor.credentialId!, publicKey: new Uint8Array(factor.publicKey), counter: 0, transports: factor.transports },
      // A passkey alone must have verified its user (PIN, biometrics) to count as two factors; as a second factor, presence is enough.
      requireUserVerification: !secondFactor,
    });
  } catch (error) {
    ctx.logger.info({ err: error }, 'passkey assertion refused');
    return fail('invalid_response');
  }
  if (!verification.verified) return fail('not_verified');
  const { newCounter, credentialBackedUp, credentialDeviceType } = verification.authenticationInfo;
  const stored = factor.signCount;
  if ((stored > 0n || newCounter > 0) && BigInt(newCounter) <= stored) {
    await recordAudit(ctx, 'passkey.clone_detected', {
      actorId: null,
      subjectUserId: factor.userId,
      details: { factorId: factor.id, storedCounter: Number(stored), receivedCounter: newCounter },
    });
    return fail(
      'counter_regressed',
      "This passkey's signature counter went back, a sign of a cloned authenticator, so it was refused. Use another way to sign in, and review your passkeys.",
      {
        factorId: factor.id,
      },
    );
  }
  // Moves the counter on only from the value just checked: of two assertions racing with one counter, one wins.
  const moved = await ctx.db.mfaFactor.updateMany({
    where: { id: factor.id, signCount: stored },
    data: { signCount: BigInt(newCounter), backedUp: credentialBackedUp, deviceType: credentialDeviceType, lastUsedAt: new Date() },
  });
  if (moved.count !== 1) return fail('counter_race');
  if (state) return finishSecondFactor(ctx, state, 'webauthn');

  const user = await ctx.db.user.findUnique({ where: { id: factor.userId } });
  if (!user || user.deletedAt) return fail('unknown_account');
  await ctx.throttle.loginSucceeded(loginLockKey('', user.id));
  if (!user.active) throw new AppError('FORBIDDEN', 'This account has been deactivated.');
  if (ctx.config.requireEmailConfirmation && !user.confirmedAt) {
    throw new AppError('FORBIDDEN', 'Confirm your email address before signing in; check your inbox for the link.');
  }
  return completeFirstFactor(ctx, user, ['webauthn']);
}
