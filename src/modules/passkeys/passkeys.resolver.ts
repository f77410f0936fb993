import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import type { Context } from '../../graphql/context.js';
import { AuthPayload } from '../sessions/sessions.types.js';
import { Passkey } from './passkeys.types.js';
import * as passkeys from './passkeys.service.js';

@Resolver()
export class PasskeysResolver {
  @Mutation(() => JSONObjectResolver, {
    description: 'Starts registering a passkey for the caller (a recent sign-in is required): options for navigator.credentials.create(), as JSON.',
  })
  startPasskeyRegistration(@Ctx() ctx: Context) {
    return passkeys.startPasskeyRegistration(ctx);
  }

  @Mutation(() => Passkey, {
    description:
      "Finishes a registration with the browser's answer (the credential's toJSON()); the passkey becomes a second factor. The user's first second factor comes with recovery codes (recoveryCodes), shown this once.",
  })
  async finishPasskeyRegistration(
    @Ctx() ctx: Context,
    @Arg('response', () => JSONObjectResolver) response: Record<string, unknown>,
    @Arg('label', () => String, { nullable: true }) label?: string | null,
  ) {
    const { factor, recoveryCodes } = await passkeys.finishPasskeyRegistration(ctx, response, label);
    return { ...factor, id: String(factor.id), recoveryCodes };
  }

  @Mutation(() => JSONObjectResolver, {
    description:
      "Starts a passkey sign-in: options for navigator.credentials.get(), as JSON. With the mfaTicket of MFA_REQUIRED it asks for that user's passkey as the second factor; without, for any discoverable passkey as the only factor.",
  })
  startPasskeySignIn(@Ctx() ctx: Context, @Arg('mfaTicket', () => String, { nullable: true }) mfaTicket?: string | null) {
    return passkeys.startPasskeySignIn(ctx, mfaTicket);
  }

  @Mutation(() => AuthPayload, { description: "Finishes a passkey sign-in with the browser's answer (the credential's toJSON())." })
  finishPasskeySignIn(@Ctx() ctx: Context, @Arg('response', () => JSONObjectResolver) response: Record<string, unknown>) {
    return passkeys.finishPasskeySignIn(ctx, response);
  }
}
