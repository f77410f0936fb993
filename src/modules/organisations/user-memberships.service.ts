// The memberships seed 001's user object shows. A user sees all of their own
// (and so does an admin, or the caller of login/register, who gets their own
// user back); another signed-in user sees only those they share.
import type { Context } from '../../graphql/context.js';
import { canSeePrivate } from '../../common/visibility.js';
import { logoUrl } from './organisations.mapper.js';
import type { UserOrganisation, UserTeam } from './organisations.types.js';

type Ctx = Pick<Context, 'viewer' | 'loaders' | 'publicUrl'>;

export async function userOrganisations(ctx: Ctx, user: { id: number }): Promise<UserOrganisation[]> {
  let rows = await ctx.loaders.organisationsByUserId.load(user.id);
  if (!canSeePrivate(ctx, user)) {
    if (!ctx.viewer) return [];
    const shared = new Set((await ctx.loaders.organisationsByUserId.load(ctx.viewer.userId)).map((r) => r.organisation.id));
    rows = rows.filter((r) => shared.has(r.organisation.id));
  }
  return rows.map(({ organisation, roles }) => ({
    id: organisation.id,
    name: organisation.name,
    logoUrl: logoUrl(ctx.publicUrl, organisation.logoKey),
    logoProperties: (organisation.logoProperties ?? {}) as Record<string, unknown>,
    currentUserRoles: roles,
  }));
}

export async function userTeams(ctx: Ctx, user: { id: number }): Promise<UserTeam[]> {
  const userId = user.id;
  let rows = await ctx.loaders.teamsByUserId.load(userId);
  if (!canSeePrivate(ctx, user)) {
    if (!ctx.viewer) return [];
    const viewerId = ctx.viewer.userId;
    const shared = new Set((await ctx.loaders.teamsByUserId.load(viewerId)).map((r) => r.team.id));
    rows = rows.filter((r) => shared.has(r.team.id) || r.team.ownerId === viewerId);
  }
  return rows.map(({ team, roles }) => ({
    id: team.id,
    name: team.name,
    isOwner: team.ownerId === userId,
    currentUserRoles: roles,
  }));
}
