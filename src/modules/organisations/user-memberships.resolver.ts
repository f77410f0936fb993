// User.organisations and User.teams: the memberships seed 001's user object shows.
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { UserOrganisation, UserTeam } from './organisations.types.js';

@Resolver(() => User)
export class UserMembershipsResolver {
  @FieldResolver(() => [UserOrganisation])
  async organisations(@Root() user: User, @Ctx() ctx: Context): Promise<UserOrganisation[]> {
    const rows = await ctx.loaders.organisationsByUserId.load(user.id);
    return rows.map(({ organisation, roles }) => ({
      id: organisation.id,
      name: organisation.name,
      logoUrl: organisation.logoKey ? `${ctx.publicUrl}/media/logos/${encodeURIComponent(organisation.logoKey)}` : null,
      logoProperties: (organisation.logoProperties ?? {}) as Record<string, unknown>,
      currentUserRoles: roles,
    }));
  }

  @FieldResolver(() => [UserTeam])
  async teams(@Root() user: User, @Ctx() ctx: Context): Promise<UserTeam[]> {
    const rows = await ctx.loaders.teamsByUserId.load(user.id);
    return rows.map(({ team, roles }) => ({
      id: team.id,
      name: team.name,
      isOwner: team.ownerId === user.id,
      currentUserRoles: roles,
    }));
  }
}
