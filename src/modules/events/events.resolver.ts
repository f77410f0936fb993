import { Arg, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { Video } from '../videos/videos.types.js';
import { VideoUpdate, ViewerEvent } from './events.types.js';
import * as events from './events.service.js';

@Resolver(() => VideoUpdate)
export class EventsResolver {
  @Subscription(() => VideoUpdate, {
    description: 'One of your videos (admins: anyone\'s): its state now, then every status change and progress step. NOT_FOUND for a video you may not see.',
    subscribe: ({ args, context }) => events.videoUpdates(context as events.SubscriptionContext, args.id as string),
  })
  videoUpdated(@Root() update: VideoUpdate, @Arg('id', () => ID) _id: string): VideoUpdate {
    return update;
  }

  @Subscription(() => VideoUpdate, {
    description: 'Every status change and progress step of your videos, from now on.',
    subscribe: ({ context }) => events.myVideoUpdates(context as events.SubscriptionContext),
  })
  myVideoUpdates(@Root() update: VideoUpdate): VideoUpdate {
    return update;
  }

  @Subscription(() => ViewerEvent, {
    description: 'Changes to the signed-in user: session revoked, profile updated, roles changed.',
    subscribe: ({ context }) => events.viewerEvents(context as events.SubscriptionContext),
  })
  viewerEvents(@Root() event: ViewerEvent): ViewerEvent {
    return event;
  }

  @FieldResolver(() => Video, { nullable: true })
  video(@Root() update: VideoUpdate, @Ctx() ctx: Context) {
    return events.currentVideo(ctx, update.videoId);
  }
}
