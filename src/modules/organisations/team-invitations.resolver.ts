import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { Team, TeamInvitation } from './organisations.types.js';
import * as invitations from './team-invitations.service.js';

@Resolver(() => TeamInvitation)
export class TeamInvitationsResolver {
  @Query(() => [TeamInvitation], { description: 'Your pending team invitations, oldest first.' })
  teamInvitations(@Ctx() ctx: Context) {
    return invitations.listTeamInvitations(ctx);
  }

  @Mutation(() => Team, { description: 'Accepts your invitation to a team: you become a member with its roles.' })
  acceptTeamInvitation(@Ctx() ctx: Context, @Arg('teamId', () => ID) teamId: string) {
    return invitations.acceptTeamInvitation(ctx, teamId);
  }

  @Mutation(() => Boolean, { description: 'Declines your invitation to a team.' })
  declineTeamInvitation(@Ctx() ctx: Context, @Arg('teamId', () => ID) teamId: string) {
    return invitations.declineTeamInvitation(ctx, teamId);
  }

  @FieldResolver(() => User, { description: 'Who invited you: the team owner.' })
  async owner(@Root() invitation: TeamInvitation, @Ctx() ctx: Context) {
    return (await ctx.loaders.userById.load(invitation.ownerId))!;
  }
}
