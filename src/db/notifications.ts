// Change notifications between gateway replicas, through the database they
// share: PostgreSQL's LISTEN/NOTIFY. A replica that changes something others
// cache publishes on a channel; every replica (itself included) runs the
// channel's listeners. On the embedded database there is one process, so a
// publish runs the listeners in-process.
//
// Delivery is best effort, as NOTIFY is: while the listening connection is
// down nothing arrives, so when it comes back every listener runs once (what
// was missed is unknown). Caches that rely on this keep a TTL as a backstop.
import pg from 'pg';
import type { Logger } from 'pino';

/** Channels in use. One name per kind of cached state. */
export type Channel = 'usergraph_sessions' | 'usergraph_video_jobs' | 'usergraph_signing_keys';

export interface Notifications {
  /** Tells every replica, this one included, that state on `channel` changed. Never throws; failures are logged. */
  publish(channel: Channel): Promise<void>;
  /** Runs `listener` on every publish on `channel`, and after the listening connection was lost. Call before start(). */
  subscribe(channel: Channel, listener: () => void): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

type Listeners = Map<Channel, Set<() => void>>;

function addListener(listeners: Listeners, channel: Channel, listener: () => void): void {
  listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener));
}

function fire(listeners: Listeners, channel: Channel, logger: Logger): void {
  for (const listener of listeners.get(channel) ?? []) {
    try {
      listener();
    } catch (error) {
      logger.error({ err: error, channel }, 'notification listener failed');
    }
  }
}

/** In-process notifications, for the embedded database (one process owns it). */
export function localNotifications(logger: Logger): Notifications {
  const listeners: Listeners = new Map();
  return {
    async publish(channel) {
      fire(listeners, channel, logger);
    },
    subscribe(channel, listener) {
      addListener(listeners, channel, listener);
    },
    async start() {},
    async close() {},
  };
}

const RETRY_MAX_MS = 5_000;

/** LISTEN/NOTIFY on PostgreSQL: one dedicated connection listens; publishing uses `notify` (the shared pool). */
export function postgresNotifications(options: { databaseUrl: string; notify: (channel: Channel) => Promise<unknown>; logger: Logger }): Notifications {
  const { databaseUrl, notify, logger } = options;
  const listeners: Listeners = new Map();
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 250;
  let retryTimer: NodeJS.Timeout | undefined;

  async function listen(): Promise<void> {
    const next = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000, keepAlive: true });
    next.on('notification', (message) => {
      if (listeners.has(message.channel as Channel)) fire(listeners, message.channel as Channel, logger);
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
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        await listen();
        retryMs = 250;
        logger.info('notification connection restored');
        // Whatever was published meanwhile was missed.
        for (const channel of listeners.keys()) fire(listeners, channel, logger);
      } catch (error) {
        logger.warn({ err: error, retryInMs: retryMs }, 'notification connection not restored yet');
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        retrySoon();
      }
    }, retryMs);
    retryTimer.unref();
  }

  return {
    async publish(channel) {
      try {
        await notify(channel);
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
