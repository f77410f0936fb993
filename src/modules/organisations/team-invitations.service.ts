// Team invitations: membership by consent. An owner's setTeamMember on someone
// who is not a member leaves an invitation; only the invitee sees it, and
// accepting makes them a member with the roles it carries. The inviter learns
// nothing: an invitation to nobody, or to a deleted account, answers the same
// and is simply not kept.
import type { Context } from '../../graphql/context.js';
import type { Team as TeamRow } from '../../generated/prisma/client.js';
import { NotFoundError } from '../../common/errors.js';
import { parseIntId, requireViewer } from '../../common/access.js';
import { LIST_LIMIT } from './organisations.service.js';
import type { TeamInvitation } from './organisations.types.js';

type Ctx = Context;

/** Leaves (or updates) an invitation for a live user; does nothing, visibly the same, for anyone else. */
export async function inviteToTeam(ctx: Pick<Ctx, 'db'>, teamId: number, userId: number, roles: string[]): Promise<void> {
  const invitee = await ctx.db.user.findUnique({ where: { id: userId }, select: { deletedAt: true } });
  if (!invitee || invitee.deletedAt) return;
  await ctx.db.teamInvitation.upsert({ where: { teamId_userId: { teamId, userId } }, create: { teamId, userId, roles }, update: { roles } });
}

/** The viewer's pending invitations, oldest first. */
export async function listTeamInvitations(ctx: Ctx): Promise<TeamInvitation[]> {
  const viewer = requireViewer(ctx);
  const rows = await ctx.db.teamInvitation.findMany({
    where: { userId: viewer.userId },
    include: { team: { select: { name: true, ownerId: true } } },
    orderBy: [{ createdAt: 'asc' }, { teamId: 'asc' }],
    take: LIST_LIMIT,
  });
  return rows.map((row) => ({ teamId: row.teamId, teamName: row.team.name, ownerId: row.team.ownerId, roles: row.roles, createdAt: row.createdAt }));
}

/** Makes the viewer a member of the team with the invitation's roles. */
export async function acceptTeamInvitation(ctx: Ctx, teamIdArg: string): Promise<TeamRow> {
  const viewer = requireViewer(ctx);
  const teamId = parseIntId(teamIdArg, 'teamId');
  const userId = viewer.userId;
  return ctx.db.$transaction(async (tx) => {
    const invitation = await tx.teamInvitation.findUnique({ where: { teamId_userId: { teamId, userId } } });
    if (!invitation) throw new NotFoundError('Team invitation');
    await tx.teamInvitation.delete({ where: { teamId_userId: { teamId, userId } } });
    await tx.teamMember.upsert({
      where: { teamId_userId: { teamId, userId } },
      create: { teamId, userId, roles: invitation.roles },
      update: { roles: invitation.roles },
    });
    return tx.team.findUniqueOrThrow({ where: { id: teamId } });
  });
}

export async function declineTeamInvitation(ctx: Ctx, teamIdArg: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const teamId = parseIntId(teamIdArg, 'teamId');
  const deleted = await ctx.db.teamInvitation.deleteMany({ where: { teamId, userId: viewer.userId } });
  if (deleted.count === 0) throw new NotFoundError('Team invitation');
  return true;
}
