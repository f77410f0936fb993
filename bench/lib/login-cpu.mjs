// Where a login's CPU goes (issue 17): runs a gateway on its own database,
// sends logins for a fixed time, and reads per-thread CPU from /proc: the
// gateway's event loop and its other threads, the bcrypt worker threads
// (recognised by their nice value, 10), every PostgreSQL process, and the
// load generator. Also prints how busy the bcrypt threads were: the share of
// wall time they hashed is the ceiling logins reach against the raw rate.
// With BENCH_PERF=1 (and BENCH_UG_NODE_ARGS="--perf-basic-prof
// --interpreted-frames-native-stack"), the event loop's CPU by layer too.
//
//   node bench/lib/login-cpu.mjs [seconds] [connections] [path/to/dist/main.js]
//
// Linux only. Needs the local PostgreSQL (BENCH_PG_URL overrides).
import fs from 'node:fs';
import path from 'node:path';
import { load, startOwnGateway } from './harness.mjs';
import { perfReport, startPerf } from './perf-layers.mjs';
import { namedProcessesCpu, namedProcessesCpuSince, readStat } from './process-cpu.mjs';
import { BENCH_PASSWORD, userEmail } from './seed.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 8);
const script = path.resolve(process.argv[4] ?? path.join(root, 'dist/main.js'));
const cost = 10;
const users = 500;
const LOGIN = `mutation Login($identifier: String!, $password: String!) { login(identifier: $identifier, password: $password) { accessToken } }`;
/** CPU seconds, name and nice value of every thread of `pid`. */
function threads(pid) {
  const out = new Map();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = readStat(`/proc/${pid}/task/${tid}/stat`);
    if (stat) out.set(tid, stat);
  }
  return out;
}

const gateway = await startOwnGateway({
  name: 'logincpu',
  script,
  nodeArgs: process.env.BENCH_UG_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  env: { BCRYPT_COST: String(cost), LOGIN_FAILURES_PER_IP: '100000', TOKEN_GUESSES_PER_IP: '100000' },
  users,
  cost,
});
try {
  const bodies = Array.from({ length: 500 }, (_, i) =>
    JSON.stringify({ query: LOGIN, variables: { identifier: userEmail(1 + ((i * 37) % users)), password: BENCH_PASSWORD } }),
  );
  const job = { url: `${gateway.base}/graphql`, bodies, connections };
  await load({ ...job, duration: 3 }); // warm-up: starts the bcrypt threads
  const pid = gateway.child.pid;
  const before = { threads: threads(pid), pg: namedProcessesCpu('postgres') };
  // BENCH_PERF=1: Linux perf samples the event loop meanwhile (see bench/lib/perf-layers.mjs).
  const perf = process.env.BENCH_PERF === '1' ? startPerf(pid) : null;
  const startedAt = performance.now();
  const result = await load({ ...job, duration: seconds });
  const wall = (performance.now() - startedAt) / 1000;
  const after = { threads: threads(pid), pg: namedProcessesCpu('postgres') };
  const perfText = await perf?.stop();
  const n = result.requests;
  const per = (s) => ((s * 1000) / n).toFixed(2);
  const rows = [];
  let hashing = 0;
  let hashingThreads = 0;
  for (const [tid, t] of after.threads) {
    const cpu = t.cpu - (before.threads.get(tid)?.cpu ?? 0);
    if (cpu <= 0) continue;
    if (t.nice === 10) {
      hashing += cpu;
      hashingThreads++;
    }
    rows.push({
      thread: `${t.comm}${tid === String(pid) ? ' (event loop)' : ''}${t.nice === 10 ? ' (bcrypt)' : ''}`,
      'CPU s': cpu.toFixed(2),
      'ms per login': per(cpu),
    });
  }
  const dbCpu = namedProcessesCpuSince(before.pg, after.pg);
  rows.push({ thread: 'postgres (all processes)', 'CPU s': dbCpu.toFixed(2), 'ms per login': per(dbCpu) });
  console.table(rows);
  if (perfText) {
    const loop = (after.threads.get(String(pid)).cpu - before.threads.get(String(pid)).cpu) / n;
    console.log(perfReport(perfText, { msPerRequest: Number((loop * 1000).toFixed(2)) }));
  }
  console.log(
    JSON.stringify({
      logins: n,
      wall: Number(wall.toFixed(2)),
      rate: Number((n / wall).toFixed(1)),
      bcryptThreadsBusy: Number((hashing / (hashingThreads * wall)).toFixed(3)),
      p50: result.p50,
      p99: result.p99,
      errors: result.errors + result.non2xx + result.graphqlErrors,
    }),
  );
} finally {
  await gateway.stop();
}
