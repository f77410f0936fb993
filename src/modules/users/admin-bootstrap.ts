// Start-up: when ADMIN_EMAIL and ADMIN_PASSWORD are set, make sure that
// account exists, is confirmed and has the admin role. Idempotent; it never
// overwrites a password that was changed since.
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { PasswordHasher } from '../../auth/passwords.js';
import { passwordProblem } from '../../auth/passwords.js';
import { ADMIN_ROLE } from '../../graphql/context.js';
import { normalizeEmail } from './users.validation.js';

export async function ensureAdmin(db: PrismaClient, hasher: PasswordHasher, emailRaw: string, password: string): Promise<number> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(`ADMIN_PASSWORD: ${problem}`);
  const email = normalizeEmail(emailRaw);
  const role = await db.role.findUniqueOrThrow({ where: { name: ADMIN_ROLE } });
  let user = await db.user.findUnique({ where: { email } });
  if (!user) {
    user = await db.user.create({
      data: { email, passwordHash: await hasher.hash(password), confirmedAt: new Date(), profile: { create: {} } },
    });
  } else if (!user.confirmedAt || !user.active || user.deletedAt) {
    user = await db.user.update({ where: { id: user.id }, data: { confirmedAt: user.confirmedAt ?? new Date(), active: true, deletedAt: null } });
  }
  await db.userRole.upsert({
    where: { userId_roleId: { userId: user.id, roleId: role.id } },
    create: { userId: user.id, roleId: role.id },
    update: {},
  });
  return user.id;
}
