import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { Organisation, OrganisationInput, OrganisationMember } from './organisations.types.js';
import * as organisations from './organisations.service.js';

@Resolver(() => Organisation)
export class OrganisationsResolver {
  @Query(() => [Organisation], { description: 'Every organisation for admins; otherwise those you belong to.' })
  organisations(@Ctx() ctx: Context) {
    return organisations.listOrganisations(ctx);
  }

  @Query(() => Organisation, { description: 'An organisation you belong to (any, for admins).' })
  organisation(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return organisations.getOrganisation(ctx, id);
  }

  @Mutation(() => Organisation, { description: 'Admin: creates an organisation.' })
  createOrganisation(@Ctx() ctx: Context, @Arg('input', () => OrganisationInput) input: OrganisationInput) {
    return organisations.createOrganisation(ctx, input);
  }

  @Mutation(() => Organisation, { description: 'Admin: renames an organisation or changes its logo properties.' })
  updateOrganisation(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('input', () => OrganisationInput) input: OrganisationInput) {
    return organisations.updateOrganisation(ctx, id, input);
  }

  @Mutation(() => Boolean, { description: 'Admin: deletes an organisation and its memberships; its teams stay, detached.' })
  deleteOrganisation(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return organisations.deleteOrganisation(ctx, id);
  }

  @Mutation(() => Organisation, { description: 'Admin: adds a user to an organisation, or replaces their roles in it.' })
  setOrganisationMember(
    @Ctx() ctx: Context,
    @Arg('organisationId', () => ID) organisationId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('roles', () => [String], { description: 'At most 20 names of 1 to 64 characters.' }) roles: string[],
  ) {
    return organisations.setOrganisationMember(ctx, organisationId, userId, roles);
  }

  @Mutation(() => Organisation, { description: 'Admin: removes a user from an organisation.' })
  removeOrganisationMember(@Ctx() ctx: Context, @Arg('organisationId', () => ID) organisationId: string, @Arg('userId', () => ID) userId: string) {
    return organisations.removeOrganisationMember(ctx, organisationId, userId);
  }

  @FieldResolver(() => [OrganisationMember], { description: 'Visible to admins and members of the organisation.' })
  members(@Root() organisation: Organisation, @Ctx() ctx: Context) {
    return organisations.listOrganisationMembers(ctx, organisation.id);
  }
}

@Resolver(() => OrganisationMember)
export class OrganisationMemberResolver {
  @FieldResolver(() => User)
  async user(@Root() member: OrganisationMember, @Ctx() ctx: Context) {
    return (await ctx.loaders.userById.load(member.userId))!;
  }
}
