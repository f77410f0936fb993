import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { AuthPayload } from '../sessions/sessions.types.js';
import { MfaFactor, TotpEnrollment } from './mfa.types.js';
import * as mfa from './mfa.service.js';

@Resolver()
export class MfaResolver {
  @Mutation(() => TotpEnrollment, { description: 'Starts enrolling an authenticator app (recent sign-in required). Confirm it with confirmTotp.' })
  enrollTotp(@Ctx() ctx: Context, @Arg('label', () => String, { nullable: true }) label?: string | null) {
    return mfa.enrollTotp(ctx, label);
  }

  @Mutation(() => [String], { description: 'Confirms an authenticator app with a code from it; returns 10 new single-use recovery codes, shown this once.' })
  confirmTotp(@Ctx() ctx: Context, @Arg('factorId', () => ID) factorId: string, @Arg('code', () => String) code: string) {
    return mfa.confirmTotp(ctx, factorId, code);
  }

  @Mutation(() => [String], { description: 'Replaces your recovery codes with 10 new ones (recent sign-in required).' })
  regenerateRecoveryCodes(@Ctx() ctx: Context) {
    return mfa.regenerateRecoveryCodes(ctx);
  }

  @Mutation(() => AuthPayload, {
    description: 'Finishes a sign-in that answered MFA_REQUIRED: its `mfaTicket` and a code from your authenticator app, or a recovery code.',
  })
  verifyMfa(@Ctx() ctx: Context, @Arg('ticket', () => String) ticket: string, @Arg('code', () => String) code: string) {
    return mfa.verifyMfa(ctx, ticket, code);
  }

  @Mutation(() => Date, {
    description:
      'Proves again it is you (your password or an authenticator code), keeping the session; sensitive operations then work for REAUTH_MAX_AGE_MINUTES. Returns the new authentication time.',
  })
  reauthenticate(
    @Ctx() ctx: Context,
    @Arg('password', () => String, { nullable: true }) password?: string | null,
    @Arg('code', () => String, { nullable: true }) code?: string | null,
  ) {
    return mfa.reauthenticate(ctx, password, code);
  }

  @Mutation(() => Boolean, {
    description: 'Removes one of your second factors (recent sign-in required; the last one also needs your password or a recovery code).',
  })
  removeMfaFactor(
    @Ctx() ctx: Context,
    @Arg('id', () => ID) id: string,
    @Arg('password', () => String, { nullable: true }) password?: string | null,
    @Arg('recoveryCode', () => String, { nullable: true }) recoveryCode?: string | null,
  ) {
    return mfa.removeMfaFactor(ctx, id, { password, recoveryCode });
  }

  @Mutation(() => Boolean, { description: 'Admin: removes every second factor and recovery code of a user who lost them; the user is told by mail.' })
  resetUserMfa(@Ctx() ctx: Context, @Arg('userId', () => ID) userId: string) {
    return mfa.resetUserMfa(ctx, userId);
  }
}

@Resolver(() => User)
export class UserMfaFactorsResolver {
  @FieldResolver(() => [MfaFactor], {
    nullable: true,
    description: 'Second factors (authenticator apps and passkeys). Only for the user and admins; null for others.',
  })
  mfaFactors(@Root() user: User, @Ctx() ctx: Context) {
    const viewer = ctx.viewer;
    if (!viewer || (viewer.userId !== user.id && !viewer.isAdmin)) return null;
    return ctx.loaders.mfaFactorsByUserId.load(user.id);
  }
}
