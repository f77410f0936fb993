import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum ApiKeyScope {
  read = 'read',
  write = 'write',
}
registerEnumType(ApiKeyScope, {
  name: 'ApiKeyScope',
  description: '`read`: queries only. `write`: queries and mutations, except those that manage credentials (keys, sessions, passwords, email).',
});

@ObjectType({ description: 'A long-lived credential for scripts and services: `Authorization: Bearer ugk_...`. The secret is never shown again.' })
export class ApiKey {
  @Field(() => ID)
  id: number;

  @Field(() => ID, { description: 'The user the key acts as.' })
  userId: number;

  @Field(() => String)
  name: string;

  @Field(() => String, { description: 'The first characters of the secret, to tell keys apart (e.g. `ugk_AbCd1234`).' })
  prefix: string;

  @Field(() => [ApiKeyScope])
  scopes: string[];

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'Null: the key does not expire.' })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'Updated at most once a minute, and at once from a new address.' })
  lastUsedAt: Date | null;

  @Field(() => String, { nullable: true })
  lastUsedIp: string | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;
}

@ObjectType({ description: 'Returned once, when a key is created: store the secret now.' })
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey: ApiKey;

  @Field(() => String, { description: 'Shown only here (`ugk_` and 43 characters); the server keeps a keyed hash.' })
  secret: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, { description: 'What the key is for, 1 to 100 characters.' })
  name: string;

  @Field(() => [ApiKeyScope], { description: 'At least one. `write` includes `read`.' })
  scopes: ApiKeyScope[];

  @Field(() => Date, { nullable: true, description: 'When the key stops working, within 5 years; null: never.' })
  expiresAt?: Date | null;
}
