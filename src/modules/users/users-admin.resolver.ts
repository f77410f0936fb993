import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, ID, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import { userRelations } from './users.relations.js';
import type { Context } from '../../graphql/context.js';
import { User } from './users.types.js';
import { CreateUserInput, UpdateUserInput, UserPage, UsersFilter } from './users-admin.types.js';
import * as usersAdmin from './users-admin.service.js';

@Resolver(() => User)
export class UsersAdminResolver {
  @Query(() => UserPage, { description: 'Admin: users by id, 20 a page unless asked; deleted ones only with includeDeleted.' })
  users(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('pageSize', () => Int, { nullable: true }) pageSize?: number | null,
    @Arg('filter', () => UsersFilter, { nullable: true }) filter?: UsersFilter | null,
  ) {
    return usersAdmin.listUsers(ctx, page, pageSize, filter, userRelations(info, 'items'));
  }

  @Query(() => User, { description: 'A user, for an admin or the user themself. A deleted one is GONE.' })
  user(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Info() info: GraphQLResolveInfo) {
    return usersAdmin.getUser(ctx, id, userRelations(info));
  }

  @Query(() => User, { description: 'A user by username, for an admin or the user themself. A deleted one is GONE.' })
  userByUsername(@Ctx() ctx: Context, @Arg('username', () => String) username: string) {
    return usersAdmin.getUserByUsername(ctx, username);
  }

  @Mutation(() => User, { description: 'Admin: creates an account, with roles and profile, in one step.' })
  createUser(@Ctx() ctx: Context, @Arg('input', () => CreateUserInput) input: CreateUserInput) {
    return usersAdmin.createUser(ctx, input);
  }

  @Mutation(() => User, { description: 'Changes an account: an admin, or the user within what updateMe allows.' })
  updateUser(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('input', () => UpdateUserInput) input: UpdateUserInput) {
    return usersAdmin.updateUser(ctx, id, input);
  }

  @Mutation(() => Boolean, { description: 'Soft-deletes an account (admin or the user) and signs it out everywhere.' })
  deleteUser(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return usersAdmin.deleteUser(ctx, id);
  }

  @Mutation(() => User, { description: 'Admin: confirms a user’s email without the mailed token.' })
  confirmUserById(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return usersAdmin.confirmUserById(ctx, id);
  }
}
