// `npm run bench [-- --quick]`: usergraph against PostGraphile v4 on the same
// machine, database and data, in one run. Creates its own database on the
// local PostgreSQL, seeds it, starts both servers in their own processes,
// drives load from a third (autocannon), prints a table and writes
// bench/results/latest.json. The database and role are dropped at the end,
// even on failure.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  StatementCounter,
  bcryptRate,
  benchDir,
  freePort,
  graphql,
  killAll,
  load,
  projectRoot,
  rotateLoad,
  startProcess,
  summarizeRotation,
} from './lib/harness.mjs';
import { BENCH_PASSWORD, seed, userEmail } from './lib/seed.mjs';
import { withServerCpu } from './lib/process-cpu.mjs';
import graphqlReads from './scenarios/graphql-reads.mjs';
import auth from './scenarios/auth.mjs';
import rest from './scenarios/rest.mjs';
import media, { mediaEnv } from './scenarios/media.mjs';
import signing from './scenarios/signing.mjs';
import events, { eventsEnv } from './scenarios/events.mjs';
import rotation, { rotationSettings } from './scenarios/rotation.mjs';

const quick = process.argv.includes('--quick');
/** `--only=<scenario id>[,<id>...]`: run only those plug-ins (the others print as skipped). */
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const pgBase = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const logFile = process.env.BENCH_PG_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
const database = `usergraph_bench_${process.pid}`;
const countRole = `usergraph_bench_count_${process.pid}`;
const cost = 10;
const users = 10_000;
const cores = os.availableParallelism();
const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
/** Seconds of each measured run (`--duration=N` overrides): 3 in quick mode, 10 otherwise; warm-up is a third of it. */
const duration = Number(flag('duration') ?? (quick ? 3 : 10));
const warmup = Math.max(1, Math.round(duration / 3));

/**
 * Refresh tokens for the rotation (bench-refresh-<refreshSessions + 1> on): every gateway in it spends its own, for
 * its slices of every round (warm-up included), at up to 2,000 refreshes a second each.
 */
const rotationGateways = 2 + (process.env.BENCH_VARIANTS ?? '').split(',').filter(Boolean).length;
const { rounds: rotationRounds, warmupRounds, slice } = rotationSettings({ quick, cores });
const rotationRefreshSessions = Math.max(quick ? 20_000 : 100_000, Math.ceil((rotationRounds + warmupRounds) * rotationGateways * slice * 2_000));
/**
 * Refresh tokens for the refresh row (the lower half, one run at up to 2,500 a second) and the signing scenario's
 * rotation of three gateways (the upper half, up to 2,000 a second each).
 */
const refreshSessions = 2 * Math.max(10_000, (warmup + duration) * 2_500, Math.ceil((rotationRounds + warmupRounds) * 3 * slice * 2_000));
const jwtSecret = 'bench-jwt-secret-bench-jwt-secret-0123456789';
const adminEmail = 'admin@bench.test';
const adminPassword = 'bench-admin-password-1';
const scenarios = [rotation, graphqlReads, auth, signing, rest, ...media, events];

const urlFor = (user, db) => `${pgBase.replace('://postgres@', `://${user}@`)}/${db}`;
/** A client whose connection may be cut by the final DROP DATABASE ... WITH (FORCE) without crashing the run. */
const client = (connectionString) => new pg.Client({ connectionString }).on('error', () => {});
const admin = client(`${pgBase}/postgres`);
const processes = [];
let dbCreated = false;
let roleCreated = false;

async function startUsergraph(port, databaseUrl, extraEnv = {}, script = 'dist/main.js') {
  const env = {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    KEY_ENCRYPTION_KEY: 'bench-key-encryption-key-0123456789abcdef',
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: adminPassword,
    BCRYPT_COST: String(cost),
    // Request logging off (the peer logs nothing either) and throttles out of reach, so they do not shape throughput.
    LOG_LEVEL: 'warn',
    LOGIN_FAILURES_PER_IP: '100000',
    LOGIN_FAILURES_PER_ACCOUNT: '100',
    TOKEN_GUESSES_PER_IP: '100000',
    RESET_REQUESTS_PER_IP: '100000',
    RESET_REQUESTS_PER_ACCOUNT: '1000',
    ACCESS_TOKEN_TTL: '86400',
    DATA_DIR: path.join(os.tmpdir(), `${database}-data`),
    ...mediaEnv,
    ...eventsEnv,
    ...extraEnv,
  };
  // e.g. BENCH_UG_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the gateway under load.
  const nodeArgs = process.env.BENCH_UG_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const p = await startProcess('usergraph', [...nodeArgs, script], env, `http://127.0.0.1:${port}/healthz`);
  processes.push(p);
  return { ...p, url: `http://127.0.0.1:${port}/graphql` };
}

