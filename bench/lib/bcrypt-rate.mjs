// The limit for logins: raw bcryptjs compares per second at the given cost,
// one worker thread per core, measured for `seconds`. Run as its own process.
// Usage: node bcrypt-rate.mjs <cost> <seconds> [threads]
import os from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

if (isMainThread) {
  const cost = Number(process.argv[2] ?? 10);
  const seconds = Number(process.argv[3] ?? 3);
  const threads = Number(process.argv[4] ?? os.availableParallelism());
  const hash = bcrypt.hashSync('bench-password-1', cost);
  const counts = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { hash, seconds } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  process.stdout.write(JSON.stringify({ cost, threads, seconds, compares: total, rate: total / seconds }) + '\n');
} else {
  const { hash, seconds } = workerData;
  const end = Date.now() + seconds * 1000;
  let n = 0;
  while (Date.now() < end) {
    bcrypt.compareSync('bench-password-1', hash);
    n++;
  }
  parentPort.postMessage(n);
}
