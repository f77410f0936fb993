import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { Video } from '../videos/videos.types.js';
import { VideoUpdate, ViewerEvent } from './events.types.js';
import * as events from './events.service.js';
import { AppError } from '../../common/errors.js';

/** The event a subscription resolver was given; none means the operation came over HTTP, which runs it once as a query. */
function delivered<T>(event: T | undefined): T {
  if (event === undefined) throw new AppError('BAD_USER_INPUT', 'Subscriptions run over WebSocket on /graphql (graphql-ws protocol), not over HTTP POST.');
  return event;
}

@Resolver(() => VideoUpdate)
export class EventsResolver {
  @Subscription(() => VideoUpdate, {
    description: "One of your videos (admins: anyone's): its state now, then every status change and progress step. NOT_FOUND for a video you may not see.",
    subscribe: ({ args, context }) => events.videoUpdates(context as events.SubscriptionContext, (args as { id: string }).id),
  })
  videoUpdated(@Root() update: VideoUpdate, @Arg('id', () => ID) _id: string): VideoUpdate {
    return delivered(update);
  }

  @Subscription(() => VideoUpdate, {
    description: 'Every status change and progress step of your videos, from now on.',
    subscribe: ({ context }) => events.myVideoUpdates(context as events.SubscriptionContext),
  })
  myVideoUpdates(@Root() update: VideoUpdate): VideoUpdate {
    return delivered(update);
  }

  @Subscription(() => ViewerEvent, {
    description: 'Changes to the signed-in user: session revoked, profile updated, roles changed.',
    subscribe: ({ context }) => events.viewerEvents(context as events.SubscriptionContext),
  })
  viewerEvents(@Root() event: ViewerEvent): ViewerEvent {
    return delivered(event);
  }

  @FieldResolver(() => Video, { nullable: true })
  video(@Root() update: VideoUpdate, @Ctx() ctx: Context) {
    return events.currentVideo(ctx, update.videoId);
  }
}
