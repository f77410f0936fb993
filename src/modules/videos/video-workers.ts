// The trim workers of one gateway process: VIDEO_WORKERS loops, each claiming
// a job from the database, running ffmpeg on it while renewing its lease, and
// storing the output. Stopping aborts ffmpeg and hands claimed jobs back.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { MediaConfig } from '../../config.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { MediaStorage } from '../../storage/storage.js';
import type { MediaBinaries } from '../../media/binaries.js';
import { trimVideo } from '../../media/ffmpeg.js';
import { WorkerLoops } from '../../db/work-queue.js';
import { claimJob, completeJob, failAttempt, releaseJob, renewLease, type ClaimedJob } from './video-jobs.js';
import { outputKeyOf } from './videos.keys.js';
import type { VideoEvent } from '../events/event-hub.js';

/** Progress events at most this often per job. */
const PROGRESS_INTERVAL_MS = 500;

export interface VideoWorkerDeps {
  db: PrismaClient;
  storage: MediaStorage;
  binaries: MediaBinaries;
  config: MediaConfig;
  logger: Logger;
  /** Publishes a job's progress to subscribers (status changes come from the database). */
  progress?: (event: VideoEvent) => void;
}

export class VideoWorkerPool {
  private readonly loops: WorkerLoops<ClaimedJob>;
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly deps: VideoWorkerDeps) {
    const { db, config, logger } = deps;
    this.loops = new WorkerLoops({
      name: 'trim job',
      workers: config.videoWorkers,
      pollIntervalMs: config.videoPollIntervalMs,
      logger,
      claim: (workerId) => claimJob(db, workerId, config.videoLeaseSeconds),
      run: (job, workerId) => this.run(job, workerId),
      // Claimed just as the process began to stop: give it straight back.
      release: (job, workerId) => releaseJob(db, job, workerId),
    });
  }

  start(): void {
    if (this.deps.config.videoWorkers > 0) {
      void sweepScratch(this.deps.storage).catch((err) => this.deps.logger.warn({ err }, 'could not sweep scratch files'));
    }
    this.loops.start();
  }

  /** Called after an upload: an idle worker looks for the new job now rather than at its next poll. */
  wake(): void {
    this.loops.wake();
  }

  /** Aborts ffmpeg and hands the jobs being run back to the queue. */
  async stop(): Promise<void> {
    const stopped = this.loops.stop();
    for (const controller of this.running.values()) controller.abort();
    await stopped;
  }

  /** Turns ffmpeg's seconds written into whole percents of the cut, published when they grow, at most every PROGRESS_INTERVAL_MS. */
  private progressReporter(job: ClaimedJob, ownerId: number): (seconds: number) => void {
    let last = -1;
    let lastAt = 0;
    return (seconds) => {
      const percent = Math.max(0, Math.min(100, Math.floor((seconds / job.duration) * 100)));
      if (percent <= last || Date.now() - lastAt < PROGRESS_INTERVAL_MS) return;
      last = percent;
      lastAt = Date.now();
      this.deps.progress?.({ k: 'video', videoId: job.videoId, ownerId, status: 'PROCESSING', progress: percent });
    };
  }

  private async run(job: ClaimedJob, workerId: string): Promise<void> {
    const { db, storage, binaries, config, logger } = this.deps;
    const log = logger.child({ jobId: job.id, videoId: job.videoId, attempt: job.attempts });
    const controller = new AbortController();
    this.running.set(job.id, controller);
    let leaseLost = false;
    const renewal = setInterval(
      () => {
        renewLease(db, job.id, workerId, config.videoLeaseSeconds)
          .then((held) => {
            if (!held) {
              leaseLost = true;
              controller.abort();
            }
          })
          .catch((err) => log.warn({ err }, 'could not renew the lease'));
      },
      Math.max(200, (config.videoLeaseSeconds * 1000) / 3),
    );
    let output = '';
    const started = Date.now();
    try {
      const scratch = await storage.scratchDir();
      output = path.join(scratch, `${job.id}-${crypto.randomBytes(6).toString('hex')}.mp4`);
      await removeScratchOf(scratch, job.id, output);
      const video = await db.video.findUnique({ where: { id: job.videoId }, select: { sourceKey: true, ownerId: true } });
      if (!video?.sourceKey) throw new Error('the video has no source file');
      const source = await storage.localCopy(video.sourceKey);
      try {
        log.info('trim started');
        await trimVideo(binaries, {
          input: source.path,
          output,
          start: job.trimStart,
          duration: job.duration,
          preset: config.ffmpegPreset,
          timeoutSeconds: config.ffmpegTimeout,
          signal: controller.signal,
          onProgress: this.progressReporter(job, video.ownerId),
        });
      } finally {
        await source.release();
      }
      const outputKey = outputKeyOf(job.videoId);
      await storage.putFile(outputKey, output);
      if (await completeJob(db, job, workerId, outputKey)) {
        log.info({ ms: Date.now() - started }, 'trim finished');
      } else {
        // Deleted (or taken over) while we worked: do not leave the output behind.
        const still = await db.trimRequest.findUnique({ where: { id: job.id }, select: { id: true } });
        if (!still) await storage.deletePrefix(`videos/${job.videoId}`);
      }
    } catch (err) {
      if (output) await fs.rm(output, { force: true });
      if (this.loops.isStopping && controller.signal.aborted && !leaseLost) {
        await releaseJob(db, job, workerId).catch((error) => log.error({ err: error }, 'could not release the job'));
        log.info('trim interrupted by shutdown; job released');
      } else if (leaseLost) {
        log.warn('lease lost; another worker owns the job now, or the video was deleted');
      } else {
        log.warn({ err, stderr: (err as { stderr?: string }).stderr }, 'trim attempt failed');
        const message = `The video could not be processed after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'}; the file may be damaged or use an unsupported codec.`;
        await failAttempt(db, job, workerId, config.videoMaxAttempts, config.videoRetryDelayMs, message).catch((error) =>
          log.error({ err: error }, 'could not record the failed attempt'),
        );
      }
    } finally {
      clearInterval(renewal);
      this.running.delete(job.id);
    }
  }
}

/** Scratch outputs of earlier attempts of this job (a crashed process leaves them). */
async function removeScratchOf(dir: string, jobId: string, keep: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(`${jobId}-`) && path.join(dir, n) !== keep).map((n) => fs.rm(path.join(dir, n), { force: true })));
}

/** Scratch files nobody has written to for an hour: left by a process that crashed. */
async function sweepScratch(storage: MediaStorage, olderThanMs = 3_600_000): Promise<void> {
  const dir = await storage.scratchDir();
  const cutoff = Date.now() - olderThanMs;
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    const stats = await fs.stat(file).catch(() => null);
    if (stats?.isFile() && stats.mtimeMs < cutoff) await fs.rm(file, { force: true });
  }
}
