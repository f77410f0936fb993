// Database outages (PostgreSQL only; the embedded database cannot go away):
// requests fail fast with 503 SERVICE_UNAVAILABLE, /readyz reports it, service
// comes back by itself, and no write the gateway accepted is lost.
import { MeDocument, RegisterDocument, UsersDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { PASSWORD, signInAsAdmin, signUp } from './support/fixtures';

const onPostgres = !!process.env.TEST_DATABASE_URL;
const describeOnPostgres = onPostgres ? describe : describe.skip;

describeOnPostgres('PostgreSQL outage', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    server = await startTestServer({}, {
      rewriteDatabaseUrl: (url) => {
        const through = new URL(url);
        through.hostname = '127.0.0.1';
        through.port = String(proxy.port);
        return through.toString();
      },
    });
  });
  afterAll(async () => {
    proxy.restore();
    await server.stop();
    await proxy.close();
  });

  it('answers 503 fast while the database is away, reports it in /readyz, and recovers without a restart', async () => {
    const session = await signUp(server);
    proxy.cut();
    const started = Date.now();
    const during = await server.gql(MeDocument, {}, { token: session.accessToken });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(during.errors?.[0]).toMatchObject({ message: 'The service is temporarily unavailable; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE' } });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', database: 'down' });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    proxy.restore();
    let recovered = false;
    for (let i = 0; i < 40 && !recovered; i++) {
      const after = await server.gql(MeDocument, {}, { token: session.accessToken });
      recovered = after.status === 200 && after.data?.me?.id === session.user.id;
      if (!recovered) await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('loses no accepted write when the connection drops during a stream of registrations', async () => {
    const accepted: string[] = [];
    const outcomes: number[] = [];
    const stream = (async () => {
      for (let i = 0; i < 60; i++) {
        const email = `stream-${i}-${Date.now()}@example.com`;
        const result = await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
        outcomes.push(result.status);
        if (result.data?.register?.id) accepted.push(email);
        else expect(`${result.status} ${result.errors?.[0].extensions?.code}`).toBe('503 SERVICE_UNAVAILABLE');
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    proxy.cut();
    await new Promise((r) => setTimeout(r, 1500));
    proxy.restore();
    await stream;
    expect(outcomes.some((s) => s === 503)).toBe(true);
    expect(accepted.length).toBeGreaterThan(0);
    const admin = await signInAsAdmin(server);
    const listed = await server.gql(UsersDocument, { pageSize: 100, filter: { search: 'stream-' } }, { token: admin.accessToken });
    const stored = new Set(listed.data!.users.items.map((u) => u.email));
    for (const email of accepted) expect(stored.has(email)).toBe(true);
  });
});

