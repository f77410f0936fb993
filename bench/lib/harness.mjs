// Process, database and measurement helpers shared by the scenarios.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { seed } from './seed.mjs';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const projectRoot = path.resolve(benchDir, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const children = new Set();

/** Starts a server process and waits until `readyUrl` answers 200. */
export async function startProcess(name, args, env, readyUrl, timeoutMs = 180_000) {
  const child = spawn(process.execPath, args, { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.once('exit', (code) => {
    exited = code;
    children.delete(child);
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`${name} exited (${exited}) before it was ready:\n${output}`);
    try {
      const res = await fetch(readyUrl, { method: 'GET' });
      if (res.status < 500) return { name, child, stop: () => stopProcess(child), output: () => output };
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  stopProcess(child);
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${output}`);
}

export function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * One gateway alone on a database of its own, for the tools that measure a
 * single gateway (allocations.mjs, login-cpu.mjs): creates the database on
 * the local PostgreSQL (BENCH_PG_URL overrides), starts `script` on it in
 * production mode without background workers (`env` adds or overrides
 * variables), and once it has made the schema seeds `users` users at bcrypt
 * `cost`. `stop()` stops it and drops the database and its data directory.
 */
export async function startOwnGateway({ name, script, nodeArgs = [], env = {}, users, cost }) {
  const pgUrl = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const database = `usergraph_${name.replace(/\W/g, '_')}_${process.pid}`;
  const dataDir = path.join(os.tmpdir(), `${database}-data`);
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(pgUrl);
  url.pathname = `/${database}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let child;
  const stop = async () => {
    if (child) await stopProcess(child);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    ({ child } = await startProcess(
      name,
      [...nodeArgs, script],
      {
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: url.toString(),
        JWT_SECRET: 'own-gateway-jwt-secret-own-gateway-jwt-secret-01',
        KEY_ENCRYPTION_KEY: 'own-gateway-key-encryption-key-0123456789ab',
        LOG_LEVEL: 'warn',
        VIDEO_WORKERS: '0',
        WEBHOOK_WORKERS: '0',
        DATA_DIR: dataDir,
        ...env,
      },
      `${base}/healthz`,
    ));
    const seeder = new pg.Client({ connectionString: url.toString() });
    await seeder.connect();
    try {
      await seed(seeder, { users, cost, refreshSessions: 0 });
    } finally {
      await seeder.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, base, stop };
}

/** Kills every child still running (used on failure and on Ctrl-C). */
export function killAll() {
  for (const child of children) child.kill('SIGKILL');
}

function runNode(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => {
      children.delete(child);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()));
      else reject(new Error(`${args.join(' ')} failed (${code}): ${err.slice(-2000)}`));
    });
  });
}

