// User.organisations and User.teams: the memberships seed 001's user object shows.
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { UserOrganisation, UserTeam } from './organisations.types.js';
import { userOrganisations, userTeams } from './user-memberships.service.js';

@Resolver(() => User)
export class UserMembershipsResolver {
  @FieldResolver(() => [UserOrganisation], { description: 'Yours in full; for another user, only those you share.' })
  organisations(@Root() user: User, @Ctx() ctx: Context): Promise<UserOrganisation[]> {
    return userOrganisations(ctx, user);
  }

  @FieldResolver(() => [UserTeam], { description: 'Yours in full; for another user, only those you share.' })
  teams(@Root() user: User, @Ctx() ctx: Context): Promise<UserTeam[]> {
    return userTeams(ctx, user);
  }
}
