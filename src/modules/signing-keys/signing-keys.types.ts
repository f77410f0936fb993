import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A key that signs access tokens. Its public part is in /.well-known/jwks.json while it may have valid tokens.' })
export class SigningKey {
  @Field(() => String, { description: 'The `kid` header of the tokens it signs.' })
  kid: string;

  @Field(() => String, { description: 'ES256, RS256 or EdDSA.' })
  algorithm: string;

  @Field(() => String, { description: '`pending` (published, not signing yet), `active`, `retired` or `revoked`.' })
  status: string;

  @Field(() => String, { description: '`generated` (stored encrypted in the database) or `configured` (JWT_SIGNING_KEYS_FILE).' })
  source: string;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { description: 'When it starts (or started) signing.' })
  activatesAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the next key takes (or took) over; it stays published one access-token lifetime longer.' })
  retiresAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}
