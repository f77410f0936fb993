import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { Profile } from '../profiles/profiles.types.js';
import { toProfile } from '../profiles/profiles.mapper.js';
import { Role } from '../roles/roles.types.js';
import { AuthPayload } from '../sessions/sessions.types.js';
import { RegisterInput, UpdateMeInput, User, UserPreference } from './users.types.js';
import * as users from './users.service.js';
import { userRelations } from './users.relations.js';
import { canSeePrivate, Private } from '../../common/visibility.js';

@Resolver(() => User)
export class UsersResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user, or null when anonymous.' })
  me(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return users.me(ctx, userRelations(info));
  }

  @Mutation(() => User, { description: 'Creates an account and mails a confirmation token.' })
  register(@Ctx() ctx: Context, @Arg('input', () => RegisterInput) input: RegisterInput) {
    return users.register(ctx, input);
  }

  @Mutation(() => User, { description: 'Changes your own account, profile and preferences.' })
  updateMe(@Ctx() ctx: Context, @Arg('input', () => UpdateMeInput) input: UpdateMeInput) {
    return users.updateMe(ctx, input);
  }

  @Mutation(() => Boolean, { description: 'Changes your password; your other sessions are signed out.' })
  changePassword(
    @Ctx() ctx: Context,
    @Arg('currentPassword', () => String) currentPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Arg('newPasswordConfirmation', () => String, { nullable: true }) newPasswordConfirmation?: string | null,
  ) {
    return users.changePassword(ctx, currentPassword, newPassword, newPasswordConfirmation);
  }

  @Mutation(() => AuthPayload, { description: 'Confirms an email address with the mailed token, and signs in.' })
  confirmUser(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('token', () => String) token: string) {
    return users.confirmUser(ctx, id, token);
  }

  @Mutation(() => Boolean, { description: 'Mails a new confirmation token to you. False when already confirmed.' })
  resendConfirmation(@Ctx() ctx: Context) {
    return users.resendConfirmation(ctx);
  }

  @Mutation(() => Boolean, { description: 'Mails a reset token if the account exists. Always true.' })
  requestPasswordReset(@Ctx() ctx: Context, @Arg('email', () => String, { description: 'Email or username.' }) email: string) {
    return users.requestPasswordReset(ctx, email);
  }

  @Query(() => Boolean, {
    description: 'Whether a password reset token is valid and unexpired; does not use it up. Failed checks are throttled like resetPassword.',
  })
  validatePasswordResetToken(@Ctx() ctx: Context, @Arg('token', () => String) token: string) {
    return users.validatePasswordResetToken(ctx, token);
  }

  @Mutation(() => Boolean, { description: 'Sets a new password with a mailed reset token; all sessions are signed out.' })
  resetPassword(
    @Ctx() ctx: Context,
    @Arg('token', () => String) token: string,
    @Arg('password', () => String) password: string,
    @Arg('passwordConfirmation', () => String, { nullable: true }) passwordConfirmation?: string | null,
  ) {
    return users.resetPassword(ctx, token, password, passwordConfirmation);
  }

  @Private()
  @FieldResolver(() => Boolean, { nullable: true, description: 'True once the email address is confirmed. Private.' })
  confirmed(@Root() user: User) {
    return user.confirmedAt !== null;
  }

  @FieldResolver(() => Profile, { description: 'Names and avatar are public; birth date, sex, time zone and custom fields are private.' })
  async profile(@Root() user: User, @Ctx() ctx: Context) {
    const row = await ctx.loaders.profileByUserId.load(user.id);
    const profile = row
      ? toProfile(row, ctx.publicUrl)
      : { id: 0, userId: user.id, firstName: null, lastName: null, birthDate: null, sex: null, timeZone: null, avatarUrl: null, customFields: {} };
    return canSeePrivate(ctx, user) ? profile : { ...profile, birthDate: null, sex: null, timeZone: null, customFields: {} };
  }

  @FieldResolver(() => [Role])
  roles(@Root() user: User, @Ctx() ctx: Context) {
    return ctx.loaders.rolesByUserId.load(user.id);
  }

  @FieldResolver(() => [UserPreference], { description: 'Private: empty unless you are this user or an admin.' })
  async preferences(@Root() user: User, @Ctx() ctx: Context) {
    return canSeePrivate(ctx, user) ? ctx.loaders.preferencesByUserId.load(user.id) : [];
  }
}
