// Issue 12: access tokens signed with ES256 (the default) against HS256 (the
// shared secret): `me` (whose signature check is cached per token), logins
// and refreshes. Fresh gateways on the bench database, alike but for
// JWT_ALGORITHM. `me` is measured by the rotation method (scenarios/rotation.mjs),
// with a second ES256 gateway as the A/A control: two one-sided runs a few
// seconds apart differed by more than the 5% this row looks for. Logins and
// refreshes run in ES, HS, HS, ES order (means of the two) so load drifting on
// the machine does not favour either. Ratios are ES256 over HS256; the target
// is no loss beyond 5%.
import { BENCH_PASSWORD, userEmail } from '../lib/seed.mjs';
import { pairRow, rotate } from './rotation.mjs';

const LOGIN = `mutation Login($identifier: String!, $password: String!) { login(identifier: $identifier, password: $password) { accessToken } }`;
const REFRESH = `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { accessToken refreshToken } }`;
const ME = `query Me { me { id email username profile { firstName lastName } roles { name } } }`;

/** Mean of two runs of the same job. */
function mean(a, b) {
  const avg = (k) => (a[k] == null || b[k] == null ? undefined : (a[k] + b[k]) / 2);
  return { ...a, rps: avg('rps'), p50: avg('p50'), p99: avg('p99'), cpuMsPerRequest: avg('cpuMsPerRequest'), runs: [a, b] };
}

/** ES, HS, HS, ES: the means of each pair. */
async function abba(measureEs, measureHs) {
  const es1 = await measureEs();
  const hs1 = await measureHs();
  const hs2 = await measureHs();
  const es2 = await measureEs();
  return [mean(es1, es2), mean(hs1, hs2)];
}

function row(id, scenario, es, hs) {
  const ratio = es.rps / hs.rps;
  return {
    id,
    scenario,
    rps: es.rps,
    p50: es.p50,
    p99: es.p99,
    cpuMsPerRequest: es.cpuMsPerRequest,
    peerCpuMsPerRequest: hs.cpuMsPerRequest,
    runs: es.runs,
    peer: `HS256 ${hs.rps.toFixed(0)} req/s`,
    peerResult: hs,
    ratio,
    target: '>= 0.95x',
    met: ratio >= 0.95,
  };
}

export default {
  id: 'signing',
  available: () => true,
  async run(b) {
    const es = await b.startUsergraph({ JWT_ALGORITHM: 'ES256', VIDEO_WORKERS: '0' });
    const hs = await b.startUsergraph({ JWT_ALGORITHM: 'HS256', VIDEO_WORKERS: '0' });
    const login = async (url) => (await b.check(url, LOGIN, { identifier: userEmail(2), password: BENCH_PASSWORD })).login.accessToken;
    const tokens = { es: await login(es.url), hs: await login(hs.url) };
    if (!tokens.es.startsWith('eyJhbGciOiJFUzI1NiIs') || !tokens.hs.startsWith('eyJhbGciOiJIUzI1NiIs')) throw new Error('signing: unexpected token algorithms');

    const rows = [];
    const control = await b.startUsergraph({ JWT_ALGORITHM: 'ES256', VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
    const controlToken = await login(control.url);
    const meTarget = (name, gateway, token) => ({
      name,
      url: gateway.url,
      pid: gateway.child.pid,
      headers: { authorization: `Bearer ${token}` },
      bodies: [JSON.stringify({ query: ME })],
    });
    const raw = await rotate(b, [meTarget('ES256', es, tokens.es), meTarget('HS256', hs, tokens.hs), meTarget('ES256 A/A', control, controlToken)]);
    await control.stop();
    rows.push(
      pairRow({
        id: 'me-es256',
        scenario: 'me, ES256 token (vs HS256) [rotation]',
        subject: 'ES256',
        reference: 'HS256',
        control: 'ES256 A/A',
        vsRef: b.summarizeRotation(raw, 'HS256'),
        vsTwin: b.summarizeRotation(raw, 'ES256'),
        peer: `HS256 ${b.summarizeRotation(raw, 'HS256').HS256.rps.toFixed(0)} req/s`,
      }),
    );

    const loginBodies = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ query: LOGIN, variables: { identifier: userEmail(1 + ((i * 37) % b.users)), password: BENCH_PASSWORD } }),
    );
    const loginJob = (gateway) => ({ url: gateway.url, bodies: loginBodies, connections: 4 * b.cores });
    const [loginEs, loginHs] = await abba(
      () => b.measure(loginJob(es), { cpuPid: es.child.pid }),
      () => b.measure(loginJob(hs), { cpuPid: hs.child.pid }),
    );
    rows.push(row('login-es256', 'login, ES256 (vs HS256)', loginEs, loginHs));

    // Refresh tokens from the upper half of the seeded ones (the auth scenario spends the lower), a quarter each.
    const quarter = Math.floor(b.refreshSessions / 4);
    const refresh = async (gateway, start) => {
      const job = (from) => ({
        url: gateway.url,
        template: JSON.stringify({ query: REFRESH, variables: { refreshToken: 'bench-refresh-%N%' } }),
        start: from,
        connections: 4 * b.cores,
      });
      const warm = await b.load({ ...job(start), duration: b.warmup });
      const measured = await b.load({ ...job(start + warm.requests + 100), duration: b.duration });
      b.assertClean(`refresh on ${gateway.url}`, measured);
      if (warm.requests + 100 + measured.requests > quarter) throw new Error('signing: ran out of seeded refresh tokens; raise refreshSessions');
      return measured;
    };
    const refreshEs = await refresh(es, 2 * quarter + 1);
    const refreshHs = await refresh(hs, 3 * quarter + 1);
    rows.push(row('refresh-es256', 'refresh, ES256 (vs HS256)', refreshEs, refreshHs));
    await Promise.all([es.stop(), hs.stop()]);
    return rows;
  },
};
