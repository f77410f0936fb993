// Roles: listing and lookup for anyone signed in; creation, changes,
// deletion and granting for admins. Unchangeable roles (the seeded `admin`)
// cannot be renamed or deleted, and the last admin keeps their role.
import type { Context } from '../../graphql/context.js';
import { ADMIN_ROLE } from '../../graphql/context.js';
import type { Prisma, Role as RoleRow, User as UserRow } from '../../generated/prisma/client.js';
import { ConflictError, FieldErrors, ForbiddenError, GoneError, NotFoundError, ValidationError, uniqueViolation } from '../../common/errors.js';
import { parseIntId, requireAdmin, requireViewer } from '../../common/access.js';
import { pageOf, pageRequest } from '../../common/pagination.js';
import { findLiveUser } from '../users/users.service.js';
import { assertNotLastAdmin } from './roles.guards.js';
import { recordAudit } from '../audit/audit.service.js';
import type { RoleInput, RoleUpdateInput, RolesFilter } from './roles.types.js';

type Ctx = Context;

const NAME = /^[A-Za-z0-9 ._-]{1,64}$/;
const DESCRIPTION_MAX = 255;

export async function listRoles(ctx: Ctx, page: number | null | undefined, pageSize: number | null | undefined, filter: RolesFilter | null | undefined) {
  requireViewer(ctx);
  const request = pageRequest(page, pageSize, ctx.config.maxPageSize);
  const where: Prisma.RoleWhereInput = {};
  if (filter?.ids) where.id = { in: filter.ids.map((id, i) => parseIntId(id, `filter.ids.${i}`)) };
  if (filter?.name?.trim()) where.name = { contains: filter.name.trim().slice(0, 64), mode: 'insensitive' };
  const [total, items] = await Promise.all([
    ctx.db.role.count({ where }),
    ctx.db.role.findMany({ where, orderBy: { id: 'asc' }, skip: request.skip, take: request.take }),
  ]);
  return pageOf(items, total, request);
}

async function findRole(ctx: Pick<Context, 'db'>, id: string, field = 'id'): Promise<RoleRow> {
  const role = await ctx.db.role.findUnique({ where: { id: parseIntId(id, field) } });
  if (!role) throw new NotFoundError('Role');
  return role;
}

export function getRole(ctx: Ctx, id: string): Promise<RoleRow> {
  requireViewer(ctx);
  return findRole(ctx, id);
}

function checkRole(errors: FieldErrors, input: { name?: string | null; description?: string | null }, nameRequired: boolean) {
  const data: { name?: string; description?: string | null } = {};
  if (input.name != null || nameRequired) {
    const name = input.name?.trim() ?? '';
    if (!NAME.test(name)) errors.add('input.name', 'Name must be 1 to 64 letters, digits, spaces, dots, dashes or underscores.');
    data.name = name;
  }
  if (input.description !== undefined) {
    const description = input.description?.trim() || null;
    if (description && description.length > DESCRIPTION_MAX) errors.add('input.description', `Description must be at most ${DESCRIPTION_MAX} characters.`);
    data.description = description;
  }
  return data;
}

const TAKEN = 'A role with that name already exists.';

function rethrowRoleConflict(error: unknown): never {
  if (uniqueViolation(error)) throw new ConflictError(TAKEN, 'input.name');
  throw error;
}

