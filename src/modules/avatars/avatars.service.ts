// Avatars: one image per profile, uploaded as a file or as base64, checked by
// its bytes (PNG, JPEG, WebP or GIF) and its dimensions, stored under an
// unguessable key and served publicly at /media/avatars/<key>.
import { Readable } from 'node:stream';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import type { Context } from '../../graphql/context.js';
import type { Profile as ProfileRow } from '../../generated/prisma/client.js';
import { PayloadTooLargeError, ValidationError } from '../../common/errors.js';
import { requireViewer } from '../../common/access.js';
import { randomToken } from '../../auth/tokens.js';
import { formatBytes, storeUpload } from '../../media/uploads.js';
import { bufferReader, probeImage, type ByteReader, type ImageInfo } from '../../media/image-probe.js';
import { readBytes, type MediaStorage } from '../../storage/storage.js';

export const AVATAR_KEY = /^[A-Za-z0-9_-]{43}\.(png|jpg|webp|gif)$/;
const EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif' } as const;

export const avatarStorageKey = (avatarKey: string) => `avatars/${avatarKey}`;

export interface UploadAvatarInput {
  file?: Promise<FileUpload> | FileUpload | null;
  base64?: string | null;
}

function decodeBase64(text: string, maxBytes: number): Buffer {
  const body = text.replace(/^data:image\/[a-z+.-]+;base64,/i, '').replace(/\s+/g, '');
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new ValidationError([{ field: 'base64', message: 'base64 is not valid base64 data.' }]);
  }
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  if (Math.floor((body.length * 3) / 4) - padding > maxBytes) {
    throw new PayloadTooLargeError(`The image is larger than the ${formatBytes(maxBytes)} limit.`, 'base64');
  }
  return Buffer.from(body, 'base64');
}

async function checkImage(read: ByteReader, field: string, maxPixels: number): Promise<ImageInfo> {
  const info = await probeImage(read);
  if (!info || info.width < 1 || info.height < 1) {
    throw new ValidationError([{ field, message: 'The avatar must be a PNG, JPEG, WebP or GIF image.' }]);
  }
  if (info.width * info.height > maxPixels) {
    throw new ValidationError([{ field, message: `The image is ${info.width}×${info.height} pixels; the limit is ${maxPixels / 1_000_000} megapixels.` }]);
  }
  return info;
}

/** Stores the image under a new key; returns that key (without the `avatars/` prefix). */
async function storeAvatar(ctx: Context, input: UploadAvatarInput): Promise<string> {
  const { storage } = ctx.media;
  const { avatarMaxBytes, avatarMaxPixels } = ctx.config.media;
  const token = randomToken(32);
  if (typeof input.base64 === 'string') {
    const bytes = decodeBase64(input.base64, avatarMaxBytes);
    const info = await checkImage(bufferReader(bytes), 'base64', avatarMaxPixels);
    const key = `${token}.${EXTENSIONS[info.type]}`;
    await storage.put(avatarStorageKey(key), Readable.from([bytes]));
    return key;
  }
  const staged = `avatars/${token}`;
  await storeUpload(storage, input.file!, staged, avatarMaxBytes);
  try {
    const info = await checkImage((offset, length) => readBytes(storage, staged, offset, length), 'file', avatarMaxPixels);
    const key = `${token}.${EXTENSIONS[info.type]}`;
    await storage.move(staged, avatarStorageKey(key));
    return key;
  } catch (error) {
    await storage.delete(staged);
    throw error;
  }
}

export async function uploadAvatar(ctx: Context, input: UploadAvatarInput): Promise<ProfileRow> {
  const viewer = requireViewer(ctx);
  const hasFile = input.file !== null && input.file !== undefined;
  const hasBase64 = input.base64 !== null && input.base64 !== undefined;
  if (hasFile === hasBase64) {
    const message = 'Send exactly one of file or base64.';
    throw new ValidationError([
      { field: 'file', message },
      { field: 'base64', message },
    ]);
  }
  const key = await storeAvatar(ctx, input);
  let previous: string | null = null;
  let profile: ProfileRow;
  try {
    profile = await ctx.db.$transaction(async (tx) => {
      const current = await tx.profile.findUnique({ where: { userId: viewer.userId }, select: { avatarKey: true } });
      previous = current?.avatarKey ?? null;
      return tx.profile.upsert({ where: { userId: viewer.userId }, create: { userId: viewer.userId, avatarKey: key }, update: { avatarKey: key } });
    });
  } catch (error) {
    await ctx.media.storage.delete(avatarStorageKey(key));
    throw error;
  }
  if (previous && AVATAR_KEY.test(previous)) await removeAvatarFile(ctx.media.storage, previous, ctx);
  return profile;
}

async function removeAvatarFile(storage: MediaStorage, key: string, ctx: Pick<Context, 'logger'>): Promise<void> {
  await storage.delete(avatarStorageKey(key)).catch((err) => ctx.logger.warn({ err }, 'could not delete the old avatar'));
}
