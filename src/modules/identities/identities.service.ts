// Accounts and their linked provider identities. An identity (provider and
// `sub`) belongs to one user. A first sign-in with an unknown identity creates
// an account, unless OIDC_ALLOW_SIGNUP is off; it is never attached to an
// existing account because the emails match (someone could register that
// email at a provider): the owner signs in and links it (linkProvider). An
// identity is unlinked only if the account keeps another way to sign in.
import type { Context } from '../../graphql/context.js';
import type { User as UserRow, UserIdentity } from '../../generated/prisma/client.js';
import { AppError, AuthenticationError, ForbiddenError, NotFoundError, uniqueViolation } from '../../common/errors.js';
import { parseIntId, requireViewer } from '../../common/access.js';
import { loginLockKey } from '../../security/throttle.js';
import { randomToken } from '../../auth/tokens.js';
import type { IdentityClaims } from '../../auth/oidc/providers.js';
import type { OidcProviderConfig } from '../../config.js';
import { recordAudit } from '../audit/audit.service.js';
import { completeFirstFactor } from '../mfa/second-factor.js';
import type { AuthPayload } from '../sessions/sessions.types.js';
import { canSeePrivate } from '../../common/visibility.js';

function emailInUse(provider: OidcProviderConfig): AppError {
  return new AppError(
    'IDENTITY_EMAIL_IN_USE',
    `An account with the email your ${provider.name} account reports already exists. Sign in to that account (with its password or a provider already linked to it), then link ${provider.name} to it.`,
    { provider: provider.id },
  );
}

/** Creates the account (and its identity) for a first provider sign-in, or returns null when the identity appeared meanwhile. */
async function createAccount(ctx: Context, provider: OidcProviderConfig, claims: IdentityClaims): Promise<UserRow | null> {
  if (!ctx.config.oidc.allowSignup) {
    await recordAudit(ctx, 'login.failed', { actorId: null, details: { method: 'oidc', provider: provider.id, reason: 'signup_disabled' } });
    throw new AppError(
      'PROVIDER_SIGNUP_DISABLED',
      `No account here is linked to this ${provider.name} account, and new accounts cannot be created through ${provider.name}. Sign in another way and link it, or ask an administrator.`,
      {
        provider: provider.id,
      },
    );
  }
  await ctx.throttle.consume('registrationPerIp', ctx.request.ip ?? 'unknown');
  const now = new Date();
  // Only a verified email becomes the account's: an unverified one could belong to someone else, who could then reset the password of this account.
  const email = claims.emailVerified ? claims.email : null;
  try {
    const user = await ctx.db.user.create({
      data: {
        email,
        // An account needs an email or a username: without a verified email it gets a placeholder name, which the user can change.
        username: email
          ? null
          : `${provider.id}-${randomToken(8)
              .replace(/[^A-Za-z0-9]/g, '0')
              .toLowerCase()}`,
        confirmedAt: email ? now : null,
        passwordHash: null,
        profile: { create: { firstName: claims.givenName, lastName: claims.familyName, customFields: claims.picture ? { picture: claims.picture } : {} } },
        identities: { create: { provider: provider.id, subject: claims.sub, email: claims.email, lastUsedAt: now } },
      },
    });
    await recordAudit(ctx, 'user.registered', { actorId: user.id, subjectUserId: user.id, details: { method: 'oidc', provider: provider.id } });
    return user;
  } catch (error) {
    const fields = uniqueViolation(error);
    if (!fields) throw error;
    if (fields.some((f) => f.includes('email'))) throw emailInUse(provider);
    return null; // the identity was created by a concurrent sign-in
  }
}

/**
 * Signs in the user an identity belongs to, creating the account on a first
 * sign-in. Same rules as a password sign-in: account locks, deactivation,
 * REQUIRE_EMAIL_CONFIRMATION, the audit log.
 */
