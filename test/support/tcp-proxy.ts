// A TCP proxy the tests control, between the gateway and PostgreSQL: `cut()`
// drops every connection and refuses new ones (as a database restart does);
// `partition()` stops forwarding without closing anything (as a network
// partition does: packets vanish, no error reaches either side, and new
// connections get no answer); `restore()` lets traffic through again, and
// what a partition held back is then delivered, as TCP would retransmit it.
import net from 'node:net';
import { startTestServer, type StartOptions, type TestServer } from './server';

export interface TcpProxy {
  port: number;
  /** Connections refused so far while cut. */
  refused(): number;
  cut(): void;
  partition(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  let state: 'up' | 'down' | 'partitioned' = 'up';
  let refused = 0;

  const drop = (link: Link) => {
    link.client.destroy();
    link.upstream?.destroy();
    links.delete(link);
  };
  const forward = (link: Link) => {
    if (!link.upstream) {
      const upstream = net.connect(targetPort, targetHost);
      link.upstream = upstream;
      upstream.on('error', () => drop(link)).on('close', () => drop(link));
    }
    link.client.pipe(link.upstream).pipe(link.client);
    link.client.resume();
    link.upstream.resume();
  };
  const hold = (link: Link) => {
    link.client.unpipe();
    link.upstream?.unpipe();
    link.client.pause();
    link.upstream?.pause();
  };

  const server = net.createServer((client) => {
    if (state === 'down') {
      refused++;
      client.destroy();
      return;
    }
    const link: Link = { client, upstream: null };
    links.add(link);
    client.on('error', () => drop(link)).on('close', () => drop(link));
    if (state === 'partitioned') client.pause();
    else forward(link);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    refused: () => refused,
    cut() {
      state = 'down';
      for (const link of [...links]) drop(link);
    },
    partition() {
      state = 'partitioned';
      for (const link of links) hold(link);
    },
    restore() {
      const wasPartitioned = state === 'partitioned';
      state = 'up';
      if (wasPartitioned) for (const link of links) forward(link);
    },
    close: () =>
      new Promise((resolve) => {
        for (const link of [...links]) drop(link);
        server.close(() => resolve());
      }),
  };
}

/** For startTestServer's `rewriteDatabaseUrl`: the same database URL, reached through the proxy. */
export function throughProxy(proxy: Pick<TcpProxy, 'port'>): (url: string) => string {
  return (url) => {
    const through = new URL(url);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    return through.toString();
  };
}

/** A test server whose PostgreSQL connection goes through a proxy the test can cut or partition (TEST_DATABASE_URL must be set). */
export interface ServerBehindProxy extends TestServer {
  database: TcpProxy;
}

/** Starts a test server on TEST_DATABASE_URL through a new proxy; stopping it restores and closes the proxy too. */
export async function startServerBehindProxy(env: Record<string, string> = {}, options: StartOptions = {}): Promise<ServerBehindProxy> {
  const target = new URL(process.env.TEST_DATABASE_URL!);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const server = await startTestServer(env, { ...options, rewriteDatabaseUrl: throughProxy(proxy) }).catch(async (error: unknown) => {
    await proxy.close();
    throw error;
  });
  return {
    ...server,
    database: proxy,
    async stop(stopOptions) {
      proxy.restore();
      await server.stop(stopOptions);
      await proxy.close();
    },
  };
}
