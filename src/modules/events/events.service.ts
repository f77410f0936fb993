// Subscription rules: who may follow which events. A video's updates go to
// its owner and to admins (another user's video does not exist for you, as
// with the `video` query); viewer events go to the user they are about.
import type { Context } from '../../graphql/context.js';
import { requireViewer } from '../../common/access.js';
import { findVisibleVideo } from '../videos/videos.service.js';
import { toVideo } from '../videos/videos.mapper.js';
import type { EventHub, LiveEvent, VideoEvent } from './event-hub.js';
import type { VideoUpdate, ViewerEvent } from './events.types.js';
import { ViewerEventType } from './events.types.js';

/** A subscription's context: the connection's, plus the hub. */
export type SubscriptionContext = Context & { events: EventHub };

function toUpdate(event: VideoEvent): VideoUpdate {
  return {
    videoId: event.videoId,
    status: event.status,
    progress: event.status === 'PROCESSING' ? (event.progress ?? null) : null,
    error: event.error ?? null,
  };
}

/** The video's state now, then every change; NOT_FOUND for a video the viewer may not see. */
export async function videoUpdates(ctx: SubscriptionContext, id: string): Promise<AsyncIterable<VideoUpdate>> {
  const viewer = requireViewer(ctx);
  const row = await findVisibleVideo(ctx, viewer, id);
  const now: VideoUpdate = { videoId: row.id, status: row.status, progress: null, error: row.status === 'FAILED' ? (row.trimRequest?.error ?? null) : null };
  return ctx.events.iterate((event) => (event.k === 'video' && event.videoId === row.id ? toUpdate(event) : null), [now]);
}

/** Every change to the viewer's own videos, from now on. */
export function myVideoUpdates(ctx: SubscriptionContext): AsyncIterable<VideoUpdate> {
  const viewer = requireViewer(ctx);
  return ctx.events.iterate((event) => (event.k === 'video' && event.ownerId === viewer.userId ? toUpdate(event) : null));
}

export function viewerEvents(ctx: SubscriptionContext): AsyncIterable<ViewerEvent> {
  const viewer = requireViewer(ctx);
  return ctx.events.iterate((event: LiveEvent) => {
    if (event.k !== 'viewer' || event.userId !== viewer.userId) return null;
    const sessionId = event.sessionId ?? null;
    return {
      type: ViewerEventType[event.type],
      sessionId,
      currentSession: event.type === 'SESSION_REVOKED' && (sessionId === null || sessionId === viewer.sessionId),
      at: new Date(),
    };
  });
}

/** The video now, for VideoUpdate.video; null when it was deleted meanwhile. */
export async function currentVideo(ctx: Context, videoId: string) {
  const viewer = requireViewer(ctx);
  try {
    return toVideo(await findVisibleVideo(ctx, viewer, videoId), ctx.publicUrl);
  } catch {
    return null;
  }
}
