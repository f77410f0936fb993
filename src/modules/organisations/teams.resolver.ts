import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { Organisation, Team, TeamInput, TeamMember } from './organisations.types.js';
import { toOrganisation } from './organisations.mapper.js';
import * as teams from './teams.service.js';

@Resolver(() => Team)
export class TeamsResolver {
  @Query(() => [Team], { description: 'Every team for admins; otherwise those you own or belong to.' })
  teams(@Ctx() ctx: Context) {
    return teams.listTeams(ctx);
  }

  @Query(() => Team, { description: 'A team you own or belong to (any, for admins).' })
  team(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return teams.getTeam(ctx, id);
  }

  @Mutation(() => Team, { description: 'Creates a team you own (admins may name another owner); the owner becomes a member.' })
  createTeam(@Ctx() ctx: Context, @Arg('input', () => TeamInput) input: TeamInput) {
    return teams.createTeam(ctx, input);
  }

  @Mutation(() => Team, { description: 'Owner or admin: renames a team or moves it; admins may transfer it.' })
  updateTeam(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('input', () => TeamInput) input: TeamInput) {
    return teams.updateTeam(ctx, id, input);
  }

  @Mutation(() => Boolean, { description: 'Owner or admin: deletes a team and its memberships.' })
  deleteTeam(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return teams.deleteTeam(ctx, id);
  }

  @Mutation(() => Team, {
    description:
      "Owner or admin: replaces a member's roles. A user who is not a member is added at once by an admin, and invited by an owner " +
      '(they join by acceptTeamInvitation); the answer is the same whoever the id names.',
  })
  setTeamMember(
    @Ctx() ctx: Context,
    @Arg('teamId', () => ID) teamId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('roles', () => [String], { description: 'At most 20 names of 1 to 64 characters.' }) roles: string[],
  ) {
    return teams.setTeamMember(ctx, teamId, userId, roles);
  }

  @Mutation(() => Team, { description: 'Owner or admin: removes a member (not the owner) from a team, and withdraws any invitation.' })
  removeTeamMember(@Ctx() ctx: Context, @Arg('teamId', () => ID) teamId: string, @Arg('userId', () => ID) userId: string) {
    return teams.removeTeamMember(ctx, teamId, userId);
  }

  @FieldResolver(() => User)
  async owner(@Root() team: Team, @Ctx() ctx: Context) {
    return (await ctx.loaders.userById.load(team.ownerId))!;
  }

  @FieldResolver(() => Organisation, { nullable: true })
  async organisation(@Root() team: Team, @Ctx() ctx: Context) {
    const row = team.organisationId === null ? null : await ctx.loaders.organisationById.load(team.organisationId);
    return row ? toOrganisation(row, ctx.publicUrl) : null;
  }

  @FieldResolver(() => [TeamMember])
  members(@Root() team: Team, @Ctx() ctx: Context) {
    return ctx.loaders.membersByTeamId.load(team.id);
  }
}

@Resolver(() => TeamMember)
export class TeamMemberResolver {
  @FieldResolver(() => User)
  async user(@Root() member: TeamMember, @Ctx() ctx: Context) {
    return (await ctx.loaders.userById.load(member.userId))!;
  }
}
