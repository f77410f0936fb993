// Shutdown as deployed: NODE_ENV=production (the rest of the suite runs with
// NODE_ENV=test, where Apollo Server installs no signal handlers of its own).
// SIGTERM and SIGINT must both end in exit code 0 after the database, the
// throttle, the notifications and the hasher are closed, so the next start on
// the same data needs no crash recovery: on PGlite a recovery shows as a jump
// in the user id sequence (PostgreSQL logs sequences 32 values ahead).
import { startTestServer, type TestServer } from './support/server';
import { registerUser } from './support/fixtures';

const production = { NODE_ENV: 'production' };

const register = async (server: TestServer): Promise<number> => Number((await registerUser(server)).id);

async function stopWith(server: TestServer, signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  await server.stop({ keepData: true, signal });
  expect(server.exitStatus()).toEqual({ code: 0, signal: null });
  expect(server.logs()).toMatch(new RegExp(`"signal":"${signal}".*"msg":"shutting down"`));
  expect(server.logs()).toMatch(/"msg":"shutdown complete"/);
  expect(server.logs()).not.toMatch(/error during shutdown/);
}

it('exits 0 after a clean close on SIGTERM and on SIGINT in production, and restarts without crash recovery', async () => {
  const first = await startTestServer(production);
  const firstId = await register(first);
  await stopWith(first, 'SIGTERM');

  const second = await startTestServer(production, { reuse: first });
  expect(await register(second)).toBe(firstId + 1);
  await stopWith(second, 'SIGINT');

  const third = await startTestServer(production, { reuse: first });
  try {
    expect(await register(third)).toBe(firstId + 2);
  } finally {
    await third.stop();
  }
});
