// Live events for GraphQL subscriptions. Database triggers (migration
// live_events) NOTIFY `usergraph_events` when a video's status, a session, a
// profile or a user's roles change; the trim workers publish their progress
// on the same channel. Every replica listens, so a subscriber sees an event
// whichever replica caused it; on PGlite it all stays in the process.
import type { Logger } from 'pino';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Notifications } from '../../db/notifications.js';
import type { VideoStatus } from '../../generated/prisma/enums.js';

export type ViewerEventType = 'SESSION_REVOKED' | 'PROFILE_UPDATED' | 'ROLES_CHANGED';

export interface VideoEvent {
  k: 'video';
  videoId: string;
  ownerId: number;
  status: VideoStatus;
  /** Percent done, while PROCESSING (from ffmpeg's progress). */
  progress?: number | null;
  error?: string | null;
  /** Only the ids fitted in the NOTIFY payload; the hub reads the rest. */
  partial?: boolean;
}

export interface ViewerEventPayload {
  k: 'viewer';
  type: ViewerEventType;
  userId: number;
  /** SESSION_REVOKED: the session revoked; absent when all of the user's sessions are (deactivated or deleted). */
  sessionId?: string | null;
  partial?: boolean;
}

export type LiveEvent = VideoEvent | ViewerEventPayload;

/** NOTIFY refuses payloads of 8000 bytes or more. */
const NOTIFY_MAX_BYTES = 7900;

function idsOnly(event: LiveEvent): LiveEvent {
  return event.k === 'video'
    ? { k: 'video', videoId: event.videoId, ownerId: event.ownerId, status: event.status, partial: true }
    : { k: 'viewer', type: event.type, userId: event.userId, sessionId: event.sessionId, partial: true };
}

export class EventHub {
  private readonly listeners = new Set<(event: LiveEvent) => void>();

  constructor(
    private readonly notifications: Notifications,
    private readonly db: PrismaClient,
    private readonly logger: Logger,
  ) {
    // Null: the listening connection was lost and events may have been missed (see notifications.ts).
    notifications.subscribe('usergraph_events', (payload) => {
      if (payload) void this.receive(payload);
    });
  }

  /** Sends an event to every replica's subscribers (this one's included). */
  async publish(event: LiveEvent): Promise<void> {
    const text = JSON.stringify(event);
    await this.notifications.publish('usergraph_events', Buffer.byteLength(text) > NOTIFY_MAX_BYTES ? JSON.stringify(idsOnly(event)) : text);
  }

  /** Runs `listener` on every event until the returned function is called. */
  on(listener: (event: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The events `select` maps to a value (null skips), as an async iterator for
   * a subscription resolver. `first` values come before any event. When the
   * subscriber falls `bufferMax` events behind, the oldest are dropped.
   */
  iterate<T>(select: (event: LiveEvent) => T | null, first: T[] = [], bufferMax = 100): AsyncIterableIterator<T> {
    const queue: T[] = [...first];
    let waiting: ((result: IteratorResult<T>) => void) | null = null;
    let done = false;
    const off = this.on((event) => {
      let value: T | null;
      try {
        value = select(event);
      } catch (err) {
        this.logger.error({ err }, 'live event filter failed');
        return;
      }
      if (value === null || done) return;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve({ value, done: false });
      } else {
        queue.push(value);
        if (queue.length > bufferMax) queue.shift();
      }
    });
    const finish = (): Promise<IteratorResult<T>> => {
      done = true;
      off();
      queue.length = 0;
      if (waiting) waiting({ value: undefined, done: true });
      waiting = null;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: finish,
      throw: async (error?: unknown) => {
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private async receive(payload: string): Promise<void> {
    let event: LiveEvent;
    try {
      event = JSON.parse(payload) as LiveEvent;
      if (event.partial) event = await this.complete(event);
    } catch (err) {
      this.logger.error({ err }, 'could not read a live event');
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err }, 'live event listener failed');
      }
    }
  }

  /** Fills in what did not fit in the NOTIFY payload. */
  private async complete(event: LiveEvent): Promise<LiveEvent> {
    if (event.k !== 'video' || event.status !== 'FAILED') return event;
    const job = await this.db.trimRequest.findUnique({ where: { videoId: event.videoId }, select: { error: true } });
    return { ...event, error: job?.error ?? null, partial: false };
  }
}

/**
 * For buildSchema's `pubSub` option, which type-graphql requires once any
 * subscription exists. Ours all declare `subscribe` (the hub is per process,
 * the schema is not), so topics are refused.
 */
export const noTopics = {
  publish(): void {
    throw new Error('Subscriptions use EventHub, not type-graphql topics.');
  },
  subscribe(): AsyncIterable<unknown> {
    throw new Error('Subscriptions use EventHub, not type-graphql topics.');
  },
};
