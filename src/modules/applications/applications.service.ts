// API client credentials (seed 001's `AUTHORIZATION: application_id <uid>,
// client_secret <secret>`). Secrets are random and stored as SHA-256 hashes.
import type { Context } from '../../graphql/context.js';
import type { Application } from '../../generated/prisma/client.js';
import { FieldErrors, NotFoundError } from '../../common/errors.js';
import { parseIntId, requireAdmin } from '../../common/access.js';
import { hashToken, randomToken, safeEqual } from '../../auth/tokens.js';
import type { ApplicationCredentials } from './applications.types.js';
import { recordAudit } from '../audit/audit.service.js';
import { requireRecentAuthentication } from '../mfa/second-factor.js';

const NAME_MAX = 100;

export async function createApplication(ctx: Context, name: string): Promise<ApplicationCredentials> {
  const viewer = requireAdmin(ctx);
  requireRecentAuthentication(ctx);
  const trimmed = name?.trim() ?? '';
  const errors = new FieldErrors();
  if (!trimmed) errors.add('name', 'Name the application.');
  else if (trimmed.length > NAME_MAX) errors.add('name', `Name must be at most ${NAME_MAX} characters.`);
  errors.throwIfAny();
  const secret = randomToken(32);
  const app = await ctx.db.application.create({
    data: { name: trimmed, uid: randomToken(24), secretHash: hashToken(secret), createdById: viewer.userId },
  });
  await recordAudit(ctx, 'application.created', { applicationId: app.id, details: { name: app.name } });
  return { id: app.id, name: app.name, uid: app.uid, secret, createdAt: app.createdAt };
}

export function listApplications(ctx: Context): Promise<Application[]> {
  requireAdmin(ctx);
  return ctx.db.application.findMany({ orderBy: { id: 'asc' }, take: 1000 });
}

export async function deleteApplication(ctx: Context, id: string): Promise<boolean> {
  requireAdmin(ctx);
  const appId = parseIntId(id);
  const deleted = await ctx.db.application.deleteMany({ where: { id: appId } });
  if (deleted.count === 0) throw new NotFoundError('Application');
  await recordAudit(ctx, 'application.deleted', { applicationId: appId });
  return true;
}

/**
 * The application these credentials belong to, or null. Compares in constant
 * time; wrong secrets count as token guesses (throttled per IP) and every use
 * or failure goes to the audit log (the uid is public, the secret never logged).
 */
export async function verifyApplicationCredentials(
  ctx: Pick<Context, 'db' | 'viewer' | 'request' | 'logger' | 'throttle'>,
  uid: string,
  secret: string,
): Promise<Application | null> {
  if (!uid || !secret || uid.length > 100 || secret.length > 200) return null;
  const ip = ctx.request.ip ?? 'unknown';
  await ctx.throttle.assertAvailable('tokenGuessPerIp', ip);
  const app = await ctx.db.application.findUnique({ where: { uid } });
  const expected = app?.secretHash ?? hashToken('no-such-application');
  const matches = safeEqual(hashToken(secret), expected);
  if (!app || !matches) {
    await ctx.throttle.consume('tokenGuessPerIp', ip);
    await recordAudit(ctx, 'application.auth_failed', { applicationId: app?.id ?? null, details: { uid: uid.slice(0, 64) } });
    return null;
  }
  await recordAudit(ctx, 'application.used', { applicationId: app.id });
  return app;
}

/** Parses `application_id <uid>, client_secret <secret>`; null when the header is not of that form. */
export function parseApplicationHeader(header: string | undefined): { uid: string; secret: string } | null {
  const match = /^\s*application_id\s+(\S+?)\s*,\s*client_secret\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? { uid: match[1], secret: match[2] } : null;
}
