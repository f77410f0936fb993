// REST shim overhead: each dialect's single-user GET against the GraphQL
// operation it runs, POSTed to /graphql with the same variables, token,
// concurrency and duration. The operation text, the variables and the
// expected REST body all come from the route declarations in dist/rest/, so
// the two sides cannot drift apart.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { print } from 'graphql';
import { projectRoot } from '../lib/harness.mjs';
import { withServerCpu } from '../lib/process-cpu.mjs';
import { userEmail } from '../lib/seed.mjs';

const TARGET = 0.9;
const roundsFlag = process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1];
/**
 * Measured rounds per row (`--rounds=N`) and seconds per run, the same for
 * both sides: one run of the bench's duration in quick mode; in full mode nine
 * rounds of half of it (5 s), since short runs side by side drift less apart
 * than long ones, and nine rounds outvote a disturbed one (with three, or five
 * of 10 s, single runs of other work on the machine still decided the median).
 */
const ROUNDS = (b) => Math.max(1, Number(roundsFlag ?? (b.quick ? 1 : 9)) || 1);
const RUN_SECONDS = (b) => (b.quick ? b.duration : Math.max(3, Math.round(b.duration / 2)));
/** `--dialects=d001,d004`: only those rows (for a focused look at one route). */
const dialectsFlag = process.argv
  .find((a) => a.startsWith('--dialects='))
  ?.split('=')[1]
  .split(',');
const SCENARIO = 'REST shim single-user GET';

/**
 * The single-user GET of each dialect, by its path as declared, and the
 * request that reads seeded user 1 with that user's own access token. 000
 * has none (registration, session and video are POSTs): its row says so.
 */
const GETS = [
  { dialect: 'd000' },
  { dialect: 'd001', path: '/v1/user', request: () => ({}) },
  { dialect: 'd002', path: '/users/:id', request: (b) => ({ pathParams: { id: String(b.userId) } }) },
  { dialect: 'd003', path: '/v1/users/:id', request: (b) => ({ pathParams: { id: String(b.userId) } }) },
  { dialect: 'd004', path: '/api/1/services/api/1/user/get.json', request: () => ({ query: { username: userEmail(1).split('@')[0] } }) },
];

let dialects;
let missing;
try {
  ({ DIALECTS: dialects } = await import(pathToFileURL(path.join(projectRoot, 'dist/rest/index.js')).href));
} catch (error) {
  missing = `not available in this build (${error.code ?? error.message})`;
}

/** The URL path and query of a GET, and the RestRequest the router makes of it (no body). */
function restRequest(route, { pathParams = {}, query = {} }, headers, publicUrl) {
  const urlPath = route.path.replace(/:(\w+)/g, (_, name) => encodeURIComponent(pathParams[name]));
  const url = urlPath + (Object.keys(query).length ? `?${new URLSearchParams(query)}` : '');
  const req = {
    method: 'GET',
    path: urlPath,
    pathParams,
    query,
    body: {},
    contentType: null,
    headers,
    header: (name) => headers[name.toLowerCase()],
    params: { ...query, ...pathParams },
    publicUrl,
  };
  return { url, req };
}

const median = (values) => [...values].sort((a, c) => a - c)[Math.floor(values.length / 2)];

