// Change notifications between gateway replicas, through the database they
// share: PostgreSQL's LISTEN/NOTIFY. A replica that changes something others
// cache publishes on a channel; every replica (itself included) runs the
// channel's listeners. On the embedded database there is one process, so a
// publish runs the listeners in-process.
//
// Delivery is best effort, as NOTIFY is: while the listening connection is
// down nothing arrives, so when it comes back every listener runs once with a
// null payload (what was missed is unknown). Caches that rely on this keep a
// TTL as a backstop. A payload must stay under NOTIFY's 8000 bytes.
//
// Database triggers also NOTIFY (live events, the webhook outbox), in the
// transaction that changed the row; on PGlite those arrive through `listen`.
import pg from 'pg';
import type { Logger } from 'pino';

/** Channels in use. One name per kind of cached state. */
export type Channel = 'usergraph_sessions' | 'usergraph_video_jobs' | 'usergraph_signing_keys' | 'usergraph_events' | 'usergraph_webhooks';

/** Runs on a publish with its payload ('' when none), or with null after the listening connection was lost. */
export type Listener = (payload: string | null) => void;

export interface Notifications {
  /** Tells every replica, this one included, that state on `channel` changed. Never throws; failures are logged. */
  publish(channel: Channel, payload?: string): Promise<void>;
  /** Runs `listener` on every publish on `channel`, and after the listening connection was lost. Call before start(). */
  subscribe(channel: Channel, listener: Listener): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

type Listeners = Map<Channel, Set<Listener>>;

function addListener(listeners: Listeners, channel: Channel, listener: Listener): void {
  listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
}

function fire(listeners: Listeners, channel: Channel, logger: Logger, payload: string | null): void {
  for (const listener of listeners.get(channel) ?? []) {
    try {
      listener(payload);
    } catch (error) {
      logger.error({ err: error, channel }, 'notification listener failed');
    }
  }
}

/** Subscribes to the database's own NOTIFYs (PGlite's `listen`); resolves to an unsubscribe function. */
export type DatabaseListen = (channel: string, callback: (payload: string) => void) => Promise<() => Promise<void>>;

/**
 * In-process notifications, for the embedded database (one process owns it).
 * `listen` also delivers what database triggers NOTIFY.
 */
export function localNotifications(logger: Logger, listen?: DatabaseListen): Notifications {
  const listeners: Listeners = new Map();
  const stops: Array<() => Promise<void>> = [];
  return {
    async publish(channel, payload = '') {
      fire(listeners, channel, logger, payload);
    },
    subscribe(channel, listener) {
      addListener(listeners, channel, listener);
    },
    async start() {
      if (!listen) return;
      for (const channel of listeners.keys()) stops.push(await listen(channel, (payload) => fire(listeners, channel, logger, payload)));
    },
    async close() {
      for (const stop of stops.splice(0)) await stop().catch(() => {});
    },
  };
}

const RETRY_MAX_MS = 5_000;

/** LISTEN/NOTIFY on PostgreSQL: one dedicated connection listens; publishing uses `notify` (the shared pool). */
export function postgresNotifications(options: {
  databaseUrl: string;
  notify: (channel: Channel, payload: string) => Promise<unknown>;
  logger: Logger;
}): Notifications {
  const { databaseUrl, notify, logger } = options;
  const listeners: Listeners = new Map();
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 250;
  let retryTimer: NodeJS.Timeout | undefined;

  async function listen(): Promise<void> {
    const next = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, keepAlive: true });
    next.on('notification', (message) => {
      if (listeners.has(message.channel as Channel)) fire(listeners, message.channel as Channel, logger, message.payload ?? '');
    });
    // An error is followed by 'end'; reconnecting happens there.
    next.on('error', (error) => logger.warn({ err: error }, 'notification connection failed'));
    next.on('end', () => {
      if (client === next) client = null;
      if (!closed) retrySoon();
    });
    await next.connect();
    for (const channel of listeners.keys()) await next.query(`LISTEN "${channel}"`);
    client = next;
  }

  function retrySoon(): void {
    if (retryTimer || closed) return;
    // The body catches every error itself; `void` says no one awaits the timer's promise.
    retryTimer = setTimeout(
      () =>
        void (async () => {
          retryTimer = undefined;
          try {
            await listen();
            retryMs = 250;
            logger.info('notification connection restored');
            // Whatever was published meanwhile was missed.
            for (const channel of listeners.keys()) fire(listeners, channel, logger, null);
          } catch (error) {
            logger.warn({ err: error, retryInMs: retryMs }, 'notification connection not restored yet');
            retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
            retrySoon();
          }
        })(),
      retryMs,
    );
    retryTimer.unref();
  }

  return {
    async publish(channel, payload = '') {
      try {
        await notify(channel, payload);
      } catch (error) {
        logger.warn({ err: error, channel }, 'could not publish a change notification; other replicas catch up within their cache TTL');
      }
    },
    subscribe(channel, listener) {
      if (client) throw new Error('subscribe() before start()');
      addListener(listeners, channel, listener);
    },
    async start() {
      try {
        await listen();
      } catch (error) {
        logger.warn({ err: error }, 'notification connection failed at start-up; retrying');
        retrySoon();
      }
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
