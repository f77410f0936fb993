import { Field, ID, ObjectType } from 'type-graphql';
import { User } from '../users/users.types.js';

@ObjectType({ description: 'One signed-in device or client. Its id is the `uid` claim of its access tokens.' })
export class Session {
  @Field(() => ID)
  id: string;

  userId: number;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  lastUsedAt: Date;

  @Field(() => Date, { description: 'When the refresh token stops working.' })
  expiresAt: Date;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  applicationId: number | null;

  @Field(() => [String], {
    description: 'How the session signed in (RFC 8176-style): pwd, otp, recovery, webauthn, email, oidc; its access tokens carry it as `amr`.',
  })
  amr: string[];

  @Field(() => Date, {
    description: 'When its holder last proved who they are (sign-in or reauthenticate); sensitive operations need this within REAUTH_MAX_AGE_MINUTES.',
  })
  authenticatedAt: Date;
  @Field(() => String, {
    nullable: true,
    description: 'The identity provider this session signed in through (see identityProviders); null for other sign-ins.',
  })
  provider?: string | null;
}

@ObjectType()
export class AuthPayload {
  @Field(() => String, { description: 'JWT to send as `Authorization: Bearer <token>`.' })
  accessToken: string;

  @Field(() => String, { description: 'Single-use: exchange it with refreshSession for a new pair.' })
  refreshToken: string;

  @Field(() => Date, { description: 'When the access token expires.' })
  expiresAt: Date;

  /** Resolved by AuthPayloadResolver: `user` when the service already has the row, else loaded by id. */
  @Field(() => User)
  user?: User;

  @Field(() => Session)
  session?: Session;

  userId: number;
  sessionId: string;
}
