import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import GraphQLUpload from 'graphql-upload/GraphQLUpload.mjs';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import type { Context } from '../../graphql/context.js';
import { Profile } from '../profiles/profiles.types.js';
import { toProfile } from '../profiles/profiles.mapper.js';
import * as avatars from './avatars.service.js';

@Resolver()
export class AvatarsResolver {
  @Mutation(() => Profile, {
    description:
      'Sets your avatar: a PNG, JPEG, WebP or GIF sent either as a multipart `file` (with the `apollo-require-preflight` header) ' +
      'or as `base64` (a data: URL prefix is allowed). Exactly one of the two. The previous avatar is deleted.',
  })
  async uploadAvatar(
    @Ctx() ctx: Context,
    @Arg('file', () => GraphQLUpload, { nullable: true }) file?: Promise<FileUpload> | null,
    @Arg('base64', () => String, { nullable: true }) base64?: string | null,
  ) {
    return toProfile(await avatars.uploadAvatar(ctx, { file, base64 }), ctx.publicUrl);
  }
}
