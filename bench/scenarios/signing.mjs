// Issue 12: access tokens signed with ES256 (the default) against HS256 (the
// shared secret): `me` (whose signature check is cached per token), logins
// and refreshes. Fresh gateways on the bench database, alike but for
// JWT_ALGORITHM, and a second ES256 gateway as the A/A control. All three
// rows rotate (scenarios/rotation.mjs): one-sided runs a few seconds apart
// differed by more than the 5% these rows look for (logins read 0.91x, and
// refreshes 0.88x and 1.08x, in runs of the same code). Logins rotate in 2 s
// slices, so each holds about 40 of them; refreshes spend seeded tokens of
// their own. Ratios are ES256 over HS256; the target is no loss beyond 5%.
import { BENCH_PASSWORD, userEmail } from '../lib/seed.mjs';
import { pairRow, rotate, rotationSettings } from './rotation.mjs';

const LOGIN = `mutation Login($identifier: String!, $password: String!) { login(identifier: $identifier, password: $password) { accessToken } }`;
const REFRESH = `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { accessToken refreshToken } }`;
const ME = `query Me { me { id email username profile { firstName lastName } roles { name } } }`;

/** ES256 against HS256 from one rotation, with the second ES256 gateway as the A/A control. */
function rotatedRow(b, id, scenario, raw) {
  const vsRef = b.summarizeRotation(raw, 'HS256');
  return pairRow({
    id,
    scenario,
    subject: 'ES256',
    reference: 'HS256',
    control: 'ES256 A/A',
    vsRef,
    vsTwin: b.summarizeRotation(raw, 'ES256'),
    peer: `HS256 ${vsRef.HS256.rps.toFixed(0)} req/s`,
  });
}

export default {
  id: 'signing',
  available: () => true,
  async run(b) {
    // No background workers on any of the three: they claim work from the shared database, whichever gateway made it.
    const quiet = { VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' };
    const es = await b.startUsergraph({ JWT_ALGORITHM: 'ES256', ...quiet });
    const hs = await b.startUsergraph({ JWT_ALGORITHM: 'HS256', ...quiet });
    const login = async (url) => (await b.check(url, LOGIN, { identifier: userEmail(2), password: BENCH_PASSWORD })).login.accessToken;
    const tokens = { es: await login(es.url), hs: await login(hs.url) };
    if (!tokens.es.startsWith('eyJhbGciOiJFUzI1NiIs') || !tokens.hs.startsWith('eyJhbGciOiJIUzI1NiIs')) throw new Error('signing: unexpected token algorithms');

    const rows = [];
    const control = await b.startUsergraph({ JWT_ALGORITHM: 'ES256', ...quiet });
    const controlToken = await login(control.url);
    const meTarget = (name, gateway, token) => ({
      name,
      url: gateway.url,
      pid: gateway.child.pid,
      headers: { authorization: `Bearer ${token}` },
      bodies: [JSON.stringify({ query: ME })],
    });
    const raw = await rotate(b, [meTarget('ES256', es, tokens.es), meTarget('HS256', hs, tokens.hs), meTarget('ES256 A/A', control, controlToken)]);
    rows.push(rotatedRow(b, 'me-es256', 'me, ES256 token (vs HS256) [rotation]', raw));

    const loginBodies = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ query: LOGIN, variables: { identifier: userEmail(1 + ((i * 37) % b.users)), password: BENCH_PASSWORD } }),
    );
    const loginTarget = (name, gateway) => ({ name, url: gateway.url, pid: gateway.child.pid, bodies: loginBodies });
    const loginSettings = { ...rotationSettings(b), slice: 2, rounds: b.quick ? 3 : 10, warmupRounds: 1, connections: 4 * b.cores };
    const logins = await rotate(b, [loginTarget('ES256', es), loginTarget('HS256', hs), loginTarget('ES256 A/A', control)], loginSettings);
    rows.push(rotatedRow(b, 'login-es256', 'login, ES256 (vs HS256) [rotation]', logins));

    // Refresh tokens from the upper half of the seeded ones (the auth scenario spends the lower), one counter for all three.
    const refreshTarget = (name, gateway) => ({
      name,
      url: gateway.url,
      pid: gateway.child.pid,
      template: JSON.stringify({ query: REFRESH, variables: { refreshToken: 'bench-refresh-%N%' } }),
    });
    const half = Math.floor(b.refreshSessions / 2);
    const refreshes = await rotate(b, [refreshTarget('ES256', es), refreshTarget('HS256', hs), refreshTarget('ES256 A/A', control)], rotationSettings(b), {
      start: half + 1,
    });
    if (Object.values(refreshes.targets).reduce((n, t) => n + t.requests, 0) * 1.3 > half)
      throw new Error('signing: too close to the end of the seeded refresh tokens; raise refreshSessions');
    rows.push(rotatedRow(b, 'refresh-es256', 'refresh, ES256 (vs HS256) [rotation]', refreshes));
    await Promise.all([es.stop(), hs.stop(), control.stop()]);
    return rows;
  },
};
