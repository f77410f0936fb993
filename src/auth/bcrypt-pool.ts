// A small pool of worker threads for bcrypt, sized to the cores, so password
// hashing runs on every core and never on the event loop. Jobs wait in one
// FIFO queue; each worker takes one job at a time. Idle workers are unref'd,
// so the pool never keeps a process alive; a worker that dies is replaced and
// its job fails with an error.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BcryptJob, BcryptReply } from './bcrypt-worker.js';

type JobInput = BcryptJob extends infer J ? (J extends BcryptJob ? Omit<J, 'id'> : never) : never;
interface Pending {
  job: BcryptJob;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}

export class BcryptPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private size = 0;
  private closed = false;

  /** @param threads worker threads; default one per core (os.availableParallelism()). */
  constructor(private readonly threads = os.availableParallelism()) {}

  run(input: JobInput): Promise<string | boolean> {
    if (this.closed) return Promise.reject(new Error('The password hashing pool is closed.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { ...input, id: this.nextId++ }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('The password hashing pool is closed.'));
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length) {
      const worker = this.idle.pop() ?? (this.size < this.threads ? this.spawn() : undefined);
      if (!worker) return;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.ref();
      worker.postMessage(pending.job);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./bcrypt-worker.js', import.meta.url));
    this.size++;
    worker.on('message', (reply: BcryptReply) => {
      const pending = this.busy.get(worker);
      if (!pending || pending.job.id !== reply.id) return;
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.result);
      this.dispatch();
    });
    let gone = false;
    const lost = (error: Error) => {
      if (gone) return;
      gone = true;
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.size--;
      pending?.reject(error);
      if (!this.closed) this.dispatch();
    };
    worker.once('error', lost);
    worker.once('exit', (code) => lost(new Error(`A password hashing worker exited (${code}).`)));
    return worker;
  }
}
