// Serving media over HTTP: avatars publicly at an unguessable URL, trimmed
// videos to their owner and admins (Bearer token) with Range support, so a
// browser's <video> element can seek.
import { Router, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../graphql/context.js';
import { AppError } from '../common/errors.js';
import { AVATAR_KEY, avatarStorageKey } from '../modules/avatars/avatars.service.js';
import { findVisibleVideo } from '../modules/videos/videos.service.js';
import type { ByteRange, MediaStorage, StoredObject } from '../storage/storage.js';
import { parseRange } from './range.js';

const AVATAR_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

async function send(res: Response, storage: MediaStorage, object: StoredObject, range: ByteRange | null): Promise<void> {
  res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : object.size));
  res.setHeader('Last-Modified', object.modifiedAt.toUTCString());
  if (range) {
    res.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`);
  }
  if (res.req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = await storage.openRead(object.key, range ?? undefined);
  await pipeline(stream, res).catch(() => stream.destroy());
}

export function mediaRoutes(deps: AppDeps): Router {
  const router = Router();
  const { storage } = deps.media;

  router.get('/media/avatars/:key', async (req, res, next) => {
    try {
      const key = req.params.key;
      const object = AVATAR_KEY.test(key) ? await storage.stat(avatarStorageKey(key)) : null;
      if (!object) return fail(res, 404, 'NOT_FOUND', 'Avatar was not found.');
      res.setHeader('Content-Type', AVATAR_TYPES[key.split('.').pop()!]);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'");
      await send(res, storage, object, null);
    } catch (error) {
      next(error);
    }
  });

  router.get('/media/videos/:id', async (req, res, next) => {
    try {
      const viewer = await deps.auth.authenticate({ authorization: req.headers.authorization, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });
      if (!viewer) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return fail(res, 401, 'UNAUTHENTICATED', 'Send the access token of the owner or an admin as a Bearer token.');
      }
      let video;
      try {
        video = await findVisibleVideo(deps, viewer, req.params.id);
      } catch (error) {
        if (error instanceof AppError && error.code === 'NOT_FOUND') return fail(res, 404, 'NOT_FOUND', error.message);
        throw error;
      }
      const object = video.status === 'READY' && video.outputKey ? await storage.stat(video.outputKey) : null;
      if (!object) return fail(res, 404, 'NOT_FOUND', `The video is ${video.status.toLowerCase()}; its trimmed file is not available.`);
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'private, no-cache');
      const range = parseRange(req.headers.range, object.size);
      if (range === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${object.size}`);
        return fail(res, 416, 'RANGE_NOT_SATISFIABLE', `The range is outside the file (${object.size} bytes).`);
      }
      res.setHeader('Content-Type', 'video/mp4');
      res.setHeader('Content-Disposition', `inline; filename="${video.id}.mp4"`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      await send(res, storage, object, range);
    } catch (error) {
      next(error);
    }
  });

  return router;
}
