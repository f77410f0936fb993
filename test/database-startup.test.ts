// Start-up against a PostgreSQL that is not there yet (docker compose starts
// both at once): the gateway retries with backoff, one log line per attempt,
// and starts as soon as the database answers; after DATABASE_STARTUP_TIMEOUT
// it gives up with exit code 1 and a message that says why.
import net from 'node:net';
import { RegisterDocument } from './__generated__/graphql';
import { startTestServer } from './support/server';
import { startTcpProxy, throughProxy } from './support/tcp-proxy';
import { PASSWORD, uniqueEmail } from './support/fixtures';

const onPostgres = !!process.env.TEST_DATABASE_URL;

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('gives up after DATABASE_STARTUP_TIMEOUT with exit code 1, having logged each attempt', async () => {
  const url = `postgresql://usergraph:secret-password@127.0.0.1:${await closedPort()}/usergraph`;
  const started = startTestServer({ DATABASE_URL: url, DATABASE_STARTUP_TIMEOUT: '5' });
  const error = await started.then<never, Error>(
    () => {
      throw new Error('the gateway started without a database');
    },
    (e: Error) => e,
  );
  expect(error.message).toMatch(/exited with code 1 before listening/);
  const attempts = error.message.split('\n').filter((line) => line.includes('database not reachable yet; retrying'));
  expect(attempts.length).toBeGreaterThanOrEqual(2);
  expect(JSON.parse(attempts[0])).toMatchObject({ level: 40, attempt: 1, retryInMs: 250 });
  expect(JSON.parse(attempts[1])).toMatchObject({ attempt: 2, retryInMs: 500 });
  expect(error.message).toMatch(/usergraph failed to start: Error: database not reachable after \d+ attempt\(s\) in 5 s \(DATABASE_STARTUP_TIMEOUT\)/);
  expect(error.message).not.toContain('secret-password');
});

(onPostgres ? it : it.skip)('waits for a PostgreSQL that comes up late, then serves', async () => {
  const target = new URL(process.env.TEST_DATABASE_URL!);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  proxy.cut();
  // The database "comes up" once the gateway has been refused twice.
  const restore = setInterval(() => proxy.refused() >= 2 && proxy.restore(), 50);
  try {
    const server = await startTestServer(
      {},
      {
        rewriteDatabaseUrl: throughProxy(proxy),
      },
    );
    try {
      expect(server.logs()).toMatch(/"attempt":1,.*"msg":"database not reachable yet; retrying"/);
      expect(server.logs()).toMatch(/"msg":"database reachable"/);
      const registered = await server.gql(RegisterDocument, { input: { email: uniqueEmail('late'), password: PASSWORD } });
      expect(registered.errors).toBeUndefined();
    } finally {
      await server.stop();
    }
  } finally {
    clearInterval(restore);
    await proxy.close();
  }
});
