import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { Sex } from '../../generated/prisma/enums.js';

registerEnumType(Sex, { name: 'Sex' });

@ObjectType({ description: "A user's personal details. Every user has one.", simpleResolvers: true })
export class Profile {
  @Field(() => ID)
  id: number;

  userId: number;

  @Field(() => String, { nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  lastName: string | null;

  @Field(() => String, { nullable: true, description: 'Calendar date, YYYY-MM-DD.' })
  birthDate: string | null;

  @Field(() => Sex, { nullable: true })
  sex: Sex | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Europe/Paris.' })
  timeZone: string | null;

  @Field(() => String, { nullable: true, description: 'Public URL of the avatar image, or null.' })
  avatarUrl: string | null;

  @Field(() => JSONObjectResolver, { description: 'Free-form string values.' })
  customFields: Record<string, string>;
}

@InputType({ description: 'Profile fields to change; omitted fields stay as they are, null clears.' })
export class ProfileInput {
  @Field(() => String, { nullable: true })
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'Calendar date, YYYY-MM-DD.' })
  birthDate?: string | null;

  @Field(() => Sex, { nullable: true })
  sex?: Sex | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. Europe/Paris.' })
  timeZone?: string | null;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: 'Custom fields to merge: string values set a field, null removes it.',
  })
  customFields?: Record<string, unknown> | null;
}
