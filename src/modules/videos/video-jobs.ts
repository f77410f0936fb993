// The trim job queue, as SQL on trim_requests. A job is claimed with one
// UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1), so any
// number of gateway replicas can poll the same table without taking the same
// job twice; a claimed job holds a lease that its worker renews, and a job
// whose lease ran out (the worker crashed) is claimable again.
import type { PrismaClient } from '../../generated/prisma/client.js';

export interface ClaimedJob {
  id: string;
  videoId: string;
  trimStart: number;
  duration: number;
  attempts: number;
}

export async function claimJob(db: PrismaClient, workerId: string, leaseSeconds: number): Promise<ClaimedJob | null> {
  const rows = await db.$queryRaw<Array<{ id: string; video_id: string; trim_start: number; duration: number; attempts: number }>>`
    WITH claimed AS (
      UPDATE trim_requests
         SET status = 'PROCESSING',
             attempts = attempts + 1,
             locked_by = ${workerId},
             lease_expires_at = now() + ${leaseSeconds}::int * interval '1 second',
             started_at = now(),
             finished_at = NULL,
             updated_at = now()
       WHERE id = (
         SELECT id FROM trim_requests
          WHERE (status = 'QUEUED' AND run_after <= now())
             OR (status = 'PROCESSING' AND lease_expires_at < now())
          ORDER BY run_after, created_at
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
      RETURNING id, video_id, trim_start, duration, attempts
    ), video AS (
      UPDATE videos SET status = 'PROCESSING', updated_at = now() FROM claimed WHERE videos.id = claimed.video_id
    )
    SELECT id::text, video_id::text, trim_start, duration, attempts FROM claimed`;
  const row = rows[0];
  return row ? { id: row.id, videoId: row.video_id, trimStart: Number(row.trim_start), duration: Number(row.duration), attempts: Number(row.attempts) } : null;
}

/** Extends the lease; false when this worker no longer holds the job (lease lost or video deleted). */
export async function renewLease(db: PrismaClient, jobId: string, workerId: string, leaseSeconds: number): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE trim_requests SET lease_expires_at = now() + ${leaseSeconds}::int * interval '1 second', updated_at = now()
     WHERE id = ${jobId}::uuid AND locked_by = ${workerId} AND status = 'PROCESSING'`;
  return count > 0;
}

/** Marks the job and its video READY with the output; false when the job is no longer ours. */
export async function completeJob(db: PrismaClient, job: ClaimedJob, workerId: string, outputKey: string): Promise<boolean> {
  const [count] = await db.$transaction([
    db.$executeRaw`
      UPDATE trim_requests SET status = 'READY', locked_by = NULL, lease_expires_at = NULL, error = NULL,
             finished_at = now(), updated_at = now()
       WHERE id = ${job.id}::uuid AND locked_by = ${workerId} AND status = 'PROCESSING'`,
    db.$executeRaw`
      UPDATE videos SET status = 'READY', output_key = ${outputKey}, updated_at = now()
       WHERE id = ${job.videoId}::uuid
         AND EXISTS (SELECT 1 FROM trim_requests WHERE id = ${job.id}::uuid AND status = 'READY')`,
  ]);
  return count > 0;
}

/** After a failed attempt: back to the queue after a delay, or FAILED for good with a message for the user. */
export async function failAttempt(
  db: PrismaClient,
  job: ClaimedJob,
  workerId: string,
  maxAttempts: number,
  retryDelayMs: number,
  message: string,
): Promise<'retry' | 'failed'> {
  if (job.attempts >= maxAttempts) {
    await db.$transaction([
      db.$executeRaw`
        UPDATE trim_requests SET status = 'FAILED', locked_by = NULL, lease_expires_at = NULL, error = ${message},
               finished_at = now(), updated_at = now()
         WHERE id = ${job.id}::uuid AND locked_by = ${workerId}`,
      db.$executeRaw`UPDATE videos SET status = 'FAILED', updated_at = now() WHERE id = ${job.videoId}::uuid`,
    ]);
    return 'failed';
  }
  const delayMs = retryDelayMs * job.attempts;
  await db.$transaction([
    db.$executeRaw`
      UPDATE trim_requests SET status = 'QUEUED', locked_by = NULL, lease_expires_at = NULL, error = ${message},
             run_after = now() + ${delayMs}::int * interval '1 millisecond', updated_at = now()
       WHERE id = ${job.id}::uuid AND locked_by = ${workerId}`,
    db.$executeRaw`UPDATE videos SET status = 'QUEUED', updated_at = now() WHERE id = ${job.videoId}::uuid`,
  ]);
  return 'retry';
}

/** On shutdown: gives the job back at once, and the interrupted attempt does not count. */
export async function releaseJob(db: PrismaClient, job: ClaimedJob, workerId: string): Promise<void> {
  await db.$transaction([
    db.$executeRaw`
      UPDATE trim_requests SET status = 'QUEUED', attempts = GREATEST(attempts - 1, 0), locked_by = NULL,
             lease_expires_at = NULL, started_at = NULL, run_after = now(), updated_at = now()
       WHERE id = ${job.id}::uuid AND locked_by = ${workerId} AND status = 'PROCESSING'`,
    db.$executeRaw`UPDATE videos SET status = 'QUEUED', updated_at = now() WHERE id = ${job.videoId}::uuid AND status = 'PROCESSING'`,
  ]);
}
