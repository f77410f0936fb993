// Database outages (PostgreSQL only; the embedded database cannot go away):
// requests fail fast with 503 SERVICE_UNAVAILABLE, /readyz reports it, service
// comes back by itself, and no write the gateway accepted is lost.
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Client } from 'pg';
import { MeDocument, RegisterDocument, UpdateMeDocument, UsersDocument } from './__generated__/graphql';
import type { GraphQLResponse } from './support/server';
import { startServerBehindProxy, type ServerBehindProxy, type TcpProxy } from './support/tcp-proxy';
import { PASSWORD, signInAsAdmin, signUp, dataOf } from './support/fixtures';

const onPostgres = !!process.env.TEST_DATABASE_URL;
const describeOnPostgres = onPostgres ? describe : describe.skip;

describeOnPostgres('PostgreSQL outage', () => {
  let server: ServerBehindProxy;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startServerBehindProxy();
    proxy = server.database;
  });
  afterAll(() => server.stop());

  it('answers 503 fast while the database is away, reports it in /readyz, and recovers without a restart', async () => {
    const session = await signUp(server);
    proxy.cut();
    const started = Date.now();
    const during = await server.gql(MeDocument, {}, { token: session.accessToken });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(during.errors?.[0]).toMatchObject({
      message: 'The service is temporarily unavailable; try again shortly.',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
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
    const stored = new Set(dataOf(listed).users.items.map((u) => u.email));
    for (const email of accepted) expect(stored.has(email)).toBe(true);
  });
});

describeOnPostgres('PostgreSQL partition (packets black-holed, no socket closed)', () => {
  // Short bounds for the test; the defaults are 10 s and 5 s.
  const STATEMENT_TIMEOUT_MS = 2000;
  const CONNECT_TIMEOUT_MS = 1000;
  /** Every request must have answered by then: a statement's bound, a connection's, and slack for a loaded machine. */
  const BOUND_MS = STATEMENT_TIMEOUT_MS + 1000 + CONNECT_TIMEOUT_MS + 3000;
  let server: ServerBehindProxy;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startServerBehindProxy({
      DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
      SESSION_CACHE_TTL_MS: '0',
    });
    proxy = server.database;
  });
  afterAll(() => server.stop());
  afterEach(() => proxy.restore());

  /** A GraphQL POST that gives up after `giveUpMs` (so a hanging gateway fails the test instead of stalling it). */
  async function gqlWithin<R, V>(document: TypedDocumentNode<R, V>, variables: V, token: string, giveUpMs = 30_000): Promise<GraphQLResponse<R>> {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: print(document), variables }),
      signal: AbortSignal.timeout(giveUpMs),
    });
    const body = (await response.json()) as { data?: R; errors?: GraphQLResponse<R>['errors'] };
    return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
  }

  async function recovered(probe: () => Promise<boolean>): Promise<boolean> {
    for (let i = 0; i < 60; i++) {
      if (await probe().catch(() => false)) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  }

  it('answers a request caught in a partition with 503 within the bound, then recovers by itself', async () => {
    const session = await signUp(server);
    proxy.partition();
    const started = Date.now();
    const during = await gqlWithin(MeDocument, {}, session.accessToken);
    const elapsed = Date.now() - started;
    expect(`${during.status} ${during.errors?.[0]?.extensions?.code}`).toBe('503 SERVICE_UNAVAILABLE');
    expect(during.headers.get('retry-after')).toBe('5');
    expect(elapsed).toBeLessThan(BOUND_MS);
    proxy.restore();
    expect(await recovered(async () => (await gqlWithin(MeDocument, {}, session.accessToken, 10_000)).data?.me?.id === session.user.id)).toBe(true);
  });

  it('answers a mutation whose transaction is caught in a partition with 503 within the bound, and writes nothing', async () => {
    const session = await signUp(server);
    const token = session.accessToken;
    expect((await gqlWithin(UpdateMeDocument, { input: { profile: { firstName: 'Before' } } }, token)).errors).toBeUndefined();
    // Hold the profile row from a direct connection, so the mutation's transaction is open and waiting when the partition starts.
    const direct = new Client({ connectionString: server.databaseUrl! });
    direct.on('error', () => {});
    await direct.connect();
    try {
      await direct.query('BEGIN');
      await direct.query('SELECT 1 FROM profiles WHERE user_id = $1 FOR UPDATE', [Number(session.user.id)]);
      const pending = gqlWithin(UpdateMeDocument, { input: { profile: { firstName: 'During' } } }, token);
      let settled: unknown = null;
      void pending.then(
        (r) => (settled = r),
        (e) => (settled = e),
      );
      for (let waiting = false; !waiting;) {
        // Inside its transaction the direct connection would see one statistics snapshot for ever.
        await direct.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await direct.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%profiles%'",
        );
        waiting = rows[0].n > 0;
        if (settled) throw new Error(`the mutation ended before it waited for the lock: ${JSON.stringify(settled)}`);
        if (!waiting) await new Promise((r) => setTimeout(r, 50));
      }
      proxy.partition();
      const started = Date.now();
      await direct.query('ROLLBACK');
      const during = await pending;
      const elapsed = Date.now() - started;
      expect(`${during.status} ${during.errors?.[0]?.extensions?.code}`).toBe('503 SERVICE_UNAVAILABLE');
      expect(during.errors?.[0]?.message).toBe('The service is temporarily unavailable; try again shortly.');
      expect(elapsed).toBeLessThan(BOUND_MS);
    } finally {
      await direct.end();
    }
    proxy.restore();
    let firstName: string | null | undefined;
    expect(
      await recovered(async () => {
        firstName = (await gqlWithin(MeDocument, {}, token, 10_000)).data?.me?.profile?.firstName;
        return firstName !== undefined;
      }),
    ).toBe(true);
    expect(firstName).toBe('Before');
  });
});
