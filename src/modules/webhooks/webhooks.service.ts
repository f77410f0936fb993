// Webhook endpoints, admin only: create (the secret is shown once), list,
// change, delete, rotate the secret, read the delivery log, redeliver an
// event. Every change is audited; the secret never reaches a log or a
// response after creation. Deliveries are made by webhook-dispatcher.ts.
import type { Context } from '../../graphql/context.js';
import type { Prisma, WebhookEndpoint } from '../../generated/prisma/client.js';
import type { WebhookDeliveryStatus } from '../../generated/prisma/enums.js';
import { AppError, FieldErrors, NotFoundError, ValidationError } from '../../common/errors.js';
import { parseIntId, requireAdmin } from '../../common/access.js';
import { pageOf, pageRequest } from '../../common/pagination.js';
import { recordAudit } from '../audit/audit.service.js';
import { newSigningSecret, SecretBox } from './webhook-secrets.js';
import { checkUrlShape, resolveTarget, TargetError } from './webhook-targets.js';
import type { Webhook, WebhookDelivery, WebhookDeliveryPage, WebhookInput, WebhookUpdateInput, WebhookWithSecret } from './webhooks.types.js';

/** The events an endpoint may subscribe to (README "Webhooks" documents each payload). */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.confirmed',
  'session.created',
  'session.revoked',
  'role.assigned',
  'role.removed',
  'video.ready',
  'video.failed',
] as const;

const DESCRIPTION_MAX = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const boxes = new Map<string, Promise<SecretBox>>();

/** The process's SecretBox (one per data directory and key). */
export function secretBoxFor(config: Context['config']): Promise<SecretBox> {
  const key = `${config.dataDir}\0${config.webhooks.encryptionKey ?? ''}\0${config.keyEncryptionKey ?? ''}`;
  if (!boxes.has(key)) boxes.set(key, SecretBox.fromConfig(config));
  return boxes.get(key)!;
}

function toWebhook(row: WebhookEndpoint): Webhook {
  const { secretCiphertext: _secret, consecutiveFailures: _failures, createdById: _by, ...visible } = row;
  return visible;
}

async function checkTarget(ctx: Context, errors: FieldErrors, field: string, url: string): Promise<void> {
  const shape = checkUrlShape(url);
  if (shape) {
    errors.add(field, shape);
    return;
  }
  try {
    await resolveTarget(new URL(url).hostname, ctx.config.webhooks.allowPrivateTargets);
  } catch (error) {
    errors.add(field, error instanceof TargetError ? error.message : `${new URL(url).hostname} does not resolve.`);
  }
}

