import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { SigningKey } from './signing-keys.types.js';
import * as signingKeys from './signing-keys.service.js';

@Resolver(() => SigningKey)
export class SigningKeysResolver {
  @Query(() => [SigningKey], { description: 'Admin: every signing key, newest first.' })
  signingKeys(@Ctx() ctx: Context) {
    return signingKeys.listSigningKeys(ctx);
  }

  @Mutation(() => SigningKey, {
    description: 'Admin: publishes the next signing key now; it signs after JWT_KEY_PUBLISH_AHEAD_SECONDS. A key already pending is returned as it is.',
  })
  rotateSigningKey(@Ctx() ctx: Context) {
    return signingKeys.rotateSigningKey(ctx);
  }

  @Mutation(() => SigningKey, { description: 'Admin: revokes a signing key on every replica at once; tokens it signed stop verifying.' })
  revokeSigningKey(@Ctx() ctx: Context, @Arg('kid', () => String) kid: string) {
    return signingKeys.revokeSigningKey(ctx, kid);
  }
}
