// The delivery queue, as SQL on webhook_deliveries, claimed the way trim jobs
// are (video-jobs.ts): one UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP
// LOCKED LIMIT 1), so workers on any number of replicas never take the same
// delivery twice; a claim holds a lease, and a delivery whose lease ran out
// (the process died mid-request) is claimable again.
import type { PrismaClient } from '../../generated/prisma/client.js';

export interface ClaimedDelivery {
  id: string;
  eventId: string;
  endpointId: number;
  attempts: number;
  type: string;
  /** The body, the same bytes on every attempt. */
  body: string;
  url: string;
  secretCiphertext: string;
  enabled: boolean;
}

export async function claimDelivery(db: PrismaClient, workerId: string, leaseSeconds: number): Promise<ClaimedDelivery | null> {
  const rows = await db.$queryRaw<
    Array<{
      id: string;
      event_id: string;
      endpoint_id: number;
      attempts: number;
      type: string;
      body: string;
      url: string;
      secret_ciphertext: string;
      enabled: boolean;
    }>
  >`
    WITH claimed AS (
      UPDATE webhook_deliveries
         SET status = 'DELIVERING', attempts = attempts + 1, locked_by = ${workerId},
             lease_expires_at = now() + ${leaseSeconds}::int * interval '1 second',
             last_attempt_at = now(), updated_at = now()
       WHERE id = (
         SELECT id FROM webhook_deliveries
          WHERE (status = 'PENDING' AND next_attempt_at <= now())
             OR (status = 'DELIVERING' AND lease_expires_at < now())
          ORDER BY next_attempt_at
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
      RETURNING id, event_id, endpoint_id, attempts
    )
    SELECT c.id::text, c.event_id::text, c.endpoint_id, c.attempts, e.type, e.payload::text AS body, p.url, p.secret_ciphertext, p.enabled
      FROM claimed c JOIN webhook_events e ON e.id = c.event_id JOIN webhook_endpoints p ON p.id = c.endpoint_id`;
  const row = rows[0];
  return row
    ? {
        id: row.id,
        eventId: row.event_id,
        endpointId: row.endpoint_id,
        attempts: Number(row.attempts),
        type: row.type,
        body: row.body,
        url: row.url,
        secretCiphertext: row.secret_ciphertext,
        enabled: row.enabled,
      }
    : null;
}

/** A 2xx answer: DELIVERED, and the endpoint's run of failures is over. */
export async function markDelivered(db: PrismaClient, delivery: ClaimedDelivery, workerId: string, status: number): Promise<void> {
  await db.$transaction([
    db.$executeRaw`
      UPDATE webhook_deliveries SET status = 'DELIVERED', locked_by = NULL, lease_expires_at = NULL, response_status = ${status},
             last_error = NULL, delivered_at = now(), updated_at = now()
       WHERE id = ${delivery.id}::uuid AND locked_by = ${workerId}`,
    db.$executeRaw`UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = ${delivery.endpointId} AND consecutive_failures <> 0`,
  ]);
}

/**
 * A failed attempt: PENDING again after `retryInMs`, or FAILED when null.
 * A final failure counts against the endpoint; returns its failures in a row
 * then (0 while retrying).
 */
export async function markFailed(
  db: PrismaClient,
  delivery: ClaimedDelivery,
  workerId: string,
  status: number | null,
  error: string,
  retryInMs: number | null,
): Promise<number> {
  if (retryInMs !== null) {
    await db.$executeRaw`
      UPDATE webhook_deliveries SET status = 'PENDING', locked_by = NULL, lease_expires_at = NULL, response_status = ${status},
             last_error = ${error}, next_attempt_at = now() + ${Math.round(retryInMs)}::int * interval '1 millisecond', updated_at = now()
       WHERE id = ${delivery.id}::uuid AND locked_by = ${workerId}`;
    return 0;
  }
  const [, rows] = await db.$transaction([
    db.$executeRaw`
      UPDATE webhook_deliveries SET status = 'FAILED', locked_by = NULL, lease_expires_at = NULL, response_status = ${status},
             last_error = ${error}, updated_at = now()
       WHERE id = ${delivery.id}::uuid AND locked_by = ${workerId}`,
    db.$queryRaw<Array<{ consecutive_failures: number }>>`
      UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = ${delivery.endpointId}
      RETURNING consecutive_failures`,
  ]);
  return Number(rows[0]?.consecutive_failures ?? 0);
}

/** Disables the endpoint unless it already is; true when this call did it. */
export async function disableEndpoint(db: PrismaClient, endpointId: number, reason: string): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = ${reason}, updated_at = now()
     WHERE id = ${endpointId} AND enabled`;
  return count > 0;
}

/** On shutdown: the attempt did not happen, so it does not count. */
export async function releaseDelivery(db: PrismaClient, delivery: ClaimedDelivery, workerId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE webhook_deliveries SET status = 'PENDING', attempts = GREATEST(attempts - 1, 0), locked_by = NULL, lease_expires_at = NULL, updated_at = now()
     WHERE id = ${delivery.id}::uuid AND locked_by = ${workerId} AND status = 'DELIVERING'`;
}
