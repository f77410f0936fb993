// The worker loops of a table-backed queue (trim jobs, webhook deliveries):
// `workers` loops, each claiming one item (a claim holds a lease; the SQL is
// the queue's own, with FOR UPDATE SKIP LOCKED), running it, and sleeping
// `pollIntervalMs` when nothing is due unless woken. An item claimed just as
// the process begins to stop is released at once, not run.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';

export interface WorkQueue<T> {
  /** What the log lines call an item ("trim job", "webhook delivery"). */
  name: string;
  workers: number;
  pollIntervalMs: number;
  /** Claims a due item for `workerId`, or null when none is due. */
  claim(workerId: string): Promise<T | null>;
  /** Runs a claimed item; errors are logged, the loop goes on. */
  run(item: T, workerId: string): Promise<void>;
  /** Gives back an item claimed while stopping (the attempt did not happen). */
  release(item: T, workerId: string): Promise<void>;
  logger: Logger;
}

export class WorkerLoops<T> {
  /** This process's id in `locked_by`; loop n is `<id>#<n>`. */
  readonly id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly queue: WorkQueue<T>) {}

  /** True once stop() was called. */
  get isStopping(): boolean {
    return this.stopping;
  }

  start(): void {
    for (let i = 0; i < this.queue.workers; i++) this.loops.push(this.loop(`${this.id}#${i}`));
  }

  /** Idle loops look for work now rather than at their next poll. */
  wake(): void {
    for (const wake of this.sleepers) wake();
  }

  /** Stops claiming and waits for the items being run (abort them first if they should not finish). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.all(this.loops);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private async loop(workerId: string): Promise<void> {
    const { logger, name } = this.queue;
    while (!this.stopping) {
      let item: T | null = null;
      try {
        item = await this.queue.claim(workerId);
      } catch (err) {
        if (!this.stopping) logger.error({ err }, `could not claim a ${name}`);
      }
      if (!item) {
        if (!this.stopping) await this.sleep(this.queue.pollIntervalMs);
        continue;
      }
      if (this.stopping) {
        await this.queue.release(item, workerId).catch((err) => logger.error({ err }, `could not release the ${name}`));
        break;
      }
      await this.queue.run(item, workerId).catch((err) => logger.error({ err }, `${name} failed unexpectedly`));
    }
  }
}
