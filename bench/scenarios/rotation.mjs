// The rotation method (issue 17): every variant is a complete server in its
// own process, and one load generator (bench/lib/rotate.mjs, its own process)
// rotates the load among them in short slices (0.5 s), in a shuffled order
// each round. Ratios are taken within a round, between slices a second or two
// apart, and the row gives their median and interquartile range: load that
// other work puts on the machine hits every variant alike, so a ratio means
// the same on a busy machine as on a quiet one. An unchanged second copy of
// the gateway (`A/A`) runs in every rotation; its ratio to the first copy is
// printed with every row and says how large an effect must be to be real.
// PostGraphile is in the same rotation for the reads.
//
// BENCH_VARIANTS="name=/path/to/other/dist/main.js,..." adds gateways built
// from other code (e.g. a worktree of the commit before a change) to every
// rotation: how each lever in bench/README.md was measured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { perfReport, startPerf } from '../lib/perf-layers.mjs';

const ME = `query Me { me { id email username profile { firstName lastName } roles { name } } }`;
const PEER_ME = `query Me($id: Int!) { userById(id: $id) { id email username
  profilesByUserId { nodes { firstName lastName } }
  userRolesByUserId { nodes { roleByRoleId { name } } } } }`;
const PAGE = `query Page { users(page: 1, pageSize: 50) { total items { id email username profile { firstName lastName } roles { name } } } }`;
const PEER_PAGE = `query Page { allUsers(first: 50, orderBy: ID_ASC) { totalCount nodes { id email username
  profilesByUserId { nodes { firstName lastName } }
  userRolesByUserId { nodes { roleByRoleId { name } } } } } }`;
const REFRESH = `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { accessToken refreshToken } }`;

const fmt = (x, d = 2) => (x == null ? '?' : x.toFixed(d));
const iqr = ([a, b], d = 2) => `${fmt(a, d)}-${fmt(b, d)}`;

/**
 * A rotated row comparing one server with a reference (`vsRef` = summarizeRotation(raw, reference)), with the A/A
 * control's ratio to its twin (`vsTwin` = summarizeRotation(raw, twin)) printed beside it.
 */
export function pairRow({ id, scenario, subject, reference, control, vsRef, vsTwin, peer, target = 0.95 }) {
  const s = vsRef[subject];
  const c = vsTwin[control];
  return {
    id,
    scenario,
    rps: s.rps,
    p50: s.p50,
    p99: s.p99,
    cpuMsPerRequest: s.cpuMsPerRequest,
    dbCpuMsPerRequest: s.dbCpuMsPerRequest,
    peerCpuMsPerRequest: vsRef[reference].cpuMsPerRequest,
    peerDbCpuMsPerRequest: vsRef[reference].dbCpuMsPerRequest,
    peer,
    ratio: s.ratio,
    spread: `IQR ${iqr(s.ratioIqr)}`,
    control: `A/A ${fmt(c.ratio)}x (IQR ${iqr(c.ratioIqr)})`,
    target: `>= ${target}x`,
    met: s.ratio >= target,
    summary: vsRef,
  };
}

/**
 * With BENCH_PERF=1, Linux perf samples the event loop of the gateway `pid`
 * during `run` and its CPU is printed by layer (bench/lib/perf-layers.mjs;
 * start the gateways with BENCH_UG_NODE_ARGS="--perf-basic-prof
 * --interpreted-frames-native-stack" so JavaScript frames have names).
 * Returns run's result and a function printing the report for a CPU ms per request.
 */
async function withPerf(title, pid, run) {
  if (process.env.BENCH_PERF !== '1') return { result: await run(), report: () => {} };
  const perf = startPerf(pid);
  const result = await run();
  const text = await perf.stop();
  // Kept for a closer look: `node bench/lib/perf-layers.mjs <file> 60`, or grep it for a function.
  const file = path.join(os.tmpdir(), `usergraph-perf-${title.replace(/\W+/g, '-')}.txt`);
  fs.writeFileSync(file, text);
  return { result, report: (msPerRequest) => console.log(`\nperf, ${title} (${file}):\n${perfReport(text, { msPerRequest })}`) };
}

