// A bcrypt worker thread of the pool in passwords.ts: one job at a time,
// synchronous inside the thread (the thread has nothing else to do).
import os from 'node:os';
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

/** Niceness of hashing threads (0 normal, 19 lowest). */
const HASHING_NICE = 10;

// Hashing yields the CPU to everything else the process and the machine do:
// a storm of logins then fills idle cores instead of delaying other requests.
// On Linux the nice value is per thread, so this lowers only this thread.
try {
  os.setPriority(HASHING_NICE);
} catch {
  /* not permitted here: hash at normal priority */
}

export type BcryptJob = { id: number; op: 'hash'; password: string; cost: number } | { id: number; op: 'compare'; password: string; hash: string };
export type BcryptReply = { id: number; result: string | boolean } | { id: number; error: string };

parentPort!.on('message', (job: BcryptJob) => {
  let reply: BcryptReply;
  try {
    reply = { id: job.id, result: job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash) };
  } catch (error) {
    reply = { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
