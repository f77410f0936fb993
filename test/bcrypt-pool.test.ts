// The password hashing pool (src/auth/bcrypt-pool.ts) as built in dist/, in a
// Node process of its own (the pool starts worker threads from its compiled
// module): each caller gets its own job's answer while workers hold a next job,
// failures reach only their caller, and the pool never keeps a process alive.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '..');

/**
 * Runs an ES module script from a directory in the project root (so it can
 * import ../dist/ and bcryptjs) and returns its last stdout line as JSON. A
 * file, not `--input-type=module -e`: worker threads inherit the flags and
 * would fail on that one.
 */
async function runScript(source: string): Promise<unknown> {
  const dir = await fs.mkdtemp(path.join(root, '.test-bcrypt-pool-'));
  try {
    await fs.writeFile(path.join(dir, 'script.mjs'), source);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'script.mjs')], { cwd: root, timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

it('answers every caller with its own job when there are more jobs than workers, and exits without close()', async () => {
  const result = await runScript(`
    import bcrypt from 'bcryptjs';
    import { BcryptPool } from '../dist/auth/bcrypt-pool.js';
    const pool = new BcryptPool(2);
    const stored = bcrypt.hashSync('right-password', 4);
    // Nine jobs on two workers: every worker holds a next job while it runs one.
    const jobs = Array.from({ length: 9 }, (_, i) =>
      i % 3 === 0 ? pool.run({ op: 'hash', password: 'password-' + i, cost: 4 })
        : pool.run({ op: 'compare', password: i % 3 === 1 ? 'right-password' : 'wrong-password', hash: stored }));
    const answers = await Promise.all(jobs);
    console.log(JSON.stringify(answers.map((answer, i) => (i % 3 === 0 ? bcrypt.compareSync('password-' + i, answer) : answer))));
    // No close(): idle workers must not keep this process alive (execFile would time out).
  `);
  expect(result).toEqual([true, true, false, true, true, false, true, true, false]);
});

it('fails only the job whose input is bad, and every job after close()', async () => {
  const result = await runScript(`
    import { BcryptPool } from '../dist/auth/bcrypt-pool.js';
    const pool = new BcryptPool(1);
    const settle = (p) => p.then((value) => ({ value }), (error) => ({ error: error.message }));
    const [bad, good] = await Promise.all([
      settle(pool.run({ op: 'hash', password: 'password', cost: 'not a cost' })),
      settle(pool.run({ op: 'hash', password: 'password', cost: 4 })),
    ]);
    await pool.close();
    const closed = await settle(pool.run({ op: 'hash', password: 'password', cost: 4 }));
    console.log(JSON.stringify({ bad, good: typeof good.value === 'string' && good.value.startsWith('$2'), closed }));
  `);
  expect(result).toEqual({
    bad: { error: expect.stringMatching(/\S/) },
    good: true,
    closed: { error: 'The password hashing pool is closed.' },
  });
});
