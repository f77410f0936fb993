// Teams: any signed-in user creates teams they own; the owner or an admin
// manages a team; its owner, members and admins may read it. An admin adds
// members directly (as with organisations); an owner only invites, and the
// invitee becomes a member by accepting (team-invitations.service.ts).
import type { Context, Viewer } from '../../graphql/context.js';
import type { Prisma, Team as TeamRow } from '../../generated/prisma/client.js';
import { ConflictError, FieldErrors, ForbiddenError, NotFoundError } from '../../common/errors.js';
import { parseIntId, requireViewer } from '../../common/access.js';
import { findLiveUser } from '../users/users.service.js';
import { checkName, checkRoles } from './memberships.validation.js';
import { LIST_LIMIT, findJoinableOrganisation, rethrowMissing } from './organisations.service.js';
import type { TeamInput } from './organisations.types.js';
import { inviteToTeam } from './team-invitations.service.js';

type Ctx = Context;

async function findTeam(ctx: Ctx, id: number): Promise<TeamRow> {
  const team = await ctx.db.team.findUnique({ where: { id } });
  if (!team) throw new NotFoundError('Team');
  return team;
}

/** The team, when the viewer is an admin or its owner. */
async function findManagedTeam(ctx: Ctx, viewer: Viewer, id: number): Promise<TeamRow> {
  const team = await findTeam(ctx, id);
  if (!viewer.isAdmin && team.ownerId !== viewer.userId) throw new ForbiddenError('Only the team owner or an admin may do this.');
  return team;
}

function checkTeamName(input: TeamInput): string {
  const errors = new FieldErrors();
  const name = checkName(errors, 'input.name', input.name, 'team');
  errors.throwIfAny();
  return name;
}

export function listTeams(ctx: Ctx): Promise<TeamRow[]> {
  const viewer = requireViewer(ctx);
  return ctx.db.team.findMany({
    where: viewer.isAdmin ? {} : { OR: [{ ownerId: viewer.userId }, { members: { some: { userId: viewer.userId } } }] },
    orderBy: { id: 'asc' },
    take: LIST_LIMIT,
  });
}

export async function getTeam(ctx: Ctx, id: string): Promise<TeamRow> {
  const viewer = requireViewer(ctx);
  const team = await findTeam(ctx, parseIntId(id));
  if (viewer.isAdmin || team.ownerId === viewer.userId) return team;
  const membership = await ctx.db.teamMember.findUnique({ where: { teamId_userId: { teamId: team.id, userId: viewer.userId } } });
  if (!membership) throw new ForbiddenError('You are not a member of this team.');
  return team;
}

/** Creates a team owned by the viewer (or, for admins, by ownerId); the owner becomes a member with no roles. */
export async function createTeam(ctx: Ctx, input: TeamInput): Promise<TeamRow> {
  const viewer = requireViewer(ctx);
  const name = checkTeamName(input);
  const ownerId = input.ownerId != null ? parseIntId(input.ownerId, 'input.ownerId') : viewer.userId;
  const organisationId = input.organisationId != null ? parseIntId(input.organisationId, 'input.organisationId') : null;
  if (ownerId !== viewer.userId) {
    if (!viewer.isAdmin) throw new ForbiddenError('Only an admin may create a team for someone else.');
    await findLiveUser(ctx, ownerId);
  }
  if (organisationId !== null) await findJoinableOrganisation(ctx, viewer, organisationId);
  return ctx.db.team.create({ data: { name, ownerId, organisationId, members: { create: { userId: ownerId, roles: [] } } } });
}

/**
 * Renames the team; moves it to another organisation (null detaches, omitting
 * keeps it); admins may transfer it to a new owner, who becomes a member.
 */