async function restGet(url, token) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`REST GET ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Whether `value` serialises to the JSON document `json` (as the router sends it). */
const sameJson = (value, json) => isDeepStrictEqual(JSON.parse(JSON.stringify(value)), json);

async function measureRow(b, { dialect, route, request }) {
  const token = b.tokens.user;
  const origin = (url) => new URL(url).origin;
  const headers = { authorization: `Bearer ${token}` };
  const { url, req } = restRequest(route, request(b), headers, `http://localhost:${new URL(b.ug.url).port}`);
  const variables = await route.variables(req, undefined);
  // Routes carry generated typed documents (src/rest/__generated__): send their text.
  const operation = typeof route.operation === 'string' ? route.operation : print(route.operation);
  const restUrl = (base) => origin(base) + url;
  const gqlBody = JSON.stringify({ query: operation, variables });

  // Same answers first: the REST body must be exactly the route's mapping of the GraphQL data.
  const data = await b.check(b.ug.url, operation, variables, token);
  const expected = route.respond(data, { req, ctx: undefined });
  const got = await restGet(restUrl(b.ug.url), token);
  if (expected.status !== 200 || !sameJson(expected.body, got)) {
    throw new Error(
      `${dialect.id} GET ${route.path}: the REST answer is not the route's mapping of the GraphQL answer:\n  REST ${JSON.stringify(got).slice(0, 400)}\n  want ${JSON.stringify(expected.body).slice(0, 400)}`,
    );
  }
  const restCount = await b.counter.perRequest(b.countRequests, () => restGet(restUrl(b.count.ug), token));
  const gqlCount = await b.counter.perRequest(b.countRequests, () => b.check(b.count.ug, operation, variables, token));

  const restJob = { url: restUrl(b.ug.url), method: 'GET', headers, bodies: [''], connections: 2 * b.cores };
  const gqlJob = { url: b.ug.url, method: 'POST', headers, bodies: [gqlBody], connections: 2 * b.cores };
  // Both warmed, then measured back to back, ROUNDS times, alternating which goes first; the row shows
  // the round with the median ratio. Any non-2xx answer, connection error or GraphQL error refuses the run.
  const warmups = [];
  for (const job of [restJob, gqlJob]) {
    const warm = await b.load({ ...job, duration: b.warmup });
    b.assertClean(`${job.url} warm-up`, warm);
    warmups.push(warm.requests);
  }
  const rounds = [];
  for (let i = 0; i < ROUNDS(b); i++) {
    const order = i % 2 === 0 ? [restJob, gqlJob] : [gqlJob, restJob];
    const results = [];
    for (const job of order) {
      const result = await withServerCpu(b.ug.child.pid, () => b.load({ ...job, duration: RUN_SECONDS(b) }));
      b.assertClean(job.url, result);
      results.push(result);
    }
    const [rest, gql] = i % 2 === 0 ? results : results.reverse();
    rounds.push({ rest, gql, ratio: rest.rps / gql.rps });
  }
  const ratio = median(rounds.map((r) => r.ratio));
  const { rest, gql } = rounds.find((r) => r.ratio === ratio);
  // Server CPU per request, median over the rounds: steadier than throughput when others load the machine.
  const cpuOf = (side) => (rounds.some((r) => r[side].cpuMsPerRequest === null) ? null : median(rounds.map((r) => r[side].cpuMsPerRequest)));
  const [restCpu, gqlCpu] = [cpuOf('rest'), cpuOf('gql')];
  const cpu = (ms) => (ms === null ? '?' : ms.toFixed(2));
  return {
    id: `rest-${dialect.id}`,
    scenario: `REST ${dialect.id} GET ${route.path}`,
    rps: rest.rps,
    p50: rest.p50,
    p99: rest.p99,
    peer: `GraphQL ${gql.rps.toFixed(0)} req/s; server CPU ${cpu(restCpu)} vs ${cpu(gqlCpu)} ms/req`,
    graphql: gql,
    operation: operation.replace(/\s+/g, ' ').trim(),
    variables,
    cpuMsPerRequest: restCpu,
    graphqlCpuMsPerRequest: gqlCpu,
    runSeconds: RUN_SECONDS(b),
    warmupRequests: { rest: warmups[0], graphql: warmups[1] },
    rounds: rounds.map((r) => ({
      rest: r.rest.rps,
      graphql: r.gql.rps,
      ratio: r.ratio,
      restRequests: r.rest.requests,
      graphqlRequests: r.gql.requests,
      restCpuMs: r.rest.cpuMsPerRequest,
      graphqlCpuMs: r.gql.cpuMsPerRequest,
    })),
    ratio,
    target: `>= ${TARGET}x GraphQL`,
    met: ratio >= TARGET,
    statements: restCount.statements,
    statementsAll: restCount.all,
    peerStatements: gqlCount.statements,
    peerStatementsAll: gqlCount.all,
  };
}

export default {
  id: 'rest-shim',
  scenario: SCENARIO,
  target: `>= ${TARGET}x its GraphQL query`,
  available: () => missing ?? true,
  async run(b) {
    const started = Date.now();
    const rows = [];
    for (const get of GETS.filter((g) => !dialectsFlag || dialectsFlag.includes(g.dialect))) {
      const dialect = dialects.find((d) => d.id === get.dialect);
      const route = get.path && dialect?.routes.find((r) => r.method === 'GET' && r.path === get.path);
      if (!route) {
        const gets = dialect?.routes.filter((r) => r.method === 'GET').map((r) => r.path) ?? [];
        const methods = [...new Set(dialect?.routes.map((r) => r.method))].join('/');
        const why = !dialect
          ? 'no such dialect'
          : get.path
            ? `GET ${get.path} is not declared`
            : gets.length
              ? `no single-user GET (GET ${gets.join(', ')})`
              : `no GET route (${dialect.routes.length} routes, all ${methods})`;
        rows.push({ id: `rest-${get.dialect}`, scenario: `REST ${get.dialect}`, target: `>= ${TARGET}x GraphQL`, unavailable: why });
        continue;
      }
      console.log(`  ${get.dialect} GET ${route.path}`);
      rows.push(await measureRow(b, { dialect, route, request: get.request }));
    }
    console.log(`  rest-shim took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return rows;
  },
};
