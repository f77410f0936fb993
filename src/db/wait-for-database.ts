// Start-up only: waits for the database to answer before migrations run, so
// a gateway started beside its database (docker compose, a rolling deploy)
// retries with backoff instead of exiting at once. Errors that waiting cannot
// cure (a wrong password, a missing database) end the wait at once.
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../graphql/format-error.js';

export interface WaitForDatabaseOptions {
  /** Total time to keep trying, in ms; 0 tries once. */
  timeoutMs: number;
  logger: Logger;
  /** First pause between attempts, doubled after each up to `maxDelayMs`. Default 250. */
  initialDelayMs?: number;
  /** Longest pause between attempts. Default 5000. */
  maxDelayMs?: number;
}

export async function waitForDatabase(ping: () => Promise<void>, options: WaitForDatabaseOptions): Promise<void> {
  const { timeoutMs, logger, initialDelayMs = 250, maxDelayMs = 5000 } = options;
  const deadline = Date.now() + timeoutMs;
  let delay = initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await ping();
      if (attempt > 1) logger.info({ attempt }, 'database reachable');
      return;
    } catch (error) {
      // Prisma's messages open with the invocation; the last line says what failed.
      const reason = (error instanceof Error ? error.message : String(error)).trim().split('\n').pop();
      const remainingMs = deadline - Date.now();
      if (!isUnreachable(error)) throw error;
      if (remainingMs <= 0) {
        throw new Error(`database not reachable after ${attempt} attempt(s) in ${Math.round(timeoutMs / 1000)} s (DATABASE_STARTUP_TIMEOUT): ${reason}`, {
          cause: error,
        });
      }
      const retryInMs = Math.min(delay, maxDelayMs, remainingMs);
      logger.warn({ attempt, retryInMs, remainingMs, reason }, 'database not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
      delay *= 2;
    }
  }
}

/** Connection failures, including Prisma's wrapping of a raw query's (P2010 with the adapter's error in `meta`). */
function isUnreachable(error: unknown): boolean {
  const meta = (error as { meta?: { driverAdapterError?: unknown } } | null)?.meta;
  return (
    isDatabaseUnavailable(error) || isDatabaseUnavailable(meta?.driverAdapterError) || /Can't reach database server/i.test(String((error as Error)?.message))
  );
}
