import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../users/users.types.js';
import type { Context } from '../../graphql/context.js';
import { parseIntId } from '../../common/access.js';
import { AuthPayload, Session } from './sessions.types.js';
import * as sessions from './sessions.service.js';
import { loginWithSecondFactor } from '../mfa/mfa.service.js';

@Resolver(() => Session)
export class SessionsResolver {
  @Mutation(() => AuthPayload, {
    description:
      'Signs in with an email or username and a password. For an account with a second factor it answers the error MFA_REQUIRED (with `extensions.mfaTicket` for verifyMfa), unless `otp` carries a code from the authenticator app or a recovery code.',
  })
  login(
    @Ctx() ctx: Context,
    @Arg('identifier', () => String) identifier: string,
    @Arg('password', () => String) password: string,
    @Arg('otp', () => String, { nullable: true, description: 'A code from the authenticator app, or a recovery code, for an account with a second factor.' })
    otp?: string | null,
  ) {
    // ctx.application is set only where a transport verified client credentials (REST 001).
    const applicationId = ctx.application?.id ?? null;
    return otp ? loginWithSecondFactor(ctx, identifier, password, otp, applicationId) : sessions.login(ctx, identifier, password, applicationId);
  }

  @Mutation(() => AuthPayload, { description: 'Exchanges a refresh token for a new access and refresh token.' })
  refreshSession(@Ctx() ctx: Context, @Arg('refreshToken', () => String) refreshToken: string) {
    return sessions.refresh(ctx, refreshToken);
  }

  @Mutation(() => Boolean, { description: "Revokes the caller's session; its tokens stop working at once." })
  logout(@Ctx() ctx: Context) {
    return sessions.logout(ctx);
  }

  @Query(() => [Session], { description: 'Your live sessions; admins may pass a userId.' })
  sessions(@Ctx() ctx: Context, @Arg('userId', () => ID, { nullable: true }) userId?: string | null) {
    return sessions.listSessions(ctx, userId ? parseIntId(userId, 'userId') : undefined);
  }

  @Mutation(() => Boolean, { description: 'Admin: lifts a login lock-out on a user (after repeated failed sign-ins).' })
  unlockAccount(@Ctx() ctx: Context, @Arg('userId', () => ID) userId: string) {
    return sessions.unlockAccount(ctx, parseIntId(userId, 'userId'));
  }

  @Mutation(() => Boolean, { description: 'Revokes one of your sessions (any session, for admins).' })
  revokeSession(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return sessions.revokeSession(ctx, id);
  }
}

/**
 * A payload's user and session: the rows the service had at hand, or loaded
 * when the query asks for them (a refresh answers from one UPDATE ... RETURNING
 * and reads neither unless selected). The user is returned to themself.
 */
@Resolver(() => AuthPayload)
export class AuthPayloadResolver {
  @FieldResolver(() => User)
  user(@Root() payload: AuthPayload, @Ctx() ctx: Context) {
    return sessions.payloadUser(ctx, payload);
  }

  @FieldResolver(() => Session)
  session(@Root() payload: AuthPayload, @Ctx() ctx: Context) {
    return sessions.payloadSession(ctx, payload);
  }
}
