import { Page } from '../../common/page.types.js';
import { Directive, Field, ID, InputType, ObjectType } from 'type-graphql';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A named set of permissions. The `admin` role grants administration.', simpleResolvers: true })
export class Role {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => Boolean, { description: 'Unchangeable roles cannot be renamed or deleted.' })
  unchangeable: boolean;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}

@InputType({ description: 'Narrows the roles listing.' })
export class RolesFilter {
  @Field(() => [ID], { nullable: true })
  ids?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive part of the name.' })
  name?: string | null;
}

export const RolePage = Page(Role, 'roles, ordered by id');
export type RolePage = InstanceType<typeof RolePage>;

@InputType({ description: 'A new role.' })
export class RoleInput {
  @Field(() => String, { description: '1 to 64 letters, digits, spaces, dots, dashes or underscores; unique.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'At most 255 characters.' })
  description?: string | null;
}

@InputType({ description: 'Changes to a role; omitted fields stay as they are.' })
export class RoleUpdateInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'null clears it.' })
  description?: string | null;
}
