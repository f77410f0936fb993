// Rules about roles that user management shares: role ids in inputs, and
// never leaving the system without a live admin.
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { FieldErrors, ForbiddenError } from '../../common/errors.js';
import { ADMIN_ROLE } from '../../graphql/context.js';

type Db = PrismaClient | Prisma.TransactionClient;

/** Parses role ids and records a field error for each that is malformed or unknown. */
export async function checkRoleIds(db: Db, errors: FieldErrors, field: string, ids: string[]): Promise<number[]> {
  const parsed = ids.map((id) => (/^\d{1,10}$/.test(id) && Number(id) >= 1 && Number(id) <= 2_147_483_647 ? Number(id) : null));
  const valid = [...new Set(parsed.filter((id): id is number => id !== null))];
  const found = new Set((await db.role.findMany({ where: { id: { in: valid } }, select: { id: true } })).map((r) => r.id));
  parsed.forEach((id, i) => {
    if (id === null || !found.has(id)) errors.add(`${field}.${i}`, `Role ${ids[i]} does not exist.`);
  });
  return valid;
}

/**
 * Refuses a change that would take the admin role away from the last live,
 * active admin (`userId`). Call inside the transaction that makes the change.
 */
export async function assertNotLastAdmin(db: Db, userId: number, message: string): Promise<void> {
  // Lock the admin role row, so two admins removing each other at once are
  // checked one after the other and cannot both succeed.
  await db.$queryRaw`SELECT id FROM roles WHERE name = ${ADMIN_ROLE} FOR UPDATE`;
  const isAdmin = await db.userRole.count({ where: { userId, role: { name: ADMIN_ROLE } } });
  if (!isAdmin) return;
  const others = await db.user.count({
    where: { id: { not: userId }, deletedAt: null, active: true, roles: { some: { role: { name: ADMIN_ROLE } } } },
  });
  if (others === 0) throw new ForbiddenError(message);
}