/** Names differing only in case (`Admin` beside `admin`) would mislead, so they count as taken. */
async function assertNameFree(ctx: Pick<Context, 'db'>, name: string | undefined, exceptId?: number): Promise<void> {
  if (name === undefined) return;
  const clash = await ctx.db.role.findFirst({
    where: { name: { equals: name, mode: 'insensitive' }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  if (clash) throw new ConflictError(TAKEN, 'input.name');
}

export async function createRole(ctx: Ctx, input: RoleInput): Promise<RoleRow> {
  requireAdmin(ctx);
  const errors = new FieldErrors();
  const data = checkRole(errors, input, true);
  errors.throwIfAny();
  await assertNameFree(ctx, data.name);
  try {
    const role = await ctx.db.role.create({ data: { name: data.name!, description: data.description ?? null } });
    await recordAudit(ctx, 'role.created', { details: { roleId: role.id, name: role.name } });
    return role;
  } catch (error) {
    rethrowRoleConflict(error);
  }
}

export async function updateRole(ctx: Ctx, id: string, input: RoleUpdateInput): Promise<RoleRow> {
  requireAdmin(ctx);
  const role = await findRole(ctx, id);
  if (role.unchangeable) throw new ForbiddenError(`The ${role.name} role cannot be changed.`);
  const errors = new FieldErrors();
  const data = checkRole(errors, input, false);
  errors.throwIfAny();
  if (Object.keys(data).length === 0) throw new ValidationError([{ field: 'input', message: 'No data found to update.' }]);
  await assertNameFree(ctx, data.name, role.id);
  try {
    const updated = await ctx.db.role.update({ where: { id: role.id }, data });
    await recordAudit(ctx, 'role.updated', { details: { roleId: role.id, name: updated.name } });
    return updated;
  } catch (error) {
    rethrowRoleConflict(error);
  }
}

export async function deleteRole(ctx: Ctx, id: string): Promise<boolean> {
  requireAdmin(ctx);
  const role = await findRole(ctx, id);
  if (role.unchangeable) throw new ForbiddenError(`The ${role.name} role cannot be deleted.`);
  await ctx.db.role.deleteMany({ where: { id: role.id, unchangeable: false } });
  await recordAudit(ctx, 'role.deleted', { details: { roleId: role.id, name: role.name } });
  return true;
}

/** Grants a role; granting one the user already has changes nothing. */
export async function assignRole(ctx: Ctx, userId: string, roleId: string): Promise<UserRow> {
  requireAdmin(ctx);
  const user = await findLiveUser(ctx, parseIntId(userId, 'userId'));
  const role = await findRole(ctx, roleId, 'roleId');
  await ctx.db.userRole.createMany({ data: [{ userId: user.id, roleId: role.id }], skipDuplicates: true });
  await recordAudit(ctx, 'role.assigned', { subjectUserId: user.id, details: { roleId: role.id, name: role.name } });
  return user;
}

/** Takes a role away; taking one the user does not have changes nothing. The last admin keeps theirs. */
export async function removeRole(ctx: Ctx, userId: string, roleId: string): Promise<UserRow> {
  requireAdmin(ctx);
  const user = await findLiveUser(ctx, parseIntId(userId, 'userId'));
  const role = await findRole(ctx, roleId, 'roleId');
  await ctx.db.$transaction(async (tx) => {
    if (role.name === ADMIN_ROLE) {
      await assertNotLastAdmin(tx, user.id, 'The admin role cannot be taken from the last admin: make someone else an admin first.');
    }
    await tx.userRole.deleteMany({ where: { userId: user.id, roleId: role.id } });
  });
  await recordAudit(ctx, 'role.removed', { subjectUserId: user.id, details: { roleId: role.id, name: role.name } });
  return user;
}

const GRANTS_MAX = 100;

/** Parses the ids of a bulk change and loads them in two queries: unknown is NOT_FOUND, deleted GONE. */
async function grantTargets(ctx: Ctx, userIds: string[], roleIds: string[]) {
  requireAdmin(ctx);
  const userKeys = [...new Set(userIds.map((id, i) => parseIntId(id, `userIds.${i}`)))];
  const roleKeys = [...new Set(roleIds.map((id, i) => parseIntId(id, `roleIds.${i}`)))];
  if (userKeys.length * roleKeys.length > GRANTS_MAX) {
    throw new ValidationError([{ field: 'roleIds', message: `At most ${GRANTS_MAX} user and role pairs at once.` }]);
  }
  const [users, found] = await Promise.all([
    ctx.db.user.findMany({ where: { id: { in: userKeys } }, select: { id: true, deletedAt: true } }),
    ctx.db.role.findMany({ where: { id: { in: roleKeys } } }),
  ]);
  if (users.length < userKeys.length) throw new NotFoundError('User');
  if (users.some((u) => u.deletedAt)) throw new GoneError('User');
  if (found.length < roleKeys.length) throw new NotFoundError('Role');
  return { userKeys, roles: found };
}

/** Grants every role to every user, all or nothing; pairs already held stay as they are. */
export async function assignRoles(ctx: Ctx, userIds: string[], roleIds: string[]): Promise<boolean> {
  const { userKeys, roles } = await grantTargets(ctx, userIds, roleIds);
  const pairs = userKeys.flatMap((userId) => roles.map((role) => ({ userId, role })));
  await ctx.db.userRole.createMany({ data: pairs.map(({ userId, role }) => ({ userId, roleId: role.id })), skipDuplicates: true });
  for (const { userId, role } of pairs) await recordAudit(ctx, 'role.assigned', { subjectUserId: userId, details: { roleId: role.id, name: role.name } });
  return true;
}

/** Takes every role from every user, all or nothing. The last admin keeps theirs, checked user by user in one transaction. */
export async function removeRoles(ctx: Ctx, userIds: string[], roleIds: string[]): Promise<boolean> {
  const { userKeys, roles } = await grantTargets(ctx, userIds, roleIds);
  const takesAdmin = roles.some((role) => role.name === ADMIN_ROLE);
  await ctx.db.$transaction(async (tx) => {
    for (const userId of userKeys) {
      if (takesAdmin) await assertNotLastAdmin(tx, userId, 'The admin role cannot be taken from the last admin: make someone else an admin first.');
      await tx.userRole.deleteMany({ where: { userId, roleId: { in: roles.map((role) => role.id) } } });
    }
  });
  for (const userId of userKeys) {
    for (const role of roles) await recordAudit(ctx, 'role.removed', { subjectUserId: userId, details: { roleId: role.id, name: role.name } });
  }
  return true;
}

/** Admin: the live users holding a role, one page (one count and one query). */
export async function roleUsers(ctx: Ctx, role: { id: number }, page: number | null | undefined, pageSize: number | null | undefined) {
  requireAdmin(ctx);
  const request = pageRequest(page, pageSize, ctx.config.maxPageSize);
  const where: Prisma.UserWhereInput = { deletedAt: null, roles: { some: { roleId: role.id } } };
  const [total, items] = await Promise.all([
    ctx.db.user.count({ where }),
    ctx.db.user.findMany({ where, orderBy: { id: 'asc' }, skip: request.skip, take: request.take }),
  ]);
  return pageOf(items, total, request);
}
