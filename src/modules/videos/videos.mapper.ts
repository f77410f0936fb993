// Turns stored video rows (with their trim request) into the GraphQL Video.
import type { TrimRequest as TrimRequestRow, Video as VideoRow } from '../../generated/prisma/client.js';
import type { Video } from './videos.types.js';

export type VideoWithJob = VideoRow & { trimRequest: TrimRequestRow | null };

export function videoUrl(publicUrl: string, videoId: string): string {
  return `${publicUrl}/media/videos/${videoId}`;
}

export function toVideo(row: VideoWithJob, publicUrl: string): Video {
  const job = row.trimRequest;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    trimStart: job?.trimStart ?? 0,
    duration: job?.duration ?? 0,
    url: row.status === 'READY' && row.outputKey ? videoUrl(publicUrl, row.id) : null,
    error: row.status === 'FAILED' ? (job?.error ?? 'The video could not be processed.') : null,
    createdAt: row.createdAt,
    ownerId: row.ownerId,
    trimRequest: {
      id: job?.id ?? row.id,
      status: job?.status ?? row.status,
      attempts: job?.attempts ?? 0,
      trimStart: job?.trimStart ?? 0,
      duration: job?.duration ?? 0,
      sourceDuration: job?.sourceDuration ?? null,
      startedAt: job?.startedAt ?? null,
      finishedAt: job?.finishedAt ?? null,
      error: job?.error ?? null,
    },
  };
}
