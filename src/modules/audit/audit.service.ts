// The audit log of security events. Callers pass only non-secret details;
// recording never fails the action it describes (a failure is logged).
import type { Context } from '../../graphql/context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { parseIntId, requireAdmin } from '../../common/access.js';
import { pageOf, pageRequest } from '../../common/pagination.js';
import type { AuditEventPage, AuditEventsFilter } from './audit.types.js';

export interface AuditEntry {
  subjectUserId?: number | null;
  actorId?: number | null;
  applicationId?: number | null;
  sessionId?: string | null;
  details?: Record<string, string | number | boolean | null | string[]>;
}

type AuditCtx = Pick<Context, 'db' | 'viewer' | 'request' | 'logger'>;

export async function recordAudit(ctx: AuditCtx, type: string, entry: AuditEntry = {}): Promise<void> {
  try {
    await ctx.db.auditEvent.create({
      data: {
        type,
        actorId: entry.actorId !== undefined ? entry.actorId : (ctx.viewer?.userId ?? null),
        subjectUserId: entry.subjectUserId ?? null,
        sessionId: entry.sessionId ?? ctx.viewer?.sessionId ?? null,
        applicationId: entry.applicationId ?? null,
        ip: ctx.request.ip,
        userAgent: ctx.request.userAgent?.slice(0, 512) ?? null,
        details: entry.details ?? {},
      },
    });
  } catch (err) {
    ctx.logger.error({ err, auditType: type }, 'could not record audit event');
  }
}

export async function listAuditEvents(
  ctx: Context,
  page: number | null | undefined,
  pageSize: number | null | undefined,
  filter: AuditEventsFilter | null | undefined,
): Promise<AuditEventPage> {
  requireAdmin(ctx);
  const request = pageRequest(page, pageSize, ctx.config.maxPageSize);
  const where: Prisma.AuditEventWhereInput = {};
  if (filter?.type) where.type = filter.type.endsWith('.') ? { startsWith: filter.type } : filter.type;
  if (filter?.userId) {
    const userId = parseIntId(filter.userId, 'filter.userId');
    where.OR = [{ actorId: userId }, { subjectUserId: userId }];
  }
  if (filter?.since) where.createdAt = { gte: filter.since };
  const [total, rows] = await Promise.all([
    ctx.db.auditEvent.count({ where }),
    ctx.db.auditEvent.findMany({ where, orderBy: { id: 'desc' }, skip: request.skip, take: request.take }),
  ]);
  return pageOf(
    rows.map((row) => ({ ...row, id: String(row.id), details: row.details as Record<string, unknown> })),
    total,
    request,
  );
}
