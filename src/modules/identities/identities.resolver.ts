import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { AuthPayload } from '../sessions/sessions.types.js';
import { Identity, IdentityProvider, ProviderAuthorization } from './identities.types.js';
import * as flows from './provider-sign-in.service.js';
import * as identities from './identities.service.js';

@Resolver(() => Identity)
export class IdentitiesResolver {
  @Query(() => [IdentityProvider], { description: 'The OpenID Connect providers people can sign in with (public).' })
  identityProviders(@Ctx() ctx: Context) {
    return ctx.oidc.list();
  }

  @Mutation(() => ProviderAuthorization, {
    description:
      'Starts a sign-in at a provider. Open authorizationUrl in the browser; the provider returns to the gateway, which sends the browser to redirectUri (one of OIDC_REDIRECT_URLS) with `code` (for completeProviderSignIn) or `error` and `error_description`, and `flow`.',
  })
  startProviderSignIn(@Ctx() ctx: Context, @Arg('provider', () => ID) provider: string, @Arg('redirectUri', () => String) redirectUri: string) {
    return flows.startProviderSignIn(ctx, provider, redirectUri);
  }

  @Mutation(() => AuthPayload, {
    description: 'Trades the one-time code a provider sign-in returned to the redirect URI for a session (once, within OIDC_CODE_TTL).',
  })
  completeProviderSignIn(@Ctx() ctx: Context, @Arg('code', () => String) code: string) {
    return flows.completeProviderSignIn(ctx, code);
  }

  @Mutation(() => AuthPayload, {
    description:
      "Native apps: signs in with an ID token the app got from the provider for this gateway's client id, and the nonce the app sent when asking for it.",
  })
  signInWithIdToken(
    @Ctx() ctx: Context,
    @Arg('provider', () => ID) provider: string,
    @Arg('idToken', () => String) idToken: string,
    @Arg('nonce', () => String) nonce: string,
  ) {
    return flows.signInWithIdToken(ctx, provider, idToken, nonce);
  }

  @Mutation(() => ProviderAuthorization, {
    description: 'Starts linking an account at a provider to yours (needs a recent sign-in). The redirect carries a `code` for completeProviderLink.',
  })
  linkProvider(@Ctx() ctx: Context, @Arg('provider', () => ID) provider: string, @Arg('redirectUri', () => String) redirectUri: string) {
    return flows.startProviderLink(ctx, provider, redirectUri);
  }

  @Mutation(() => Identity, {
    description: 'Finishes a link started by linkProvider, with the one-time code from the redirect; only the account that started it can.',
  })
  completeProviderLink(@Ctx() ctx: Context, @Arg('code', () => String) code: string) {
    return flows.completeProviderLink(ctx, code);
  }

  @Mutation(() => Boolean, { description: "Unlinks one of your identities (any user's, for admins); refused when it is the account's last way to sign in." })
  unlinkIdentity(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return identities.unlinkIdentity(ctx, id);
  }
}

@Resolver(() => User)
export class UserIdentitiesResolver {
  @FieldResolver(() => [Identity], { nullable: true, description: 'Linked provider identities. Private: null to anyone but the user and admins.' })
  identities(@Root() user: User, @Ctx() ctx: Context) {
    return identities.identitiesOf(ctx, user);
  }
}
