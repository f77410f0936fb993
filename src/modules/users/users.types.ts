import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';
import { ProfileInput } from '../profiles/profiles.types.js';
import { Private } from '../../common/visibility.js';

@Directive('@key(fields: "id")')
@ObjectType({
  // Plain fields skip type-graphql's middleware wrapper (no field here has @Authorized or middleware);
  // @Private() fields are guarded by src/graphql/private-fields.ts, synchronously.
  simpleResolvers: true,
  description: 'A person who can sign in. Secrets (password hash, tokens) are never exposed; private fields are null unless you are this user or an admin.',
})
export class User {
  @Field(() => ID)
  id: number;

  @Private()
  @Field(() => String, { nullable: true, description: 'Lower-cased; null for users known by username only. Private.' })
  email: string | null;

  @Field(() => String, { nullable: true })
  username: string | null;

  @Private()
  @Field(() => String, { nullable: true, description: 'Private.' })
  status: string | null;

  @Private()
  @Field(() => String, { nullable: true, description: 'Private.' })
  statusMessage: string | null;

  @Field(() => Boolean, { description: 'False when an admin has deactivated the account.' })
  active: boolean;

  @Private()
  @Field(() => Date, { nullable: true, description: 'When the email address was confirmed. Private.' })
  confirmedAt: Date | null;

  @Private()
  @Field(() => Boolean, { nullable: true, description: 'True when the user must choose a new password. Private.' })
  forcePasswordReset: boolean;

  @Field(() => Int)
  scores: number;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;

  @Private()
  @Field(() => Date, { nullable: true, description: 'Set when the user was (soft) deleted. Private.' })
  deletedAt: Date | null;

  @Private()
  @Field(() => ID, { nullable: true, description: 'The admin who created the account; null for a self-registration. Private.' })
  createdById: number | null;

  @Private()
  @Field(() => ID, { nullable: true, description: 'Who last changed the account. Private.' })
  modifiedById: number | null;
}

@ObjectType({ description: 'A JSON object of preferences. A user has many.', simpleResolvers: true })
export class UserPreference {
  @Field(() => ID)
  id: number;

  @Field(() => JSONObjectResolver)
  preferences: Record<string, unknown>;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}

@InputType()
export class RegisterInput {
  @Field(() => String)
  email: string;

  @Field(() => String, { description: '8 to 72 bytes.' })
  password: string;

  @Field(() => String, { nullable: true, description: 'Must equal password when given.' })
  passwordConfirmation?: string | null;

  @Field(() => String, { nullable: true, description: '3 to 64 letters, digits, dots, dashes or underscores.' })
  username?: string | null;
}

@InputType({ description: 'One preferences object: without id it is added, with id it is replaced (or deleted).' })
export class PreferenceInput {
  @Field(() => ID, { nullable: true })
  id?: string | null;

  @Field(() => JSONObjectResolver, { nullable: true })
  preferences?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true, description: 'Delete the preferences object with this id.' })
  delete?: boolean | null;
}

@InputType({ description: 'Changes to your own account. Changing email or password needs currentPassword.' })
export class UpdateMeInput {
  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'New password, 8 to 72 bytes.' })
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'Must equal password when given.' })
  passwordConfirmation?: string | null;

  @Field(() => String, { nullable: true, description: 'Required to change email or password.' })
  currentPassword?: string | null;

  @Field(() => ProfileInput, { nullable: true })
  profile?: ProfileInput | null;

  @Field(() => [PreferenceInput], { nullable: true })
  preferences?: PreferenceInput[] | null;
}