export async function signInWithClaims(ctx: Context, provider: OidcProviderConfig, claims: IdentityClaims): Promise<AuthPayload> {
  const key = { provider_subject: { provider: provider.id, subject: claims.sub } };
  let identity = await ctx.db.userIdentity.findUnique({ where: key, include: { user: true } });
  let user: UserRow | null = identity?.user ?? null;
  if (!identity) {
    const holder = claims.email ? await ctx.db.user.findUnique({ where: { email: claims.email }, select: { id: true } }) : null;
    if (holder) {
      await recordAudit(ctx, 'login.failed', {
        actorId: null,
        subjectUserId: holder.id,
        details: { method: 'oidc', provider: provider.id, reason: 'identity_email_in_use' },
      });
      throw emailInUse(provider);
    }
    user = await createAccount(ctx, provider, claims);
    if (!user) {
      identity = await ctx.db.userIdentity.findUnique({ where: key, include: { user: true } });
      user = identity?.user ?? null;
    }
  }
  if (!user || user.deletedAt) throw new AuthenticationError(`The account linked to this ${provider.name} account no longer exists.`);
  const ip = ctx.request.ip;
  await ctx.throttle.assertLoginAllowed(loginLockKey('', user.id), ip);
  if (!user.active) throw new ForbiddenError('This account has been deactivated.');
  if (ctx.config.requireEmailConfirmation && !user.confirmedAt) {
    throw new ForbiddenError('Confirm your email address before signing in; check your inbox for the link.');
  }
  if (identity) {
    await ctx.db.userIdentity.update({ where: { id: identity.id }, data: { lastUsedAt: new Date(), email: claims.email } });
  }
  // A second factor, when the user has one, is asked for as after a password (MFA_REQUIRED with a ticket); login.succeeded is recorded there, with amr ["oidc"].
  return completeFirstFactor(ctx, user, ['oidc'], null, provider.id);
}

/** Links an identity to a user; linking one already theirs again changes nothing. */
export async function linkIdentity(ctx: Context, userId: number, provider: OidcProviderConfig, claims: IdentityClaims): Promise<UserIdentity> {
  const key = { provider_subject: { provider: provider.id, subject: claims.sub } };
  const alreadyLinked = () =>
    new AppError('IDENTITY_ALREADY_LINKED', `This ${provider.name} account is already linked to another account here; unlink it there first.`, {
      provider: provider.id,
    });
  const existing = await ctx.db.userIdentity.findUnique({ where: key });
  if (existing) {
    if (existing.userId !== userId) {
      await recordAudit(ctx, 'identity.link_failed', { subjectUserId: userId, details: { provider: provider.id, reason: 'linked_elsewhere' } });
      throw alreadyLinked();
    }
    return ctx.db.userIdentity.update({ where: { id: existing.id }, data: { lastUsedAt: new Date(), email: claims.email } });
  }
  let identity: UserIdentity;
  try {
    identity = await ctx.db.userIdentity.create({ data: { userId, provider: provider.id, subject: claims.sub, email: claims.email } });
  } catch (error) {
    if (uniqueViolation(error)) throw alreadyLinked();
    throw error;
  }
  await recordAudit(ctx, 'identity.linked', { subjectUserId: userId, details: { provider: provider.id, identityId: identity.id } });
  return identity;
}

/** A user's identities, for themself and admins; null for anyone else. */
export async function identitiesOf(ctx: Pick<Context, 'viewer' | 'loaders'>, user: { id: number }): Promise<UserIdentity[] | null> {
  if (!canSeePrivate(ctx, user)) return null;
  return ctx.loaders.identitiesByUserId.load(user.id);
}

/**
 * Unlinks one of the caller's identities (any user's, for an admin), unless it
 * is the account's last way to sign in: no password, no passkey and no other identity.
 * The check and the delete run under a lock on the user row, so two unlinks
 * at once cannot remove the last two.
 */
export async function unlinkIdentity(ctx: Context, id: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const identityId = parseIntId(id, 'id');
  const removed = await ctx.db.$transaction(async (tx) => {
    const identity = await tx.userIdentity.findUnique({ where: { id: identityId } });
    // Another user's identity reads as missing, so ids cannot be probed.
    if (!identity || (identity.userId !== viewer.userId && !viewer.isAdmin)) throw new NotFoundError('Identity');
    const users = await tx.$queryRaw<Array<{ has_password: boolean; has_passkey: boolean }>>`
      SELECT password_hash IS NOT NULL AS has_password,
        EXISTS (SELECT 1 FROM mfa_factors f WHERE f.user_id = users.id AND f.kind::text = 'WEBAUTHN' AND f.confirmed_at IS NOT NULL) AS has_passkey
      FROM users WHERE id = ${identity.userId} FOR UPDATE`;
    const others = await tx.userIdentity.count({ where: { userId: identity.userId, id: { not: identity.id } } });
    if (!users[0]?.has_password && !users[0]?.has_passkey && others === 0) {
      throw new AppError(
        'LAST_SIGN_IN_METHOD',
        'This is the only way to sign in to this account: set a password (request a password reset) or link another provider before unlinking it.',
      );
    }
    await tx.userIdentity.delete({ where: { id: identity.id } });
    return identity;
  });
  await recordAudit(ctx, 'identity.unlinked', { subjectUserId: removed.userId, details: { provider: removed.provider, identityId: removed.id } });
  return true;
}
