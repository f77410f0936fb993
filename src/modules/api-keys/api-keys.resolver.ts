import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from './api-keys.types.js';
import * as apiKeys from './api-keys.service.js';

@Resolver(() => ApiKey)
export class ApiKeysResolver {
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key for the caller. The secret is shown only in this answer. Needs a signed-in session.' })
  createApiKey(@Ctx() ctx: Context, @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput) {
    return apiKeys.createApiKey(ctx, input);
  }

  @Query(() => [ApiKey], { description: "The caller's API keys, newest first (revoked ones too); an admin may name any user." })
  apiKeys(@Ctx() ctx: Context, @Arg('userId', () => ID, { nullable: true }) userId?: string | null) {
    return apiKeys.listApiKeys(ctx, userId);
  }

  @Mutation(() => ApiKey, { description: "Revokes an API key at once: own keys, or anyone's for an admin." })
  revokeApiKey(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return apiKeys.revokeApiKey(ctx, id);
  }
}
