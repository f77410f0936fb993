import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { MfaFactorKind } from '../../generated/prisma/enums.js';

export { MfaFactorKind };
registerEnumType(MfaFactorKind, { name: 'MfaFactorKind', description: 'TOTP: an authenticator app. WEBAUTHN: a passkey or security key.' });

@ObjectType({ description: 'A second factor of a user: an authenticator app or a passkey. Its secret is never readable.' })
export class MfaFactor {
  @Field(() => ID)
  id: number;

  userId: number;

  @Field(() => MfaFactorKind)
  kind: MfaFactorKind;

  @Field(() => String, { nullable: true })
  label: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Null until the factor is proven to work (confirmTotp, or a finished passkey registration): until then it does not sign in.',
  })
  confirmedAt: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt: Date | null;
}

@ObjectType({
  description:
    'An authenticator app being enrolled: show the QR code (or the secret), then call confirmTotp with a code from the app. The secret is shown only here.',
})
export class TotpEnrollment {
  @Field(() => MfaFactor, { description: 'The new factor, unconfirmed.' })
  factor: MfaFactor;

  @Field(() => String, { description: 'The shared secret, base32, for typing into the app.' })
  secret: string;

  @Field(() => String, { description: 'The otpauth:// URL the QR code holds.' })
  otpauthUrl: string;

  @Field(() => String, { description: 'The QR code of otpauthUrl as an SVG document.' })
  qrCodeSvg: string;
}
