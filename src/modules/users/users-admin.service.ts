// Admin management of users: listing, lookup, creation, changes (also by the
// user themself, within what updateMe allows), soft deletion and confirmation.
import { ADMIN_ROLE, type Context } from '../../graphql/context.js';
import type { Prisma, User as UserRow } from '../../generated/prisma/client.js';
import { AppError, FieldErrors, ForbiddenError, GoneError, NotFoundError, ValidationError } from '../../common/errors.js';
import { parseIntId, requireAdmin, requireSelfOrAdmin, requireViewer } from '../../common/access.js';
import { pageOf, pageRequest } from '../../common/pagination.js';
import { revokeUserSessions, userIdByUsername } from '../sessions/sessions.service.js';
import { assertNotLastAdmin, checkRoleIds } from '../roles/roles.guards.js';
import {
  confirmationToken,
  findLiveUser,
  prepareAccountChanges,
  profileData,
  rethrowUserConflict,
  saveAccountChanges,
  sendConfirmation,
} from './users.service.js';
import { ADMIN_ONLY_USER_FIELDS, type CreateUserInput, type UpdateUserInput, type UsersFilter } from './users-admin.types.js';
import { recordAudit } from '../audit/audit.service.js';
import { requireRecentAuthentication } from '../mfa/second-factor.js';
import { onlyProfileAndRoles, primeUserRelations, type UserInclude } from './users.relations.js';
import { preparedReadsFor } from '../../db/prepared-reads.js';
import { LIMITS, checkEmail, checkLength, checkPassword, checkProfile, checkUsername, normalizeEmail } from './users.validation.js';

type Ctx = Context;

const SEARCH_MAX = 100;
const LAST_ADMIN = 'You are the last admin: make someone else an admin first.';

export async function listUsers(
  ctx: Ctx,
  page: number | null | undefined,
  pageSize: number | null | undefined,
  filter: UsersFilter | null | undefined,
  include: UserInclude = {},
) {
  requireAdmin(ctx);
  const request = pageRequest(page, pageSize, ctx.config.maxPageSize);
  // The unfiltered page (live users in id order, with profile and roles at most): one prepared statement (db/prepared-reads.ts).
  const prepared = isUnfiltered(filter) && onlyProfileAndRoles(include) ? preparedReadsFor(ctx.db) : undefined;
  if (prepared) {
    const { total, items } = await prepared.liveUsersPage(request.skip, request.take, { profile: !!include.profile, roles: !!include.roles });
    return pageOf(primeUserRelations(ctx.loaders, items), total, request);
  }
  const where = usersWhere(filter ?? {});
  const [total, items] = await Promise.all([
    ctx.db.user.count({ where }),
    ctx.db.user.findMany({ where, orderBy: { id: 'asc' }, skip: request.skip, take: request.take, include }),
  ]);
  return pageOf(primeUserRelations(ctx.loaders, items), total, request);
}

/** No filter but the default (deleted users left out). */
function isUnfiltered(filter: UsersFilter | null | undefined): boolean {
  return !filter || Object.values(filter).every((value) => value == null || value === false);
}

function usersWhere(filter: UsersFilter): Prisma.UserWhereInput {
  const and: Prisma.UserWhereInput[] = [];
  if (!filter.includeDeleted) and.push({ deletedAt: null });
  if (filter.ids) and.push({ id: { in: filter.ids.map((id, i) => parseIntId(id, `filter.ids.${i}`)) } });
  if (filter.search != null) {
    const search = filter.search.trim();
    if (search.length > SEARCH_MAX) new FieldErrors().add('filter.search', `At most ${SEARCH_MAX} characters.`).throwIfAny();
    if (search) {
      const contains = { contains: search, mode: 'insensitive' as const };
      and.push({
        OR: [{ email: contains }, { username: contains }, { profile: { firstName: contains } }, { profile: { lastName: contains } }],
      });
    }
  }
  if (filter.role != null) and.push({ roles: { some: { role: { name: filter.role } } } });
  if (filter.active != null) and.push({ active: filter.active });
  if (filter.confirmed != null) and.push({ confirmedAt: filter.confirmed ? { not: null } : null });
  return { AND: and };
}

