// Video rules: upload (stream to storage, probe, validate the cut, queue the
// trim job), read and list (owner or admin; another user's video does not
// exist for you), delete (rows and files). The workers are in video-workers.ts.
import crypto from 'node:crypto';
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import type { Context, Viewer } from '../../graphql/context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AppError, FieldErrors, ForbiddenError, NotFoundError, ValidationError } from '../../common/errors.js';
import { parseIntId, requireViewer } from '../../common/access.js';
import { pageOf, pageRequest } from '../../common/pagination.js';
import { storeUpload } from '../../media/uploads.js';
import { NotAVideoError, probeVideo } from '../../media/ffmpeg.js';
import { sourceKeyOf, videoPrefixOf } from './videos.keys.js';
import { toVideo, type VideoWithJob } from './videos.mapper.js';
import type { Video, VideoPage } from './videos.types.js';

const NAME_MAX = 200;
/** The cut must leave at least this much of the source (a few frames). */
const MIN_CLIP_SECONDS = 0.1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UploadVideoInput {
  file: Promise<FileUpload> | FileUpload;
  name: string;
  trimStart?: number | null;
  duration?: number | null;
}

function formatSeconds(value: number): string {
  return `${Math.round(value * 1000) / 1000} s`;
}

function checkCut(input: UploadVideoInput): { name: string; trimStart: number; duration: number | null } {
  const errors = new FieldErrors();
  const name = input.name?.trim() ?? '';
  if (!name) errors.add('name', 'Name the video.');
  else if (name.length > NAME_MAX) errors.add('name', `Name must be at most ${NAME_MAX} characters.`);
  const trimStart = input.trimStart ?? 0;
  if (!Number.isFinite(trimStart) || trimStart < 0) errors.add('trimStart', 'trimStart must be 0 or more seconds.');
  const duration = input.duration ?? null;
  if (duration !== null && (!Number.isFinite(duration) || duration <= 0)) errors.add('duration', 'duration must be more than 0 seconds.');
  else if (duration !== null && duration < MIN_CLIP_SECONDS) errors.add('duration', `duration must be at least ${MIN_CLIP_SECONDS} seconds.`);
  errors.throwIfAny();
  return { name, trimStart, duration };
}

type Db = Context['db'];
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** RATE_LIMITED when the user already has `max` videos queued or processing. */
async function assertQueueRoom(db: Db | Tx, userId: number, max: number): Promise<void> {
  const waiting = await db.trimRequest.count({ where: { status: { in: ['QUEUED', 'PROCESSING'] }, video: { ownerId: userId } } });
  if (waiting >= max) {
    throw new AppError('RATE_LIMITED', `You already have ${waiting} videos waiting to be processed (the limit is ${max}); upload more once they are done.`);
  }
}

/**
 * Counts the user's waiting videos and inserts the new one in one transaction
 * that holds a per-user advisory lock, so concurrent uploads of one user are
 * counted one after the other and the limit holds however many race.
 */
async function queueVideo(db: Db, userId: number, max: number, data: Prisma.VideoUncheckedCreateInput): Promise<VideoWithJob> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('usergraph.video_queue'), ${userId}::int)`;
    await assertQueueRoom(tx, userId, max);
    return tx.video.create({ data, include: { trimRequest: true } });
  });
}

export async function uploadVideo(ctx: Context, input: UploadVideoInput): Promise<Video> {
  const viewer = requireViewer(ctx);
  const cut = checkCut(input);
  const limits = ctx.config.media;
  // A cheap check before the upload is read; the binding one is in queueVideo.
  await assertQueueRoom(ctx.db, viewer.userId, limits.videoMaxQueuedPerUser);

  const videoId = crypto.randomUUID();
  const sourceKey = sourceKeyOf(videoId);
  const { storage, binaries } = ctx.media;
  const { stored, filename } = await storeUpload(storage, input.file, sourceKey, limits.videoMaxBytes);
  try {
    const local = await storage.localCopy(sourceKey);
    let probe;
    try {
      probe = await probeVideo(binaries, local.path);
    } catch (error) {
      if (error instanceof NotAVideoError) throw new ValidationError([{ field: 'file', message: error.message }]);
      throw error;
    } finally {
      await local.release();
    }
    if (probe.duration > limits.videoMaxDuration) {
      throw new ValidationError([
        { field: 'file', message: `The video lasts ${formatSeconds(probe.duration)}; the limit is ${formatSeconds(limits.videoMaxDuration)}.` },
      ]);
    }
    if (cut.trimStart > probe.duration - MIN_CLIP_SECONDS) {
      throw new ValidationError([
        { field: 'trimStart', message: `trimStart (${formatSeconds(cut.trimStart)}) must be before the end of the video (${formatSeconds(probe.duration)}).` },
      ]);
    }
    // An end past the source is clamped to the end of the source.
    const duration = Math.min(cut.duration ?? Infinity, probe.duration - cut.trimStart);
    const row = await queueVideo(ctx.db, viewer.userId, limits.videoMaxQueuedPerUser, {
      id: videoId,
      ownerId: viewer.userId,
      name: cut.name,
      status: 'QUEUED',
      sourceKey,
      sourceName: filename || null,
      sourceSize: BigInt(stored.size),
      trimRequest: { create: { trimStart: cut.trimStart, duration, sourceDuration: probe.duration } },
    });
    ctx.media.wakeWorkers();
    return toVideo(row, ctx.publicUrl);
  } catch (error) {
    await storage.deletePrefix(videoPrefixOf(videoId));
    throw error;
  }
}

/** The video if the viewer owns it or is an admin; anything else reads as NOT_FOUND. */
export async function findVisibleVideo(ctx: Pick<Context, 'db'>, viewer: Viewer, id: string): Promise<VideoWithJob> {
  const row = UUID.test(id) ? await ctx.db.video.findUnique({ where: { id }, include: { trimRequest: true } }) : null;
  if (!row || (row.ownerId !== viewer.userId && !viewer.isAdmin)) throw new NotFoundError('Video');
  return row;
}

export async function getVideo(ctx: Context, id: string): Promise<Video> {
  const viewer = requireViewer(ctx);
  return toVideo(await findVisibleVideo(ctx, viewer, id), ctx.publicUrl);
}

export async function listVideos(
  ctx: Context,
  page: number | null | undefined,
  pageSize: number | null | undefined,
  userId: string | null | undefined,
): Promise<VideoPage> {
  const viewer = requireViewer(ctx);
  const ownerId = userId === null || userId === undefined ? viewer.userId : parseIntId(userId, 'userId');
  if (ownerId !== viewer.userId && !viewer.isAdmin) {
    throw new ForbiddenError("Only admins may list another user's videos.");
  }
  const request = pageRequest(page, pageSize, ctx.config.maxPageSize);
  const where = { ownerId };
  const [total, rows] = await Promise.all([
    ctx.db.video.count({ where }),
    ctx.db.video.findMany({ where, include: { trimRequest: true }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: request.skip, take: request.take }),
  ]);
  return pageOf(
    rows.map((row) => toVideo(row, ctx.publicUrl)),
    total,
    request,
  );
}

/** Deletes the video, its job and its files. A worker busy on it loses its lease and stops. */
export async function deleteVideo(ctx: Context, id: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const row = await findVisibleVideo(ctx, viewer, id);
  const deleted = await ctx.db.video.deleteMany({ where: { id: row.id } });
  if (deleted.count === 0) throw new NotFoundError('Video');
  await ctx.media.storage.deletePrefix(videoPrefixOf(row.id));
  return true;
}
