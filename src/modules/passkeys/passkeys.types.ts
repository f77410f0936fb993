import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A passkey registered by finishPasskeyRegistration. Its public key and credential id are never returned.' })
export class Passkey {
  @Field(() => ID, { description: 'The factor id (as in removeMfaFactor).' })
  id: string;

  @Field(() => String, { nullable: true, description: 'The name the user gave it.' })
  label: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether it signs in without a username (a discoverable credential), as the browser reported.' })
  discoverable: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether the authenticator reports it backed up (synced), at registration or its last use.' })
  backedUp: boolean | null;

  @Field(() => String, { nullable: true, description: '`singleDevice` or `multiDevice`.' })
  deviceType: string | null;

  @Field(() => [String], { description: 'How the browser can reach the authenticator (`internal`, `usb`, `hybrid`, ...).' })
  transports: string[];

  @Field(() => [String], {
    nullable: true,
    description:
      "Only in finishPasskeyRegistration's answer, and only when this passkey is the user's first second factor: a new set of single-use recovery codes, shown this once (as confirmTotp's). Null otherwise.",
  })
  recoveryCodes?: string[] | null;
}
