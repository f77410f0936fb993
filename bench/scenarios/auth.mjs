// Logins against the raw bcryptjs compare rate on every core, `me` p99
// during a login storm against its p99 without one, and refresh throughput.
import { BENCH_PASSWORD, userEmail } from '../lib/seed.mjs';

const LOGIN = `mutation Login($identifier: String!, $password: String!) { login(identifier: $identifier, password: $password) { accessToken } }`;
const REFRESH = `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { accessToken refreshToken } }`;
const ME = `query Me { me { id email username profile { firstName lastName } roles { name } } }`;

export default {
  id: 'auth',
  available: () => true,
  async run(b) {
    const rows = [];
    const loginBodies = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ query: LOGIN, variables: { identifier: userEmail(1 + ((i * 37) % b.users)), password: BENCH_PASSWORD } }),
    );
    const loginJob = { url: b.ug.url, bodies: loginBodies, connections: 4 * b.cores };

    const limit = await b.bcryptRate(b.cost, b.duration);
    const login = await b.measure(loginJob);
    const loginRatio = login.rps / limit.rate;
    rows.push({
      id: 'login',
      scenario: 'login',
      rps: login.rps,
      p50: login.p50,
      p99: login.p99,
      peer: `bcryptjs ${limit.rate.toFixed(1)}/s on ${limit.threads} cores`,
      limit,
      ratio: loginRatio,
      target: '>= 0.9x',
      met: loginRatio >= 0.9,
    });

    // `me` at a fixed, modest rate, alone and then beside a login storm.
    const meJob = {
      url: b.ug.url,
      headers: { authorization: `Bearer ${b.tokens.user}` },
      bodies: [JSON.stringify({ query: ME })],
      connections: 4,
      overallRate: 50,
    };
    const calm = await b.measure(meJob);
    const [storm] = await Promise.all([b.measure(meJob, { warm: false }), b.measure(loginJob, { warm: false })]);
    const stormRatio = storm.p99 / Math.max(calm.p99, 1);
    rows.push({
      id: 'login-storm',
      scenario: 'me p99 during login storm',
      rps: storm.rps,
      p50: storm.p50,
      p99: storm.p99,
      peer: `p99 ${calm.p99} ms without storm`,
      calm,
      ratio: stormRatio,
      target: '<= 3x',
      met: stormRatio <= 3,
    });

    // Each refresh spends one seeded token once (bench-refresh-<n>), from the lower half (the signing scenario spends the upper).
    const refreshJob = (start) => ({
      url: b.ug.url,
      template: JSON.stringify({ query: REFRESH, variables: { refreshToken: 'bench-refresh-%N%' } }),
      start,
      connections: 4 * b.cores,
    });
    const refreshWarm = await b.load({ ...refreshJob(1), duration: b.warmup });
    const refresh = await b.load({ ...refreshJob(2 + refreshWarm.requests + 1000), duration: b.duration });
    b.assertClean('refresh', refresh);
    if (2 + refreshWarm.requests + 1000 + refresh.requests > b.refreshSessions / 2)
      throw new Error('refresh: ran out of seeded refresh tokens; raise refreshSessions');
    const perCore = refresh.rps / b.cores;
    rows.push({
      id: 'refresh',
      scenario: 'refresh',
      rps: refresh.rps,
      p50: refresh.p50,
      p99: refresh.p99,
      peer: `${perCore.toFixed(0)}/s per core, limit 500`,
      ratio: perCore / 500,
      target: '>= 500/s/core',
      met: perCore >= 500,
    });
    return rows;
  },
};
