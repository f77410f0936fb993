// Heap allocations per request (issue 17): bytes the gateway allocates for one
// `me` (or users page) request, from V8's own GC trace. The gateway runs with
// `--trace-gc --trace-gc-nvp`, which prints, for every collection, the bytes
// allocated since the previous one (`allocated=`); their sum over a window of
// steady load, divided by the requests answered in it, is the allocation per
// request, what garbage collection (8-9% of `me`'s CPU) is paid for.
//
//   node bench/lib/allocations.mjs [name=path/to/dist/main.js ...]
//
// Each gateway (default: this checkout's dist/main.js) gets its own database
// (bench/lib/harness.mjs startOwnGateway) with 100 seeded users, the admin signs in, and after a warm-up
// autocannon sends `me` then the users page for 8 s each with 4 connections.
// Needs the local PostgreSQL (BENCH_PG_URL overrides, as for bench/run.mjs).
// BENCH_HEAP_PROFILE=/tmp/me.heapprofile also samples where the `me` window's
// bytes are allocated (bench/lib/heap-sampler.cjs) and prints the top sites.
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { startOwnGateway } from './harness.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const variants = process.argv.slice(2).map((a) => a.split('='));
if (variants.length === 0) variants.push(['usergraph', path.join(root, 'dist/main.js')]);
const ME = 'query Me { me { id email username profile { firstName lastName } roles { name } } }';
const PAGE = 'query Page { users(page: 1, pageSize: 50) { total items { id email username profile { firstName lastName } roles { name } } } }';

/** Top allocation sites (self bytes per function and file) of a sampling heap profile, per request. */
function printHeapProfile(file, requests) {
  const { head } = JSON.parse(fs.readFileSync(file, 'utf8'));
  const sites = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
    sites.set(where, (sites.get(where) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(head);
  console.log(`sampled ${(total / requests / 1024).toFixed(1)} KB per request; top sites (bytes per request):`);
  for (const [where, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`${String(Math.round(bytes / requests)).padStart(7)}  ${where}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = (opts) => new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));

async function measure(name, script) {
  const heapProfile = process.env.BENCH_HEAP_PROFILE ? `${process.env.BENCH_HEAP_PROFILE.replace(/\.heapprofile$/, '')}-${name}.heapprofile` : null;
  const preload = heapProfile ? ['--require', path.join(import.meta.dirname, 'heap-sampler.cjs')] : [];
  // 100 users with profiles and roles, so the page has 50 to show.
  const gateway = await startOwnGateway({
    name: `alloc_${name}`,
    script,
    nodeArgs: ['--trace-gc', '--trace-gc-nvp', ...preload],
    env: {
      ADMIN_EMAIL: 'admin@alloc.test',
      ADMIN_PASSWORD: 'admin-password-1',
      ACCESS_TOKEN_TTL: '86400',
      ...(heapProfile ? { BENCH_HEAP_PROFILE: heapProfile } : {}),
    },
    users: 100,
    cost: 4,
  });
  const { child, base } = gateway;
  const gcLines = [];
  try {
    // Bytes allocated between collections, from V8's trace on stdout.
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      const now = performance.now();
      for (const line of lines) {
        const allocated = /\ballocated=(\d+)/.exec(line);
        // Now and then V8 prints a counter that wrapped around (about 2^64): kept aside, counted, not summed.
        const bytes = allocated && Number(allocated[1]);
        if (allocated) gcLines.push({ at: now, bytes: bytes < 2 ** 48 ? bytes : 0, wrapped: bytes >= 2 ** 48, major: /\bgc=(mc|mmc|ms)\b/.test(line) });
      }
    });
    const gql = async (query, variables, token) => {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = await res.json();
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const { login } = await gql('mutation L($i: String!, $p: String!) { login(identifier: $i, password: $p) { accessToken } }', {
      i: 'admin@alloc.test',
      p: 'admin-password-1',
    });
    const rows = [];
    for (const [label, query] of [
      ['me', ME],
      ['users page of 50', PAGE],
    ]) {
      const opts = {
        url: `${base}/graphql`,
        method: 'POST',
        connections: 4,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${login.accessToken}` },
        body: JSON.stringify({ query }),
      };
      await load({ ...opts, duration: 3 });
      const sample = heapProfile && label === 'me';
      if (sample) child.kill('SIGUSR2');
      const from = performance.now();
      const result = await load({ ...opts, duration: 8 });
      const to = performance.now();
      if (sample) {
        child.kill('SIGUSR2');
        await sleep(1000);
        printHeapProfile(heapProfile, result.requests.total);
      }
      const window = gcLines.filter((g) => g.at >= from && g.at <= to);
      const bytes = window.reduce((n, g) => n + g.bytes, 0);
      rows.push({
        variant: name,
        request: label,
        requests: result.requests.total,
        'KB allocated per request': (bytes / result.requests.total / 1024).toFixed(1),
        'collections per 1000 requests': ((1000 * window.length) / result.requests.total).toFixed(1),
        'major collections': window.filter((g) => g.major).length,
        // Each of these leaves one collection's bytes out of the sum (about 1 in 'collections' of it).
        'wrapped trace lines': window.filter((g) => g.wrapped).length,
      });
    }
    return rows;
  } finally {
    await gateway.stop();
  }
}

const rows = [];
for (const [name, script] of variants) rows.push(...(await measure(name, path.resolve(script))));
console.table(rows);