/** Runs autocannon in its own process (bench/lib/load.mjs) and returns its summary. */
export async function load(job) {
  const file = path.join(os.tmpdir(), `usergraph-bench-job-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  await fs.writeFile(file, JSON.stringify(job));
  try {
    return await runNode([path.join(benchDir, 'lib/load.mjs'), file]);
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** Raw bcryptjs compare rate at `cost` on every core, in its own process. */
export function bcryptRate(cost, seconds) {
  return runNode([path.join(benchDir, 'lib/bcrypt-rate.mjs'), String(cost), String(seconds), String(os.availableParallelism())]);
}

export async function graphql(url, query, variables = {}, token) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`GraphQL errors from ${url}: ${JSON.stringify(body.errors).slice(0, 500)}`);
  return body.data;
}

/**
 * Counts the SQL statements the database executes for `requests`, from the
 * PostgreSQL server log: the counting instances connect as a role with
 * `log_statement = all`, and only lines of that role in this database count.
 * Falls back to the database's committed+rolled-back transaction counter
 * (pg_stat_database) when the log cannot be read.
 */
export class StatementCounter {
  constructor(admin, { database, role, logFile }) {
    Object.assign(this, { admin, database, role, logFile });
    this.method = null;
  }

  async init() {
    try {
      await this.admin.query('SELECT pg_stat_file($1)', [this.logFile]);
      this.method = 'server log (log_statement = all for a counting role)';
    } catch {
      this.method = 'pg_stat_database xact_commit + xact_rollback (transactions, a lower bound on statements)';
      this.useXact = true;
    }
  }

  async #mark() {
    if (this.useXact) {
      await sleep(1200); // backends flush their statistics at most once a second
      await this.admin.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await this.admin.query('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [this.database]);
      return Number(rows[0].n);
    }
    await sleep(300);
    const { rows } = await this.admin.query('SELECT (pg_stat_file($1)).size AS size', [this.logFile]);
    return Number(rows[0].size);
  }

  /** Runs `send` (which makes `requests` requests one after another) and returns statements per request. */
  async perRequest(requests, send) {
    const before = await this.#mark();
    for (let i = 0; i < requests; i++) await send(i);
    const after = await this.#mark();
    if (this.useXact) return { statements: (after - before - 1) / requests, all: null };
    const { rows } = await this.admin.query('SELECT pg_read_file($1, $2, $3) AS text', [this.logFile, before, after - before]);
    const tag = `${this.role}@${this.database} LOG:  `;
    let data = 0;
    let all = 0;
    // One log entry per statement; a multi-line statement continues on lines without the timestamp prefix.
    const entries = [];
    for (const line of rows[0].text.split('\n')) {
      if (/^\d{4}-\d\d-\d\d /.test(line)) entries.push(line);
      else if (entries.length) entries[entries.length - 1] += '\n' + line;
    }
    for (const entry of entries) {
      const at = entry.indexOf(tag);
      if (at < 0) continue;
      const m = /^(?:statement|execute [^:]*):\s*(\w+)/.exec(entry.slice(at + tag.length));
      if (!m) continue;
      all++;
      if (/^(select|insert|update|delete|with)$/i.test(m[1])) data++;
      if (process.env.BENCH_SHOW_SQL) console.log(`  sql: ${entry.slice(at + tag.length, at + tag.length + 400).replace(/\s+/g, ' ')}`);
    }
    return { statements: data / requests, all: all / requests };
  }
}

/** Runs the rotation load generator (bench/lib/rotate.mjs) in its own process and returns its raw result. */
export async function rotateLoad(job) {
  const file = path.join(os.tmpdir(), `usergraph-bench-rotate-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  await fs.writeFile(file, JSON.stringify(job));
  try {
    return await runNode([path.join(benchDir, 'lib/rotate.mjs'), file]);
  } finally {
    await fs.rm(file, { force: true });
  }
}

const median = (values) => {
  const v = values.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const quartiles = (values) => {
  const v = values.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return [null, null];
  const at = (p) => v[Math.min(v.length - 1, Math.floor(p * (v.length - 1) + 0.5))];
  return [at(0.25), at(0.75)];
};

/**
 * Summarises a rotation: per target the median req/s and CPU ms per request
 * over its slices with their interquartile range, and per target the median
 * of the per-round ratios against `reference` (throughput: target / reference;
 * CPU: reference / target, so above 1 means cheaper), with their IQR. Ratios
 * are taken within a round, slices a second or two apart, so machine load
 * that drifts over the run cancels out.
 */
export function summarizeRotation(raw, reference) {
  const ref = raw.targets[reference];
  const out = {};
  for (const [name, t] of Object.entries(raw.targets)) {
    const rps = t.slices.map((s) => s.rps);
    const cpu = t.slices.map((s) => s.cpuMsPerRequest);
    const dbCpu = t.slices.map((s) => s.dbCpuMsPerRequest);
    const ratios = t.slices.map((s, i) => s.rps / ref.slices[i].rps);
    const cpuRatios = t.slices.map((s, i) => (s.cpuMsPerRequest && ref.slices[i].cpuMsPerRequest ? ref.slices[i].cpuMsPerRequest / s.cpuMsPerRequest : null));
    out[name] = {
      rps: median(rps),
      rpsIqr: quartiles(rps),
      cpuMsPerRequest: median(cpu),
      cpuIqr: quartiles(cpu),
      dbCpuMsPerRequest: median(dbCpu),
      ratio: median(ratios),
      ratioIqr: quartiles(ratios),
      cpuRatio: median(cpuRatios),
      cpuRatioIqr: quartiles(cpuRatios),
      p50: t.p50,
      p99: t.p99,
      slices: t.slices.length,
      requests: t.requests,
      non2xx: t.non2xx,
      errors: t.errors,
      graphqlErrors: t.graphqlErrors,
      sample: t.sample,
    };
  }
  return out;
}
