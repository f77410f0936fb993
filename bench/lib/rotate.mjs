// Rotation load generator, run as its own process (never beside a server's
// event loop). Reads a JSON job from the file named by argv[2]:
//   { targets: [{ name, url, headers?, bodies?: string[], template?: string, pid? }],
//     connections, slice (seconds), rounds, warmupRounds?, start?, dbProcess? }
// Each round sends load to every target in turn for one slice (the order
// shuffled per round), so all targets see the same machine: whatever else
// loads it hits them alike. Per slice it records requests per second,
// latencies and, with `pid`, the server's CPU milliseconds per request
// (/proc/<pid>/stat), and with `dbProcess` (a local database's process name,
// `postgres`) the CPU milliseconds that database spent per request: only one
// target is loaded in a slice, so its processes' CPU over the slice is that
// target's database work. With `template`, every request gets a fresh body with
// %N% replaced by a counter shared by all targets (tokens usable once).
// Prints one JSON line: { targets: { <name>: { slices: [{ rps, cpuMsPerRequest, dbCpuMsPerRequest }],
//   latencies: { p50, p99 }, requests, non2xx, errors, graphqlErrors, sample } },
//   order: [[name, ...] per round] }.
import fs from 'node:fs';
import net from 'node:net';
import { cpuSeconds, namedProcessesCpu, namedProcessesCpuSince } from './process-cpu.mjs';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
let counter = job.start ?? 0;

/** One keep-alive HTTP/1.1 connection that sends one request at a time and parses just enough of the answer. */
class Connection {
  constructor(url) {
    this.url = new URL(url);
    this.buffer = Buffer.alloc(0);
    this.pending = null;
  }

  open() {
    return new Promise((resolve, reject) => {
      this.socket = net.connect(Number(this.url.port), this.url.hostname, resolve);
      this.socket.setNoDelay(true);
      this.socket.once('error', reject);
      this.socket.on('data', (chunk) => this.#data(chunk));
      this.socket.on('close', () => {
        this.closed = true;
        const p = this.pending;
        this.pending = null;
        p?.reject(new Error('connection closed'));
      });
    });
  }

  request(head, body) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(head + body);
    });
  }

  #data(chunk) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body;
    let rest;
    if (length) {
      const total = end + 4 + Number(length[1]);
      if (this.buffer.length < total) return;
      body = this.buffer.subarray(end + 4, total);
      rest = this.buffer.subarray(total);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const last = this.buffer.indexOf('\r\n0\r\n\r\n', end);
      if (last < 0) return;
      body = this.buffer.subarray(end + 4, last);
      rest = this.buffer.subarray(last + 7);
    } else {
      body = this.buffer.subarray(end + 4);
      rest = Buffer.alloc(0);
    }
    this.buffer = rest;
    const p = this.pending;
    this.pending = null;
    p?.resolve({ status, body });
  }

  close() {
    this.socket?.destroy();
  }
}

const state = new Map();
for (const t of job.targets) {
  const url = new URL(t.url);
  const headers = { host: url.host, 'content-type': 'application/json', ...(t.headers ?? {}) };
  const headerText = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  state.set(t.name, {
    target: t,
    head: (length) => `POST ${url.pathname}${url.search} HTTP/1.1\r\n${headerText}content-length: ${length}\r\n\r\n`,
    connections: [],
    slices: [],
    latencies: [],
    requests: 0,
    non2xx: 0,
    errors: 0,
    graphqlErrors: 0,
    sample: null,
    next: 0,
  });
}

async function connect(s) {
  while (s.connections.length < job.connections) {
    const c = new Connection(s.target.url);
    await c.open();
    s.connections.push(c);
  }
}

function bodyFor(s) {
  const t = s.target;
  if (t.template) return t.template.replaceAll('%N%', String(counter++));
  return t.bodies[s.next++ % t.bodies.length];
}

/** Load on one target for `seconds`; returns the slice's figures (recorded unless `warm`). */
async function slice(s, seconds, record) {
  await connect(s);
  const pid = s.target.pid;
  const cpuBefore = pid ? cpuSeconds(pid) : null;
  const dbBefore = job.dbProcess ? namedProcessesCpu(job.dbProcess) : null;
  const started = process.hrtime.bigint();
  const stopAt = Date.now() + seconds * 1000;
  let requests = 0;
  const latencies = [];
  const worker = async (c, i) => {
    while (Date.now() < stopAt) {
      const body = bodyFor(s);
      const t0 = process.hrtime.bigint();
      let answer;
      try {
        if (c.closed) {
          c = s.connections[i] = new Connection(s.target.url);
          await c.open();
        }
        answer = await c.request(s.head(Buffer.byteLength(body)), body);
      } catch (error) {
        if (record) s.errors++;
        s.sample ??= String(error.message);
        continue;
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      requests++;
      latencies.push(ms);
      if (!record) continue;
      if (answer.status < 200 || answer.status >= 300) {
        s.non2xx++;
        s.sample ??= `${answer.status} ${answer.body.subarray(0, 300)}`;
      } else if (answer.body.includes('"errors"')) {
        s.graphqlErrors++;
        s.sample ??= answer.body.subarray(0, 300).toString();
      }
    }
  };
  await Promise.all(s.connections.map((c, i) => worker(c, i)));
  const seconds_ = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = pid ? cpuSeconds(pid) : null;
  const dbAfter = job.dbProcess ? namedProcessesCpu(job.dbProcess) : null;
  const dbCpu = namedProcessesCpuSince(dbBefore, dbAfter);
  if (!record) return;
  s.requests += requests;
  for (const l of latencies) s.latencies.push(l);
  s.slices.push({
    rps: requests / seconds_,
    cpuMsPerRequest: cpuBefore === null || cpuAfter === null || !requests ? null : ((cpuAfter - cpuBefore) * 1000) / requests,
    dbCpuMsPerRequest: dbCpu === null || !requests ? null : (dbCpu * 1000) / requests,
  });
}

function shuffled(list) {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

const names = job.targets.map((t) => t.name);
for (let r = 0; r < (job.warmupRounds ?? 1); r++) for (const name of shuffled(names)) await slice(state.get(name), job.slice, false);
const order = [];
for (let r = 0; r < job.rounds; r++) {
  const round = shuffled(names);
  order.push(round);
  for (const name of round) await slice(state.get(name), job.slice, true);
}
const out = { targets: {}, order };
for (const [name, s] of state) {
  for (const c of s.connections) c.close();
  const sorted = s.latencies.sort((a, b) => a - b);
  out.targets[name] = {
    slices: s.slices,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    requests: s.requests,
    non2xx: s.non2xx,
    errors: s.errors,
    graphqlErrors: s.graphqlErrors,
    sample: s.sample,
  };
}
process.stdout.write(JSON.stringify(out) + '\n');
