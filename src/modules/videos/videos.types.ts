import { Page } from '../../common/page.types.js';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { VideoStatus } from '../../generated/prisma/enums.js';

registerEnumType(VideoStatus, { name: 'VideoStatus', description: 'QUEUED, then PROCESSING, then READY or FAILED.' });

@ObjectType({ description: 'The trim job of a video.' })
export class TrimRequest {
  @Field(() => ID)
  id: string;

  @Field(() => VideoStatus)
  status: VideoStatus;

  @Field(() => Int, { description: 'Attempts started so far; after 3 failed ones the job is FAILED.' })
  attempts: number;

  @Field(() => Float, { description: 'Seconds from the start of the source.' })
  trimStart: number;

  @Field(() => Float, { description: 'Seconds of output (clamped to the end of the source).' })
  duration: number;

  @Field(() => Float, { nullable: true, description: 'Duration of the uploaded source in seconds.' })
  sourceDuration: number | null;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  error: string | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An uploaded video, trimmed by a background job.' })
export class Video {
  @Field(() => ID)
  id: string;

  @Field(() => String)
  name: string;

  @Field(() => VideoStatus)
  status: VideoStatus;

  @Field(() => Float, { description: 'Seconds from the start of the source where the clip begins.' })
  trimStart: number;

  @Field(() => Float, { description: 'Seconds the clip lasts.' })
  duration: number;

  @Field(() => String, { nullable: true, description: 'Download URL of the trimmed file once READY (Bearer token of the owner or an admin; supports Range).' })
  url: string | null;

  @Field(() => String, { nullable: true, description: 'Why processing failed, when FAILED.' })
  error: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => TrimRequest)
  trimRequest: TrimRequest;

  ownerId: number;
}

export const VideoPage = Page(Video, 'videos');
export type VideoPage = InstanceType<typeof VideoPage>;
