import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import type { Context } from '../../graphql/context.js';
import { User } from '../users/users.types.js';
import { Video, VideoPage } from './videos.types.js';
import * as videos from './videos.service.js';

@Resolver(() => Video)
export class VideosResolver {
  @Mutation(() => Video, {
    description:
      'Uploads a video (GraphQL multipart request; send the `apollo-require-preflight` header) and queues its trim. ' +
      'trimStart defaults to 0 and duration to the rest of the video; an end past the video is clamped.',
  })
  uploadVideo(
    @Ctx() ctx: Context,
    @Arg('file', () => GraphQLUpload) file: Promise<FileUpload>,
    @Arg('name', () => String) name: string,
    @Arg('trimStart', () => Float, { nullable: true }) trimStart?: number | null,
    @Arg('duration', () => Float, { nullable: true }) duration?: number | null,
  ) {
    return videos.uploadVideo(ctx, { file, name, trimStart, duration });
  }

  @Query(() => Video, { nullable: true, description: "One of your videos (admins: anyone's)." })
  video(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return videos.getVideo(ctx, id);
  }

  @Query(() => VideoPage, { description: "Your videos, newest first; admins may pass userId to list anyone's." })
  videos(
    @Ctx() ctx: Context,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('pageSize', () => Int, { nullable: true }) pageSize?: number | null,
    @Arg('userId', () => ID, { nullable: true }) userId?: string | null,
  ) {
    return videos.listVideos(ctx, page, pageSize, userId);
  }

  @Mutation(() => Boolean, { description: "Deletes one of your videos (admins: anyone's) and its files." })
  deleteVideo(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return videos.deleteVideo(ctx, id);
  }

  @FieldResolver(() => User)
  async owner(@Root() video: Video, @Ctx() ctx: Context) {
    return ctx.loaders.userById.load(video.ownerId);
  }
}