/** A user, for an admin or the user themself. */
export async function getUser(ctx: Ctx, id: string, include: UserInclude = {}): Promise<UserRow> {
  const userId = parseIntId(id);
  requireSelfOrAdmin(ctx, userId);
  return findLiveUser(ctx, userId, include);
}

/**
 * A user by username, for an admin or the user themself. Another user's name
 * is FORBIDDEN before any lookup, so the answer never tells whether it exists.
 */
export async function getUserByUsername(ctx: Ctx, username: string): Promise<UserRow> {
  const viewer = requireViewer(ctx);
  const name = username.trim();
  if (!name || name.length > LIMITS.usernameMax) throw new ValidationError([{ field: 'username', message: 'Not a valid username.' }]);
  if (!viewer.isAdmin) {
    const self = await findLiveUser(ctx, viewer.userId);
    if (self.username?.toLowerCase() !== name.toLowerCase()) throw new ForbiddenError('You may only do this for your own account.');
    return self;
  }
  const id = await userIdByUsername(ctx, name);
  const user = id === null ? null : await ctx.db.user.findUnique({ where: { id } });
  if (!user) throw new NotFoundError('User');
  if (user.deletedAt) throw new GoneError('User');
  return user;
}

export async function createUser(ctx: Ctx, input: CreateUserInput): Promise<UserRow> {
  const viewer = requireAdmin(ctx);
  const errors = new FieldErrors();
  const email = input.email?.trim() ? normalizeEmail(input.email) : null;
  const username = input.username?.trim() || null;
  if (email === null && username === null) errors.add('input.email', 'Give an email, a username or both.');
  if (email !== null) checkEmail(errors, 'input.email', email);
  if (username !== null) checkUsername(errors, 'input.username', username);
  if (input.password != null) checkPassword(errors, 'input.password', input.password, input.passwordConfirmation, 'input.passwordConfirmation');
  checkLength(errors, 'input.status', input.status, LIMITS.status);
  checkLength(errors, 'input.statusMessage', input.statusMessage, LIMITS.statusMessage);
  const profile = input.profile ? checkProfile(errors, 'input.profile', input.profile) : null;
  const roleIds = input.roleIds ? await checkRoleIds(ctx.db, errors, 'input.roleIds', input.roleIds) : [];
  errors.throwIfAny();

  const confirmation = !input.confirmed && email ? confirmationToken(ctx) : null;
  const data: Prisma.UserCreateInput = {
    email,
    username,
    passwordHash: input.password != null ? await ctx.hasher.hash(input.password) : null,
    status: input.status ?? null,
    statusMessage: input.statusMessage ?? null,
    active: input.active ?? true,
    forcePasswordReset: input.forcePasswordReset ?? false,
    confirmedAt: input.confirmed ? new Date() : null,
    confirmationTokenHash: confirmation?.hash ?? null,
    confirmationTokenExpiresAt: confirmation?.expiresAt ?? null,
    createdById: viewer.userId,
    modifiedById: viewer.userId,
  };
  let user: UserRow;
  try {
    user = await ctx.db.$transaction(async (tx) => {
      const created = await tx.user.create({ data });
      await tx.profile.create({ data: { ...(profile ? profileData(profile) : {}), userId: created.id } as Prisma.ProfileUncheckedCreateInput });
      if (roleIds.length) await tx.userRole.createMany({ data: roleIds.map((roleId) => ({ userId: created.id, roleId })) });
      return created;
    });
  } catch (error) {
    rethrowUserConflict(error);
  }
  if (confirmation) await sendConfirmation(ctx, user, confirmation.token);
  await recordAudit(ctx, 'user.created', { subjectUserId: user.id, details: { roleIds: roleIds.map(String) } });
  return user;
}

