// The webhook delivery workers of one gateway process: WEBHOOK_WORKERS loops,
// each claiming a due delivery, signing it (Standard Webhooks) and POSTing it.
// A failed attempt is retried on WEBHOOK_RETRY_SCHEDULE with jitter, then
// FAILED; an endpoint whose deliveries keep failing is disabled, audited, and
// the admins are mailed. Woken by NOTIFY usergraph_webhooks (a trigger sends
// it when an event is committed), else they poll.
import type { Logger } from 'pino';
import type { WebhooksConfig } from '../../config.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Mailer } from '../../mail/mailer.js';
import { ADMIN_ROLE } from '../../graphql/context.js';
import { recordAudit } from '../audit/audit.service.js';
import { WorkerLoops } from '../../db/work-queue.js';
import { claimDelivery, disableEndpoint, markDelivered, markFailed, releaseDelivery, type ClaimedDelivery } from './webhook-queue.js';
import { signDelivery, type SecretBox } from './webhook-secrets.js';
import { postDelivery } from './webhook-targets.js';

export interface WebhookDispatcherDeps {
  db: PrismaClient;
  secrets: SecretBox;
  mailer: Mailer;
  logger: Logger;
  config: WebhooksConfig;
  publicUrl: () => string;
}

/** The delay before retry `attempt` (1-based), ±20 % so that retries after an outage spread out; null when none is left. */
export function retryDelayMs(schedule: number[], attempt: number, random = Math.random): number | null {
  const seconds = schedule[attempt - 1];
  return seconds === undefined ? null : seconds * 1000 * (0.8 + 0.4 * random());
}

export class WebhookDispatcher {
  private readonly loops: WorkerLoops<ClaimedDelivery>;

  constructor(private readonly deps: WebhookDispatcherDeps) {
    const { db, config, logger } = deps;
    const leaseSeconds = Math.ceil(config.timeoutMs / 1000) + 30;
    this.loops = new WorkerLoops({
      name: 'webhook delivery',
      workers: config.workers,
      pollIntervalMs: config.pollIntervalMs,
      logger,
      claim: (workerId) => claimDelivery(db, workerId, leaseSeconds),
      run: (delivery, workerId) =>
        this.deliver(delivery, workerId).catch((err) => logger.error({ err, deliveryId: delivery.id }, 'webhook delivery failed unexpectedly')),
      release: (delivery, workerId) => releaseDelivery(db, delivery, workerId),
    });
  }

  start(): void {
    this.loops.start();
  }

  wake(): void {
    this.loops.wake();
  }

  /** Lets requests in flight finish (each is bounded by WEBHOOK_TIMEOUT_MS), then stops. */
  stop(): Promise<void> {
    return this.loops.stop();
  }

  private async deliver(delivery: ClaimedDelivery, workerId: string): Promise<void> {
    const { db, config, secrets, logger } = this.deps;
    const log = logger.child({ deliveryId: delivery.id, eventId: delivery.eventId, webhookId: delivery.endpointId, attempt: delivery.attempts });
    if (!delivery.enabled) {
      await markFailed(db, delivery, workerId, null, 'The endpoint is disabled; redeliver once it is enabled again.', null);
      return;
    }
    let secret: string;
    try {
      secret = secrets.open(delivery.secretCiphertext);
    } catch (err) {
      log.error({ err }, 'cannot read the webhook signing secret (KEY_ENCRYPTION_KEY or WEBHOOK_ENCRYPTION_KEY changed?)');
      await markFailed(
        db,
        delivery,
        workerId,
        null,
        'The signing secret could not be read; rotate the secret.',
        retryDelayMs(config.retrySchedule, delivery.attempts),
      );
      return;
    }
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signDelivery(secret, delivery.eventId, timestamp, delivery.body),
    };
    const result = await postDelivery(delivery.url, headers, delivery.body, {
      timeoutMs: config.timeoutMs,
      maxResponseBytes: config.maxResponseBytes,
      allowPrivate: config.allowPrivateTargets,
    });
    if (result.error === null) {
      await markDelivered(db, delivery, workerId, result.status!);
      log.info({ status: result.status }, 'webhook delivered');
      return;
    }
    const retryIn = retryDelayMs(config.retrySchedule, delivery.attempts);
    log.warn({ status: result.status, error: result.error, retryInMs: retryIn }, 'webhook delivery attempt failed');
    const failuresInARow = await markFailed(db, delivery, workerId, result.status, result.error, retryIn);
    if (retryIn === null && failuresInARow >= config.disableAfterFailures) await this.disable(delivery, failuresInARow);
  }

  private async disable(delivery: ClaimedDelivery, failures: number): Promise<void> {
    const { db, mailer, logger } = this.deps;
    const reason = `${failures} deliveries in a row failed after every retry.`;
    if (!(await disableEndpoint(db, delivery.endpointId, reason))) return;
    logger.warn({ webhookId: delivery.endpointId, failures }, 'webhook endpoint disabled');
    await recordAudit({ db, viewer: null, request: { ip: null, userAgent: null }, logger }, 'webhook.disabled', {
      actorId: null,
      details: { webhookId: delivery.endpointId, url: delivery.url, reason },
    });
    const admins = await db.user.findMany({
      where: { deletedAt: null, active: true, email: { not: null }, roles: { some: { role: { name: ADMIN_ROLE } } } },
      select: { email: true },
    });
    for (const admin of admins) {
      await mailer
        .send({
          to: admin.email!,
          subject: 'A webhook endpoint was disabled',
          text:
            `The webhook endpoint ${delivery.endpointId} (${delivery.url}) was disabled: ${reason}\n\n` +
            `See its deliveries with the webhookDeliveries query, fix the receiver, then enable it again with ` +
            `updateWebhook(id: ${delivery.endpointId}, input: { enabled: true }) and redeliver what it missed with redeliverWebhookEvent.\n` +
            `${this.deps.publicUrl()}/graphql\n`,
        })
        .catch((err) => logger.error({ err }, 'could not mail an admin about a disabled webhook'));
    }
  }
}
