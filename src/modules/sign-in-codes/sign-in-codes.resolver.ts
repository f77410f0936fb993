import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { AuthPayload } from '../sessions/sessions.types.js';
import * as signInCodes from './sign-in-codes.service.js';

@Resolver()
export class SignInCodesResolver {
  @Mutation(() => Boolean, {
    description: 'Mails a 6-digit sign-in code (and a sign-in link) to this address if an account has it. Answers true either way.',
  })
  requestSignInCode(@Ctx() ctx: Context, @Arg('email', () => String) email: string) {
    return signInCodes.requestSignInCode(ctx, email);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in with the code from the mail (a first factor: MFA_REQUIRED follows for users with a second factor).' })
  signInWithCode(@Ctx() ctx: Context, @Arg('email', () => String) email: string, @Arg('code', () => String) code: string) {
    return signInCodes.signInWithCode(ctx, email, code);
  }

  @Mutation(() => AuthPayload, { description: "Signs in with the token of the mail's sign-in link (a first factor, like signInWithCode)." })
  signInWithEmailLink(@Ctx() ctx: Context, @Arg('token', () => String) token: string) {
    return signInCodes.signInWithEmailLink(ctx, token);
  }
}
