// Admin user management: the listing's filter and page, and the create/update inputs.
import { Page } from '../../common/page.types.js';
import { Field, ID, InputType, Int } from 'type-graphql';
import { ProfileInput } from '../profiles/profiles.types.js';
import { User, UpdateMeInput } from './users.types.js';

@InputType({ description: 'Narrows the users listing; every given condition must hold.' })
export class UsersFilter {
  @Field(() => [ID], { nullable: true })
  ids?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive part of email, username, first or last name.' })
  search?: string | null;

  @Field(() => String, { nullable: true, description: 'Only users with the role of this name.' })
  role?: string | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  confirmed?: boolean | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Also list soft-deleted users.' })
  includeDeleted?: boolean | null;
}

export const UserPage = Page(User, 'users, ordered by id');
export type UserPage = InstanceType<typeof UserPage>;

@InputType({ description: 'A new account, created by an admin. Needs an email, a username or both.' })
export class CreateUserInput {
  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true, description: '8 to 72 bytes. Without one, the user sets it through a password reset.' })
  password?: string | null;

  @Field(() => String, { nullable: true, description: 'Must equal password when given.' })
  passwordConfirmation?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Mark the email as confirmed; otherwise a confirmation token is mailed.' })
  confirmed?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Default true.' })
  active?: boolean | null;

  @Field(() => String, { nullable: true })
  status?: string | null;

  @Field(() => String, { nullable: true })
  statusMessage?: string | null;

  @Field(() => Boolean, { nullable: true })
  forcePasswordReset?: boolean | null;

  @Field(() => ProfileInput, { nullable: true })
  profile?: ProfileInput | null;

  @Field(() => [ID], { nullable: true, description: 'Roles to grant.' })
  roleIds?: string[] | null;
}

@InputType({
  description:
    'Changes to an account. A user may change their own email, username, password (with currentPassword), ' +
    'profile and preferences; the other fields are for admins only.',
})
export class UpdateUserInput extends UpdateMeInput {
  @Field(() => String, { nullable: true, description: 'Admin only.' })
  status?: string | null;

  @Field(() => String, { nullable: true, description: 'Admin only.' })
  statusMessage?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Admin only. False signs the user out everywhere.' })
  active?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Admin only.' })
  confirmed?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Admin only.' })
  forcePasswordReset?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Admin only.' })
  scores?: number | null;

  @Field(() => [ID], { nullable: true, description: 'Admin only: the exact set of roles the user should have.' })
  roleIds?: string[] | null;
}

/** Fields of UpdateUserInput only an admin may send. */
export const ADMIN_ONLY_USER_FIELDS = ['status', 'statusMessage', 'active', 'confirmed', 'forcePasswordReset', 'scores', 'roleIds'] as const;