async function startPeer(port, databaseUrl) {
  const p = await startProcess(
    'postgraphile',
    [path.join(benchDir, 'lib/peer.mjs')],
    { DATABASE_URL: databaseUrl, PORT: String(port) },
    `http://127.0.0.1:${port}/graphql`,
  );
  processes.push(p);
  return { ...p, url: `http://127.0.0.1:${port}/graphql` };
}

async function main() {
  const started = new Date();
  await admin.connect();
  console.log(
    `usergraph bench (${quick ? 'quick' : 'full'}): ${cores} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await admin.query(`CREATE DATABASE ${database}`);
  dbCreated = true;
  const dbUrl = urlFor('postgres', database);

  // Migrations: usergraph applies them on start (this also ensures the admin account).
  const ug = await startUsergraph(await freePort(), dbUrl);
  const seeder = client(dbUrl);
  await seeder.connect();
  const t0 = Date.now();
  await seed(seeder, { users, cost, refreshSessions: refreshSessions + rotationRefreshSessions });
  const {
    rows: [{ id: userId }],
  } = await seeder.query('SELECT id FROM users WHERE email = $1', [userEmail(1)]);
  console.log(
    `seeded ${users} users, profiles, roles, preferences and ${refreshSessions + rotationRefreshSessions} refresh sessions in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  // A role whose statements the server logs: the counting instances connect as it.
  await admin.query(`CREATE ROLE ${countRole} LOGIN`);
  roleCreated = true;
  await seeder.query(`GRANT USAGE ON SCHEMA public TO ${countRole}`);
  await seeder.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${countRole}`);
  await seeder.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${countRole}`);
  await admin.query(`ALTER ROLE ${countRole} IN DATABASE ${database} SET log_statement = 'all'`);
  await seeder.end();

  const peer = await startPeer(await freePort(), dbUrl);
  // No trim workers on the counting instance: their idle polls would be counted, and they would take jobs.
  const countUg = await startUsergraph(await freePort(), urlFor(countRole, database), { VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
  const countPeer = await startPeer(await freePort(), urlFor(countRole, database));
  const benchDb = client(dbUrl);
  await benchDb.connect();
  const counter = new StatementCounter(benchDb, { database, role: countRole, logFile });
  await counter.init();

  const login = async (email, password) =>
    (
      await graphql(
        ug.url,
        `
          mutation ($i: String!, $p: String!) {
            login(identifier: $i, password: $p) {
              accessToken
            }
          }
        `,
        { i: email, p: password },
      )
    ).login.accessToken;
  const tokens = { user: await login(userEmail(1), BENCH_PASSWORD), admin: await login(adminEmail, adminPassword) };

  const assertClean = (what, r) => {
    if (r.non2xx || r.errors || r.graphqlErrors) {
      throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.graphqlErrors} GraphQL errors (e.g. ${r.sample})`);
    }
  };
  const b = {
    quick,
    root: projectRoot,
    users,
    cost,
    cores,
    warmup,
    duration,
    refreshSessions,
    userId,
    tokens,
    countRequests: quick ? 10 : 50,
    ug,
    peer,
    dbUrl,
    /** Another gateway on the bench database, e.g. with other settings (stopped at the end with the rest). */
    startUsergraph: async (extraEnv, script) => startUsergraph(await freePort(), dbUrl, extraEnv, script),
    rotateLoad,
    /** The database's process name when it runs on this machine, so rotations can read its CPU per request. */
    dbProcess: ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(pgBase).hostname) ? 'postgres' : null,
    summarizeRotation,
    rotationRefreshStart: refreshSessions + 1,
    rotationRefreshSessions,
    db: benchDb,
    count: { ug: countUg.url, peer: countPeer.url },
    counter,
    load,
    assertClean,
    bcryptRate,
    check: (url, query, variables, token) => graphql(url, query, variables, token),
    /**
     * Warm-up, then the measured run; a run with any error is refused. With
     * `cpuPid`, the result also has that process's CPU milliseconds per request.
     */
    async measure(job, { warm = true, cpuPid } = {}) {
      const base = { connections: 2 * cores, ...job };
      if (warm) assertClean(`${job.url} warm-up`, await load({ ...base, duration: warmup }));
      const run = () => load({ ...base, duration });
      const result = cpuPid ? await withServerCpu(cpuPid, run) : await run();
      assertClean(job.url, result);
      return result;
    },
  };

  const rows = [];
  for (const scenario of scenarios) {
    const available = only && !only.includes(scenario.id) ? 'skipped by --only' : scenario.available(b);
    if (available !== true) {
      const reason = available;
      rows.push({ id: scenario.id, scenario: scenario.scenario ?? scenario.id, target: scenario.target ?? '', unavailable: reason });
      continue;
    }
    console.log(`running ${scenario.id}...`);
    try {
      rows.push(...(await scenario.run(b)));
    } catch (error) {
      // What was measured before the failure is still worth reading.
      if (rows.some((r) => !r.unavailable)) {
        console.error(`${scenario.id} failed; the rows measured before it:`);
        printTable(rows);
      }
      throw error;
    }
  }
  await benchDb.end();

  printTable(rows);
  const result = {
    startedAt: started.toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: { cores, cpu: os.cpus()[0]?.model, node: process.version, loadAverageAtEnd: os.loadavg() },
    settings: { users, bcryptCost: cost, warmupSeconds: warmup, durationSeconds: duration, statementCounting: counter.method },
    scenarios: rows,
  };
  await fs.mkdir(path.join(benchDir, 'results'), { recursive: true });
  await fs.writeFile(path.join(benchDir, 'results/latest.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`\nstatements counted by: ${counter.method}`);
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; wrote bench/results/latest.json`,
  );
}

function printTable(rows) {
  const fmt = (n, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : '');
  const lines = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'SQL/req', 'CPU ms/req', 'peer or limit', 'ratio', 'spread', 'control', 'target', 'met?']];
  for (const r of rows) {
    if (r.unavailable) {
      lines.push([r.scenario, '', '', '', '', '', r.unavailable, '', '', '', r.target, 'n/a']);
      continue;
    }
    const sql = r.statements === undefined ? '' : `${fmt(r.statements, 1)} (peer ${fmt(r.peerStatements, 1)})`;
    // Gateway CPU, then (rotations on a local database) the database's CPU for the same request.
    const withDb = (cpu, db) => `${fmt(cpu, 2)}${db == null ? '' : ` + DB ${fmt(db, 2)}`}`;
    const cpu =
      r.cpuMsPerRequest == null
        ? ''
        : `${withDb(r.cpuMsPerRequest, r.dbCpuMsPerRequest)}${r.peerCpuMsPerRequest == null ? '' : ` (peer ${withDb(r.peerCpuMsPerRequest, r.peerDbCpuMsPerRequest)})`}`;
    lines.push([
      r.scenario,
      fmt(r.rps),
      fmt(r.p50),
      fmt(r.p99),
      sql,
      cpu,
      r.peer,
      `${fmt(r.ratio, 2)}x`,
      r.spread ?? '',
      r.control ?? '',
      r.target,
      r.met ? 'yes' : 'NO',
    ]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  console.log('');
  for (const [i, l] of lines.entries()) {
    console.log(
      l
        .map((c, j) => String(c).padEnd(widths[j]))
        .join('  ')
        .trimEnd(),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

async function cleanup() {
  await Promise.allSettled(processes.map((p) => p.stop()));
  killAll();
  if (dbCreated) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e) => console.error(`could not drop ${database}: ${e.message}`));
  if (roleCreated) await admin.query(`DROP ROLE IF EXISTS ${countRole}`).catch((e) => console.error(`could not drop ${countRole}: ${e.message}`));
  await admin.end().catch(() => {});
  await fs.rm(path.join(os.tmpdir(), `${database}-data`), { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`bench failed: ${error.stack ?? error}`);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
