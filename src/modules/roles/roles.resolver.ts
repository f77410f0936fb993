import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { UserPage } from '../users/users-admin.types.js';
import { Role, RoleInput, RolePage, RoleUpdateInput, RolesFilter } from './roles.types.js';
import * as roles from './roles.service.js';

@Resolver(() => Role)
export class RolesResolver {
  @Query(() => RolePage, { description: 'Roles by id, for anyone signed in.' })
  roles(
    @Ctx() ctx: Context,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('pageSize', () => Int, { nullable: true }) pageSize?: number | null,
    @Arg('filter', () => RolesFilter, { nullable: true }) filter?: RolesFilter | null,
  ) {
    return roles.listRoles(ctx, page, pageSize, filter);
  }

  @Query(() => Role, { description: 'A role, for anyone signed in.' })
  role(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return roles.getRole(ctx, id);
  }

  @Mutation(() => Role, { description: 'Admin: creates a role.' })
  createRole(@Ctx() ctx: Context, @Arg('input', () => RoleInput) input: RoleInput) {
    return roles.createRole(ctx, input);
  }

  @Mutation(() => Role, { description: 'Admin: renames or describes a role; not an unchangeable one.' })
  updateRole(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('input', () => RoleUpdateInput) input: RoleUpdateInput) {
    return roles.updateRole(ctx, id, input);
  }

  @Mutation(() => Boolean, { description: 'Admin: deletes a role, taking it from its users; not an unchangeable one.' })
  deleteRole(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return roles.deleteRole(ctx, id);
  }

  @Mutation(() => User, { description: 'Admin: grants a role (no change if already held).' })
  assignRole(@Ctx() ctx: Context, @Arg('userId', () => ID) userId: string, @Arg('roleId', () => ID) roleId: string) {
    return roles.assignRole(ctx, userId, roleId);
  }

  @Mutation(() => User, { description: 'Admin: takes a role away (no change if not held). The last admin keeps theirs.' })
  removeRole(@Ctx() ctx: Context, @Arg('userId', () => ID) userId: string, @Arg('roleId', () => ID) roleId: string) {
    return roles.removeRole(ctx, userId, roleId);
  }

  @Mutation(() => Boolean, { description: 'Admin: grants every listed role to every listed user, all or nothing (no change where already held).' })
  assignRoles(@Ctx() ctx: Context, @Arg('userIds', () => [ID]) userIds: string[], @Arg('roleIds', () => [ID]) roleIds: string[]) {
    return roles.assignRoles(ctx, userIds, roleIds);
  }

  @Mutation(() => Boolean, { description: 'Admin: takes every listed role from every listed user, all or nothing. The last admin keeps theirs.' })
  removeRoles(@Ctx() ctx: Context, @Arg('userIds', () => [ID]) userIds: string[], @Arg('roleIds', () => [ID]) roleIds: string[]) {
    return roles.removeRoles(ctx, userIds, roleIds);
  }

  @FieldResolver(() => UserPage, { description: 'Admin: the users holding this role.' })
  users(
    @Root() role: Role,
    @Ctx() ctx: Context,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('pageSize', () => Int, { nullable: true }) pageSize?: number | null,
  ) {
    return roles.roleUsers(ctx, role, page, pageSize);
  }
}
