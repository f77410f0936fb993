import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { VideoStatus } from '../../generated/prisma/enums.js';
import { Video } from '../videos/videos.types.js';

export enum ViewerEventType {
  SESSION_REVOKED = 'SESSION_REVOKED',
  PROFILE_UPDATED = 'PROFILE_UPDATED',
  ROLES_CHANGED = 'ROLES_CHANGED',
}

registerEnumType(ViewerEventType, {
  name: 'ViewerEventType',
  description: 'What changed about the signed-in user.',
  valuesConfig: {
    SESSION_REVOKED: {
      description:
        'A session was revoked (sessionId), or all of them (sessionId null: deactivated or deleted). The socket of a revoked session is closed with 4401 right after.',
    },
    PROFILE_UPDATED: { description: 'The account or profile changed: read `me` again.' },
    ROLES_CHANGED: { description: 'A role was granted or taken away: read `me { roles }` again.' },
  },
});

@ObjectType({ description: "A change of a video's processing state." })
export class VideoUpdate {
  @Field(() => ID)
  videoId: string;

  @Field(() => VideoStatus)
  status: VideoStatus;

  @Field(() => Int, { nullable: true, description: "Percent of the trim done, from ffmpeg's progress, while PROCESSING; null in other states." })
  progress: number | null;

  @Field(() => String, { nullable: true, description: 'Why processing failed, when FAILED.' })
  error: string | null;

  @Field(() => Video, { nullable: true, description: 'The video as it is now (null once deleted).' })
  video?: Video | null;
}

@ObjectType({ description: 'Something about the signed-in user changed, so a client can sign out or refresh at once.' })
export class ViewerEvent {
  @Field(() => ViewerEventType)
  type: ViewerEventType;

  @Field(() => ID, { nullable: true, description: 'SESSION_REVOKED: the session revoked; null when all of them were.' })
  sessionId: string | null;

  @Field(() => Boolean, { description: 'SESSION_REVOKED: whether it is the session this socket signed in with (always true when all were revoked).' })
  currentSession: boolean;

  @Field(() => Date)
  at: Date;
}