export function rotationSettings(b) {
  // BENCH_ROTATION_ROUNDS overrides the number of measured rounds.
  const rounds = Number(process.env.BENCH_ROTATION_ROUNDS) || (b.quick ? 6 : 30);
  return { slice: 0.5, rounds, warmupRounds: b.quick ? 1 : 3, connections: 2 * b.cores };
}

/** Runs one rotation and refuses it if any target answered with an error. */
export async function rotate(b, targets, settings = rotationSettings(b), extra = {}) {
  const raw = await b.rotateLoad({ ...settings, dbProcess: b.dbProcess, ...extra, targets });
  for (const [name, t] of Object.entries(raw.targets)) {
    if (t.non2xx || t.errors || t.graphqlErrors)
      throw new Error(`rotation ${name}: ${t.non2xx} non-2xx, ${t.errors} errors, ${t.graphqlErrors} GraphQL errors (e.g. ${t.sample})`);
  }
  return raw;
}

export async function startVariants(b) {
  const variants = [];
  for (const spec of (process.env.BENCH_VARIANTS ?? '').split(',').filter(Boolean)) {
    const [name, script] = spec.split('=');
    variants.push({ ...(await b.startUsergraph({ VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' }, path.resolve(script))), name });
  }
  return variants;
}

export default {
  id: 'rotation',
  scenario: 'rotation (me, page, refresh)',
  target: 'see rows',
  available: () => true,
  async run(b) {
    // Two fresh, identical gateways (no background workers, which the first gateway runs): the reference and its A/A control.
    const ug = await b.startUsergraph({ VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
    const aa = await b.startUsergraph({ VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
    const variants = await startVariants(b);
    const gateways = [{ ...ug, name: 'usergraph' }, { ...aa, name: 'A/A copy' }, ...variants];
    // Layer floors for `me` (bench/lib/floor.mjs): node:http answering canned bytes, and that plus the gateway's prepared statement.
    const floors =
      process.env.BENCH_FLOORS === '0'
        ? []
        : [
            { ...(await b.startUsergraph({ FLOOR: 'http' }, path.join(import.meta.dirname, '../lib/floor.mjs'))), name: 'floor: node:http' },
            { ...(await b.startUsergraph({ FLOOR: 'sql' }, path.join(import.meta.dirname, '../lib/floor.mjs'))), name: 'floor: node:http + SQL' },
          ];
    const body = (q, variables = {}) => JSON.stringify({ query: q, variables });
    const rows = [];
    const settings = rotationSettings(b);
    const describe = `${settings.rounds} rounds of ${settings.slice} s slices`;

    const reads = async (id, title, ours, peer, token, target, extra = []) => {
      const servers = [...gateways, ...extra];
      const targets = [
        ...servers.map((g) => ({ name: g.name, url: g.url, pid: g.child.pid, headers: { authorization: `Bearer ${token}` }, bodies: [body(ours)] })),
        { name: 'PostGraphile', url: b.peer.url, pid: b.peer.child.pid, bodies: [body(peer, { id: b.userId })] },
      ];
      const expected = JSON.stringify(await b.check(ug.url, ours, {}, token));
      for (const g of servers) {
        const data = JSON.stringify(await b.check(g.url, ours, {}, token));
        if (data !== expected) throw new Error(`rotation ${id}: ${g.name} answers ${data.slice(0, 200)}, usergraph ${expected.slice(0, 200)}`);
      }
      const { result: raw, report } = await withPerf(title, ug.child.pid, () => rotate(b, targets));
      const vsUg = b.summarizeRotation(raw, 'usergraph');
      report(vsUg.usergraph.cpuMsPerRequest);
      const vsPeer = b.summarizeRotation(raw, 'PostGraphile');
      const peerRow = vsUg.PostGraphile;
      for (const g of servers) {
        const s = vsUg[g.name];
        const p = vsPeer[g.name];
        rows.push({
          id: `rotation-${id}${g.name === 'usergraph' ? '' : `-${g.name}`}`,
          scenario: `${title} [rotation] ${g.name}`,
          rps: s.rps,
          p50: s.p50,
          p99: s.p99,
          cpuMsPerRequest: s.cpuMsPerRequest,
          dbCpuMsPerRequest: s.dbCpuMsPerRequest,
          peerCpuMsPerRequest: peerRow.cpuMsPerRequest,
          peerDbCpuMsPerRequest: peerRow.dbCpuMsPerRequest,
          peer: `PostGraphile ${fmt(peerRow.rps, 0)} req/s`,
          ratio: p.ratio,
          spread: `IQR ${iqr(p.ratioIqr)}`,
          control:
            g.name === 'usergraph'
              ? `A/A ${fmt(vsUg['A/A copy'].ratio)}x (IQR ${iqr(vsUg['A/A copy'].ratioIqr)})`
              : `vs usergraph ${fmt(s.ratio)}x, CPU ${fmt(s.cpuRatio)}x`,
          target: g.name === 'usergraph' ? `>= ${target}x` : 'report',
          met: g.name === 'usergraph' ? p.ratio >= target : true,
          method: describe,
          summary: s,
          vsPeer: p,
        });
      }
    };
    // BENCH_ROTATION_ROWS=me,users-page,refresh picks rows (e.g. to profile one of them alone).
    const wanted = (id) => !process.env.BENCH_ROTATION_ROWS || process.env.BENCH_ROTATION_ROWS.split(',').includes(id);
    if (wanted('me')) await reads('me', 'me + profile + roles', ME, PEER_ME, b.tokens.user, 1.2, floors);
    await Promise.all(floors.map((f) => f.stop()));
    if (wanted('users-page')) await reads('users-page', 'users page of 50', PAGE, PEER_PAGE, b.tokens.admin, 1.0);
    if (!wanted('refresh')) {
      await Promise.all([ug.stop(), aa.stop(), ...variants.map((v) => v.stop())]);
      return rows;
    }

    // Refresh: gateways only (the peer has no sessions); every seeded token is used once across all of them.
    const refreshTargets = gateways.map((g) => ({
      name: g.name,
      url: g.url,
      pid: g.child.pid,
      template: body(REFRESH, { refreshToken: 'bench-refresh-%N%' }),
    }));
    const { result: raw, report } = await withPerf('refresh', ug.child.pid, () => rotate(b, refreshTargets, settings, { start: b.rotationRefreshStart }));
    const s = b.summarizeRotation(raw, 'usergraph');
    report(s.usergraph.cpuMsPerRequest);
    const used = Object.values(raw.targets).reduce((n, t) => n + t.requests, 0);
    if (used * 1.3 > b.rotationRefreshSessions)
      throw new Error('rotation refresh: too close to the end of the seeded refresh tokens; raise rotationRefreshSessions');
    for (const g of gateways) {
      const perCore = s[g.name].rps / b.cores;
      rows.push({
        id: `rotation-refresh${g.name === 'usergraph' ? '' : `-${g.name}`}`,
        scenario: `refresh [rotation] ${g.name}`,
        rps: s[g.name].rps,
        p50: s[g.name].p50,
        p99: s[g.name].p99,
        cpuMsPerRequest: s[g.name].cpuMsPerRequest,
        dbCpuMsPerRequest: s[g.name].dbCpuMsPerRequest,
        peer: `${fmt(perCore, 0)}/s per core, limit 500`,
        ratio: perCore / 500,
        spread: `req/s IQR ${iqr(s[g.name].rpsIqr, 0)}`,
        control:
          g.name === 'usergraph'
            ? `A/A ${fmt(s['A/A copy'].ratio)}x (IQR ${iqr(s['A/A copy'].ratioIqr)})`
            : `vs usergraph ${fmt(s[g.name].ratio)}x, CPU ${fmt(s[g.name].cpuRatio)}x`,
        target: g.name === 'usergraph' ? '>= 500/s/core' : 'report',
        met: g.name === 'usergraph' ? perCore >= 500 : true,
        method: describe,
        summary: s[g.name],
      });
    }
    await ug.stop();
    await aa.stop();
    for (const v of variants) await v.stop();
    return rows;
  },
};