/** Changes an account: the user themself within updateMe's rules, or an admin. */
export async function updateUser(ctx: Ctx, id: string, input: UpdateUserInput): Promise<UserRow> {
  const userId = parseIntId(id);
  const viewer = requireSelfOrAdmin(ctx, userId);
  const sent = Object.keys(input).filter((key) => input[key as keyof UpdateUserInput] !== undefined);
  if (!viewer.isAdmin) {
    const refused = ADMIN_ONLY_USER_FIELDS.filter((field) => sent.includes(field));
    if (refused.length) {
      throw new AppError('FORBIDDEN', `Only an admin may change ${refused.join(', ')}.`, {
        fields: refused.map((field) => ({ field: `input.${field}`, message: 'Only an admin may change this.' })),
      });
    }
  }
  if (sent.filter((key) => key !== 'currentPassword' && key !== 'passwordConfirmation').length === 0) {
    throw new ValidationError([{ field: 'input', message: 'No data found to update.' }]);
  }
  const user = await findLiveUser(ctx, userId);
  const self = viewer.userId === userId;

  const errors = new FieldErrors();
  checkLength(errors, 'input.status', input.status, LIMITS.status);
  checkLength(errors, 'input.statusMessage', input.statusMessage, LIMITS.statusMessage);
  const roleIds = input.roleIds ? await checkRoleIds(ctx.db, errors, 'input.roleIds', input.roleIds) : null;
  // An admin changing someone else's credentials needs no current password; a user always does.
  const changes = await prepareAccountChanges(ctx, user, input, errors, { requireCurrentPassword: self || !viewer.isAdmin });
  if (changes.emailChanged || changes.passwordChanged) requireRecentAuthentication(ctx);

  const data = changes.data;
  data.modifiedById = viewer.userId;
  if (input.status !== undefined) data.status = input.status;
  if (input.statusMessage !== undefined) data.statusMessage = input.statusMessage;
  if (input.active != null) data.active = input.active;
  if (input.forcePasswordReset != null) data.forcePasswordReset = input.forcePasswordReset;
  if (input.scores != null) data.scores = input.scores;
  if (input.confirmed === true) {
    Object.assign(data, {
      confirmedAt: user.confirmedAt && !changes.emailChanged ? user.confirmedAt : new Date(),
      confirmationTokenHash: null,
      confirmationTokenExpiresAt: null,
    });
    changes.confirmation = null;
  } else if (input.confirmed === false) {
    data.confirmedAt = null;
  }

  const updated = await saveAccountChanges(ctx, userId, changes, async (tx) => {
    if (input.active === false) await assertNotLastAdmin(tx, userId, LAST_ADMIN);
    if (roleIds) {
      const admin = await tx.role.findUnique({ where: { name: ADMIN_ROLE }, select: { id: true } });
      if (admin && !roleIds.includes(admin.id)) await assertNotLastAdmin(tx, userId, LAST_ADMIN);
      await tx.userRole.deleteMany({ where: { userId, roleId: { notIn: roleIds } } });
      await tx.userRole.createMany({ data: roleIds.map((roleId) => ({ userId, roleId })), skipDuplicates: true });
    }
  });
  if (input.active === false) await revokeUserSessions(ctx, userId);
  else if (changes.passwordChanged) await revokeUserSessions(ctx, userId, self ? (viewer.sessionId ?? undefined) : undefined);
  await recordAudit(ctx, self ? 'user.updated' : 'admin.user_updated', {
    subjectUserId: userId,
    details: { fields: sent.filter((f) => !/password/i.test(f)) },
  });
  return updated;
}

/** Soft-deletes an account (the user themself or an admin) and signs it out everywhere. */
export async function deleteUser(ctx: Ctx, id: string): Promise<boolean> {
  const userId = parseIntId(id);
  const viewer = requireSelfOrAdmin(ctx, userId);
  await ctx.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { deletedAt: true } });
    if (!user) throw new NotFoundError('User');
    if (user.deletedAt) throw new GoneError('User');
    await assertNotLastAdmin(tx, userId, 'The last admin cannot be deleted: make someone else an admin first.');
    await tx.user.update({ where: { id: userId }, data: { deletedAt: new Date(), modifiedById: viewer.userId } });
  });
  await revokeUserSessions(ctx, userId);
  await recordAudit(ctx, 'user.deleted', { subjectUserId: userId });
  return true;
}

/** Admin: marks an email as confirmed without the mailed token, which stops working. */
export async function confirmUserById(ctx: Ctx, id: string): Promise<UserRow> {
  const viewer = requireAdmin(ctx);
  const user = await findLiveUser(ctx, parseIntId(id));
  const confirmed = await ctx.db.user.update({
    where: { id: user.id },
    data: { confirmedAt: user.confirmedAt ?? new Date(), confirmationTokenHash: null, confirmationTokenExpiresAt: null, modifiedById: viewer.userId },
  });
  await recordAudit(ctx, 'admin.user_confirmed', { subjectUserId: user.id });
  return confirmed;
}
