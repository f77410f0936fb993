// A graphql-ws client on a test server's /graphql, as an SPA would open it:
// `connection_init` carries `{ authorization: "Bearer <token>" }`. It records
// the close code and every result of every subscription it starts.
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { TestServer } from './server';
import { until } from './media';

export interface Results<R> {
  data: R[];
  errors: Array<{ message: string; extensions?: { code?: string } }>;
  completed: boolean;
  /** Resolves with the first `data` entry that `match` accepts (waiting for it). */
  next(what: string, match: (data: R) => boolean, timeoutMs?: number): Promise<R>;
  unsubscribe(): void;
}

export interface SocketClient {
  client: Client;
  /** The close event once the socket closed. */
  closed: { code: number; reason: string } | null;
  /** Resolves once connection_ack arrived (rejects when the socket closes first). */
  connected: Promise<void>;
  waitClosed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  subscribe<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Results<R>;
  dispose(): Promise<void>;
}

export function wsUrl(server: Pick<TestServer, 'url'>): string {
  return `${server.url.replace(/^http/, 'ws')}/graphql`;
}

export function openSocket(server: Pick<TestServer, 'url'>, token: string | null, params: Record<string, unknown> = {}): SocketClient {
  let ack: () => void;
  let fail: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => ((ack = resolve), (fail = reject)));
  connected.catch(() => {});
  const socket: SocketClient = {
    closed: null,
    connected,
    client: createClient({
      url: wsUrl(server),
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: token ? { authorization: `Bearer ${token}`, ...params } : params,
      onNonLazyError: () => {},
      on: {
        connected: () => ack(),
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          socket.closed = { code, reason: String(reason) };
          fail(new Error(`closed ${code} ${reason}`));
        },
      },
    }),
    waitClosed: (timeoutMs = 10_000) => until('the socket to close', async () => socket.closed, timeoutMs, 20),
    subscribe<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Results<R> {
      const results: Results<R> = {
        data: [],
        errors: [],
        completed: false,
        next: (what, match, timeoutMs = 60_000) => until(what, async () => results.data.find(match), timeoutMs, 20),
        unsubscribe: () => {},
      };
      results.unsubscribe = socket.client.subscribe<R>(
        { query: print(document), variables: variables as Record<string, unknown> | undefined },
        {
          next: (value) => {
            if (value.data) results.data.push(value.data);
            if (value.errors) results.errors.push(...(value.errors as Results<R>['errors']));
          },
          error: (error) => {
            if (Array.isArray(error)) results.errors.push(...error);
            else results.errors.push({ message: String((error as { reason?: string }).reason ?? error) });
          },
          complete: () => (results.completed = true),
        },
      );
      return results;
    },
    dispose: () => Promise.resolve(socket.client.dispose()),
  };
  return socket;
}