export async function updateTeam(ctx: Ctx, id: string, input: TeamInput): Promise<TeamRow> {
  const viewer = requireViewer(ctx);
  const teamId = parseIntId(id);
  const name = checkTeamName(input);
  const organisationId =
    input.organisationId === undefined ? undefined : input.organisationId === null ? null : parseIntId(input.organisationId, 'input.organisationId');
  const ownerId = input.ownerId != null ? parseIntId(input.ownerId, 'input.ownerId') : undefined;
  const team = await findManagedTeam(ctx, viewer, teamId);
  const data: Prisma.TeamUncheckedUpdateInput = { name };
  if (organisationId !== undefined && organisationId !== team.organisationId) {
    if (organisationId !== null) await findJoinableOrganisation(ctx, viewer, organisationId);
    data.organisationId = organisationId;
  }
  const newOwnerId = ownerId !== undefined && ownerId !== team.ownerId ? ownerId : null;
  if (newOwnerId !== null) {
    if (!viewer.isAdmin) throw new ForbiddenError('Only an admin may transfer a team to another owner.');
    await findLiveUser(ctx, newOwnerId);
    data.ownerId = newOwnerId;
  }
  try {
    return await ctx.db.$transaction(async (tx) => {
      const updated = await tx.team.update({ where: { id: teamId }, data });
      if (newOwnerId !== null) {
        await tx.teamMember.upsert({
          where: { teamId_userId: { teamId, userId: newOwnerId } },
          create: { teamId, userId: newOwnerId, roles: [] },
          update: {},
        });
      }
      return updated;
    });
  } catch (error) {
    rethrowMissing(error, 'Team');
  }
}

export async function deleteTeam(ctx: Ctx, id: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const team = await findManagedTeam(ctx, viewer, parseIntId(id));
  const deleted = await ctx.db.team.deleteMany({ where: { id: team.id } });
  if (deleted.count === 0) throw new NotFoundError('Team');
  return true;
}

/**
 * Replaces a member's roles; otherwise an admin adds the live user at once,
 * and an owner invites them. An owner gets the same answer whether the id is
 * a user, a deleted one or nobody, so the mutation reveals no account.
 */
export async function setTeamMember(ctx: Ctx, teamIdArg: string, userIdArg: string, rolesArg: string[]): Promise<TeamRow> {
  const viewer = requireViewer(ctx);
  const teamId = parseIntId(teamIdArg, 'teamId');
  const userId = parseIntId(userIdArg, 'userId');
  const errors = new FieldErrors();
  const roles = checkRoles(errors, 'roles', rolesArg);
  errors.throwIfAny();
  const team = await findManagedTeam(ctx, viewer, teamId);
  const member = await ctx.db.teamMember.findUnique({ where: { teamId_userId: { teamId, userId } }, select: { userId: true } });
  if (!member && !viewer.isAdmin) {
    await inviteToTeam(ctx, teamId, userId, roles);
    return team;
  }
  await findLiveUser(ctx, userId);
  await ctx.db.$transaction([
    ctx.db.teamMember.upsert({ where: { teamId_userId: { teamId, userId } }, create: { teamId, userId, roles }, update: { roles } }),
    // An invitation still pending is settled by the admin's decision.
    ctx.db.teamInvitation.deleteMany({ where: { teamId, userId } }),
  ]);
  return team;
}

/**
 * Removes a member, or withdraws an invitation; the owner stays a member for
 * as long as they own the team. For an owner who is not an admin, an unknown
 * user answers as a non-member does.
 */
export async function removeTeamMember(ctx: Ctx, teamIdArg: string, userIdArg: string): Promise<TeamRow> {
  const viewer = requireViewer(ctx);
  const teamId = parseIntId(teamIdArg, 'teamId');
  const userId = parseIntId(userIdArg, 'userId');
  const team = await findManagedTeam(ctx, viewer, teamId);
  if (viewer.isAdmin && !(await ctx.db.user.findUnique({ where: { id: userId }, select: { id: true } }))) throw new NotFoundError('User');
  if (userId === team.ownerId) throw new ConflictError('The owner cannot leave the team; transfer it to someone else first.', 'userId');
  const [removed] = await ctx.db.$transaction([
    ctx.db.teamMember.deleteMany({ where: { teamId, userId } }),
    ctx.db.teamInvitation.deleteMany({ where: { teamId, userId } }),
  ]);
  if (removed.count === 0) throw new NotFoundError('Team member');
  return team;
}
