// Organisations and their members: admins manage them, members may read theirs.
import type { Context, Viewer } from '../../graphql/context.js';
import type { Organisation as OrganisationRow, Prisma } from '../../generated/prisma/client.js';
import { FieldErrors, ForbiddenError, NotFoundError } from '../../common/errors.js';
import { parseIntId, requireAdmin, requireViewer } from '../../common/access.js';
import { findLiveUser } from '../users/users.service.js';
import { checkLogoProperties, checkName, checkRoles } from './memberships.validation.js';
import { toOrganisation } from './organisations.mapper.js';
import type { Organisation, OrganisationInput } from './organisations.types.js';

type Ctx = Context;

/** A safety cap on unpaginated lists. */
export const LIST_LIMIT = 1000;

/** Prisma's "record to update or delete does not exist" becomes NOT_FOUND. */
export function rethrowMissing(error: unknown, what: string): never {
  if ((error as { code?: string } | null)?.code === 'P2025') throw new NotFoundError(what);
  throw error;
}

export async function findOrganisation(ctx: Pick<Ctx, 'db'>, id: number): Promise<OrganisationRow> {
  const row = await ctx.db.organisation.findUnique({ where: { id } });
  if (!row) throw new NotFoundError('Organisation');
  return row;
}

export async function isOrganisationMember(ctx: Pick<Ctx, 'db'>, organisationId: number, userId: number): Promise<boolean> {
  const row = await ctx.db.organisationMember.findUnique({
    where: { organisationId_userId: { organisationId, userId } },
    select: { userId: true },
  });
  return row !== null;
}

/** The organisation a team may join: it exists, and a non-admin viewer belongs to it. */
export async function findJoinableOrganisation(ctx: Ctx, viewer: Viewer, organisationId: number): Promise<OrganisationRow> {
  const organisation = await findOrganisation(ctx, organisationId);
  if (!viewer.isAdmin && !(await isOrganisationMember(ctx, organisationId, viewer.userId))) {
    throw new ForbiddenError('You may only attach a team to an organisation you belong to.');
  }
  return organisation;
}

export async function listOrganisations(ctx: Ctx): Promise<Organisation[]> {
  const viewer = requireViewer(ctx);
  const rows = await ctx.db.organisation.findMany({
    where: viewer.isAdmin ? {} : { members: { some: { userId: viewer.userId } } },
    orderBy: { id: 'asc' },
    take: LIST_LIMIT,
  });
  return rows.map((row) => toOrganisation(row, ctx.publicUrl));
}

export async function getOrganisation(ctx: Ctx, id: string): Promise<Organisation> {
  const viewer = requireViewer(ctx);
  const organisation = await findOrganisation(ctx, parseIntId(id));
  if (!viewer.isAdmin && !(await isOrganisationMember(ctx, organisation.id, viewer.userId))) {
    throw new ForbiddenError('You are not a member of this organisation.');
  }
  return toOrganisation(organisation, ctx.publicUrl);
}

function checkOrganisationInput(input: OrganisationInput) {
  const errors = new FieldErrors();
  const name = checkName(errors, 'input.name', input.name, 'organisation');
  if (input.logoProperties) checkLogoProperties(errors, 'input.logoProperties', input.logoProperties);
  errors.throwIfAny();
  return { name, logoProperties: input.logoProperties };
}

export async function createOrganisation(ctx: Ctx, input: OrganisationInput): Promise<Organisation> {
  requireAdmin(ctx);
  const { name, logoProperties } = checkOrganisationInput(input);
  const row = await ctx.db.organisation.create({ data: { name, logoProperties: (logoProperties ?? {}) as Prisma.InputJsonObject } });
  return toOrganisation(row, ctx.publicUrl);
}

/** Renames; logo properties are replaced when given, cleared when null, kept when omitted. */
export async function updateOrganisation(ctx: Ctx, id: string, input: OrganisationInput): Promise<Organisation> {
  requireAdmin(ctx);
  const organisationId = parseIntId(id);
  const { name, logoProperties } = checkOrganisationInput(input);
  try {
    const row = await ctx.db.organisation.update({
      where: { id: organisationId },
      data: { name, ...(logoProperties !== undefined ? { logoProperties: (logoProperties ?? {}) as Prisma.InputJsonObject } : {}) },
    });
    return toOrganisation(row, ctx.publicUrl);
  } catch (error) {
    rethrowMissing(error, 'Organisation');
  }
}

/** Deletes the organisation and its memberships; its teams stay, without an organisation. */
export async function deleteOrganisation(ctx: Ctx, id: string): Promise<boolean> {
  requireAdmin(ctx);
  const deleted = await ctx.db.organisation.deleteMany({ where: { id: parseIntId(id) } });
  if (deleted.count === 0) throw new NotFoundError('Organisation');
  return true;
}

/** Adds a live user to the organisation, or replaces their roles in it. */
export async function setOrganisationMember(ctx: Ctx, organisationIdArg: string, userIdArg: string, rolesArg: string[]): Promise<Organisation> {
  requireAdmin(ctx);
  const organisationId = parseIntId(organisationIdArg, 'organisationId');
  const userId = parseIntId(userIdArg, 'userId');
  const errors = new FieldErrors();
  const roles = checkRoles(errors, 'roles', rolesArg);
  errors.throwIfAny();
  const organisation = await findOrganisation(ctx, organisationId);
  await findLiveUser(ctx, userId);
  await ctx.db.organisationMember.upsert({
    where: { organisationId_userId: { organisationId, userId } },
    create: { organisationId, userId, roles },
    update: { roles },
  });
  return toOrganisation(organisation, ctx.publicUrl);
}

export async function removeOrganisationMember(ctx: Ctx, organisationIdArg: string, userIdArg: string): Promise<Organisation> {
  requireAdmin(ctx);
  const organisationId = parseIntId(organisationIdArg, 'organisationId');
  const userId = parseIntId(userIdArg, 'userId');
  const organisation = await findOrganisation(ctx, organisationId);
  if (!(await ctx.db.user.findUnique({ where: { id: userId }, select: { id: true } }))) throw new NotFoundError('User');
  const removed = await ctx.db.organisationMember.deleteMany({ where: { organisationId, userId } });
  if (removed.count === 0) throw new NotFoundError('Organisation member');
  return toOrganisation(organisation, ctx.publicUrl);
}

/** Members of an organisation, for admins and its own members (a team may show an organisation to outsiders). */
export async function listOrganisationMembers(ctx: Ctx, organisationId: number) {
  const viewer = requireViewer(ctx);
  const members = await ctx.loaders.membersByOrganisationId.load(organisationId);
  if (!viewer.isAdmin && !members.some((m) => m.userId === viewer.userId)) {
    throw new ForbiddenError('Only members of this organisation may see its members.');
  }
  return members;
}
