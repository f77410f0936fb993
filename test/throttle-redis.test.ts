// With REDIS_URL set, the login throttle keeps its counters in Redis (so
// replicas share them without touching the database). Runs against the
// Redis on 127.0.0.1:6379 when it answers; CI requires it.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { LoginDocument, RegisterDocument, UnlockAccountDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { PASSWORD, expectCode, signIn, signInAsAdmin, uniqueEmail, dataOf } from './support/fixtures';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers PING, decided before the tests are declared so that Jest can report a skip. */
function redisAnswers(): boolean {
  const { hostname, port } = new URL(REDIS_URL);
  const probe =
    `const s=require('net').connect(${Number(port) || 6379},'${hostname}');s.setTimeout(2000,()=>process.exit(1));` +
    `s.on('connect',()=>s.write('PING\\r\\n'));s.on('data',d=>process.exit(String(d).startsWith('+PONG')?0:1));s.on('error',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

const available = redisAnswers();
if (!available && process.env.CI === 'true') throw new Error(`Redis is not reachable at ${REDIS_URL}; CI needs it for the REDIS_URL throttle tests.`);
const itWithRedis = available ? it : it.skip;

let server: TestServer;
let redis: Redis;
beforeAll(async () => {
  if (!available) return;
  redis = new Redis(REDIS_URL);
  server = await startTestServer({ REDIS_URL, LOGIN_FAILURES_PER_ACCOUNT: '3', LOGIN_LOCK_SECONDS: '30' });
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

itWithRedis('locks an account through counters kept in Redis, and an admin unlock clears them', async () => {
  const email = uniqueEmail('redis');
  const user = dataOf(await server.gql(RegisterDocument, { input: { email, password: PASSWORD } })).register;
  for (let i = 0; i < 3; i++) expectCode(await server.gql(LoginDocument, { identifier: email, password: 'wrong-password' }), 'UNAUTHENTICATED');
  expectCode(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }), 'RATE_LIMITED');
  // One lock per account once the identifier names one: keyed by the user's id.
  const lockKey = `ug:login_lock_account:account:${user.id}`;
  const keys = await redis.keys(lockKey);
  expect(keys).toEqual([lockKey]);
  expect(await redis.pttl(keys[0])).toBeGreaterThan(20_000);

  const admin = await signInAsAdmin(server);
  expect(dataOf(await server.gql(UnlockAccountDocument, { userId: user.id }, { token: admin.accessToken })).unlockAccount).toBe(true);
  expect(await redis.exists(lockKey)).toBe(0);
  await signIn(server, email, PASSWORD);
});
