import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An OpenID Connect provider people can sign in with (OIDC_PROVIDERS).' })
export class IdentityProvider {
  @Field(() => ID, { description: 'The id to pass to startProviderSignIn and linkProvider.' })
  id: string;

  @Field(() => String, { description: 'What the sign-in button says.' })
  name: string;
}

@ObjectType({ description: 'Where to send the browser to sign in at a provider.' })
export class ProviderAuthorization {
  @Field(() => String, { description: "The provider's authorization URL, with state, nonce and a PKCE challenge; open it in the browser." })
  authorizationUrl: string;

  @Field(() => ID, {
    description:
      'Comes back as the `flow` parameter on the redirect: keep it (e.g. in sessionStorage) and check it, so a redirect this browser did not start is ignored.',
  })
  flowId: string;
}

@ObjectType({ description: 'An account at an OpenID provider linked to a user; signing in there signs in here.' })
export class Identity {
  @Field(() => ID)
  id: number;

  @Field(() => String, { description: 'The provider id.' })
  provider: string;

  @Field(() => String, { description: "The provider's stable subject identifier (`sub`)." })
  subject: string;

  @Field(() => String, { nullable: true, description: 'The email the provider reported when last seen; not used to match accounts.' })
  email: string | null;

  @Field(() => Date)
  linkedAt: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;

  userId: number;
}