function checkEvents(errors: FieldErrors, field: string, events: string[]): string[] {
  const unique = [...new Set(events)];
  const unknown = unique.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
  if (!unique.length) errors.add(field, 'Choose at least one event.');
  if (unknown.length) errors.add(field, `Unknown event types: ${unknown.join(', ')}. Known: ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
  return unique;
}

function checkDescription(errors: FieldErrors, description: string | null | undefined): string | null {
  const text = description?.trim() || null;
  if (text && text.length > DESCRIPTION_MAX) errors.add('input.description', `At most ${DESCRIPTION_MAX} characters.`);
  return text;
}

async function sealedSecret(ctx: Context): Promise<{ secret: string; sealed: string }> {
  const box = await secretBoxFor(ctx.config);
  const secret = newSigningSecret();
  return { secret, sealed: box.seal(secret) };
}

async function findEndpoint(ctx: Context, id: string): Promise<WebhookEndpoint> {
  const row = await ctx.db.webhookEndpoint.findUnique({ where: { id: parseIntId(id) } });
  if (!row) throw new NotFoundError('Webhook');
  return row;
}

export async function listWebhooks(ctx: Context): Promise<Webhook[]> {
  requireAdmin(ctx);
  return (await ctx.db.webhookEndpoint.findMany({ orderBy: { id: 'asc' }, take: 1000 })).map(toWebhook);
}

export async function createWebhook(ctx: Context, input: WebhookInput): Promise<WebhookWithSecret> {
  const viewer = requireAdmin(ctx);
  const errors = new FieldErrors();
  const url = input.url?.trim() ?? '';
  await checkTarget(ctx, errors, 'input.url', url);
  const events = checkEvents(errors, 'input.events', input.events ?? []);
  const description = checkDescription(errors, input.description);
  errors.throwIfAny();
  const { secret, sealed } = await sealedSecret(ctx);
  const row = await ctx.db.webhookEndpoint.create({ data: { url, events, description, secretCiphertext: sealed, createdById: viewer.userId } });
  await recordAudit(ctx, 'webhook.created', { details: { webhookId: row.id, url, events } });
  return { webhook: toWebhook(row), secret };
}

export async function updateWebhook(ctx: Context, id: string, input: WebhookUpdateInput): Promise<Webhook> {
  requireAdmin(ctx);
  const current = await findEndpoint(ctx, id);
  const errors = new FieldErrors();
  const data: Prisma.WebhookEndpointUpdateInput = {};
  if (input.url != null) {
    data.url = input.url.trim();
    await checkTarget(ctx, errors, 'input.url', data.url);
  }
  if (input.events != null) data.events = checkEvents(errors, 'input.events', input.events);
  if (input.description !== undefined) data.description = checkDescription(errors, input.description);
  if (input.enabled === true && !current.enabled) Object.assign(data, { enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0 });
  if (input.enabled === false && current.enabled) Object.assign(data, { enabled: false, disabledAt: new Date(), disabledReason: 'Disabled by an admin.' });
  errors.throwIfAny();
  if (Object.keys(data).length === 0 && input.enabled == null) throw new ValidationError([{ field: 'input', message: 'No data found to update.' }]);
  const row = await ctx.db.webhookEndpoint.update({ where: { id: current.id }, data });
  await recordAudit(ctx, 'webhook.updated', { details: { webhookId: row.id, url: row.url, events: row.events, enabled: row.enabled } });
  return toWebhook(row);
}

export async function deleteWebhook(ctx: Context, id: string): Promise<boolean> {
  requireAdmin(ctx);
  const row = await findEndpoint(ctx, id);
  await ctx.db.webhookEndpoint.deleteMany({ where: { id: row.id } });
  await recordAudit(ctx, 'webhook.deleted', { details: { webhookId: row.id, url: row.url } });
  return true;
}

/** A new secret at once; deliveries from now on are signed with it (the old one stops working). */
export async function rotateWebhookSecret(ctx: Context, id: string): Promise<WebhookWithSecret> {
  requireAdmin(ctx);
  const current = await findEndpoint(ctx, id);
  const { secret, sealed } = await sealedSecret(ctx);
  const row = await ctx.db.webhookEndpoint.update({ where: { id: current.id }, data: { secretCiphertext: sealed } });
  await recordAudit(ctx, 'webhook.secret_rotated', { details: { webhookId: row.id } });
  return { webhook: toWebhook(row), secret };
}

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ include: { event: { select: { type: true } } } }>;

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.event.type,
    webhookId: row.endpointId,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt,
    nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt : null,
    deliveredAt: row.deliveredAt,
    createdAt: row.createdAt,
  };
}

export async function listDeliveries(
  ctx: Context,
  webhookId: string,
  status: WebhookDeliveryStatus | null | undefined,
  page: number | null | undefined,
  pageSize: number | null | undefined,
): Promise<WebhookDeliveryPage> {
  requireAdmin(ctx);
  const endpoint = await findEndpoint(ctx, webhookId);
  const request = pageRequest(page, pageSize, ctx.config.maxPageSize);
  const where: Prisma.WebhookDeliveryWhereInput = { endpointId: endpoint.id, ...(status ? { status } : {}) };
  const [total, rows] = await Promise.all([
    ctx.db.webhookDelivery.count({ where }),
    ctx.db.webhookDelivery.findMany({
      where,
      include: { event: { select: { type: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: request.skip,
      take: request.take,
    }),
  ]);
  return pageOf(rows.map(toDelivery), total, request);
}

/**
 * Sends an event again, with the same webhook-id (receivers deduplicate on
 * it): to one endpoint, or to every endpoint it went to before.
 */
export async function redeliverEvent(ctx: Context, eventId: string, webhookId: string | null | undefined): Promise<WebhookDelivery[]> {
  requireAdmin(ctx);
  if (!UUID.test(eventId)) throw new AppError('BAD_USER_INPUT', 'id must be a webhook event id.', { fields: [{ field: 'id', message: 'Not a valid id.' }] });
  const event = await ctx.db.webhookEvent.findUnique({ where: { id: eventId }, include: { deliveries: { select: { endpointId: true } } } });
  if (!event) throw new NotFoundError('Webhook event');
  const targets = webhookId ? [(await findEndpoint(ctx, webhookId)).id] : [...new Set(event.deliveries.map((d) => d.endpointId))];
  const created = await ctx.db.$transaction(
    targets.map((endpointId) => ctx.db.webhookDelivery.create({ data: { eventId: event.id, endpointId }, include: { event: { select: { type: true } } } })),
  );
  await ctx.db.$executeRaw`SELECT pg_notify('usergraph_webhooks', '')`;
  await recordAudit(ctx, 'webhook.redelivered', { details: { eventId: event.id, webhookIds: targets.map(String) } });
  return created.map(toDelivery);
}
