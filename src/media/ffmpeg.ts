// ffprobe and ffmpeg, run on server-generated paths only. A user's filename
// never reaches an argument; only the `file` protocol is allowed; numbers are
// checked before they become arguments; every run has a timeout.
import { execFile } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import type { MediaBinaries } from './binaries.js';
import { DEMUXER_OPTIONS, trimCommand, VIDEO_DEMUXERS, type TrimSpec } from './trim-command.js';

// The bench imports trimArguments from here (dist/media/ffmpeg.js).
export { trimArguments, trimCommand, VIDEO_DEMUXERS, type TrimCommand, type TrimSpec } from './trim-command.js';

export interface ProbeResult {
  formatName: string;
  /** Seconds, finite and positive. */
  duration: number;
  width: number;
  height: number;
  hasAudio: boolean;
}

/** Why a file is not an acceptable video, in words a user can act on. */
export class NotAVideoError extends Error {}

// Demuxers that read single images or raw streams: not a video container.
const IMAGE_FORMATS = /^(image2|.*_pipe|gif|apng|webp|tty|bin|txt|lavfi)$/;

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error as Error, { stderr: String(stderr).slice(-2000) }));
      else resolve(String(stdout));
    });
  });
}

interface RawProbe {
  format?: { format_name?: string; duration?: string };
  streams?: Array<{
    codec_type?: string;
    width?: number;
    height?: number;
    nb_frames?: string;
    nb_read_packets?: string;
    disposition?: { attached_pic?: number };
  }>;
}

/**
 * Reads the container and counts its packets (demuxing only, no decoding),
 * so that a truncated file is caught here rather than in the worker.
 */
export async function probeVideo(binaries: MediaBinaries, file: string, timeoutMs = 120_000): Promise<ProbeResult> {
  let raw: RawProbe;
  try {
    const out = await run(
      binaries.ffprobe,
      [
        '-v',
        'error',
        ...DEMUXER_OPTIONS,
        '-count_packets',
        '-show_entries',
        'format=format_name,duration:stream=codec_type,width,height,nb_frames,nb_read_packets:stream_disposition=attached_pic',
        '-of',
        'json',
        `file:${file}`,
      ],
      timeoutMs,
    );
    raw = JSON.parse(out) as RawProbe;
  } catch {
    throw new NotAVideoError('The file is not a video that can be read (unknown format or damaged file).');
  }
  const formatName = raw.format?.format_name ?? '';
  const video = raw.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!formatName || !formatName.split(',').every((f) => VIDEO_DEMUXERS.includes(f))) {
    throw new NotAVideoError('The file is not a video in a supported container (MP4/MOV, Matroska/WebM, AVI, MPEG-TS, FLV, Ogg, MPEG, ASF).');
  }
  if (IMAGE_FORMATS.test(formatName) || !video) {
    throw new NotAVideoError('The file has no video stream.');
  }
  const duration = Number(raw.format?.duration);
  if (!Number.isFinite(duration) || duration <= 0) throw new NotAVideoError('The video has no known duration.');
  const read = Number(video.nb_read_packets);
  const declared = Number(video.nb_frames);
  if (!(read > 0) || (declared > 0 && read < declared * 0.98)) {
    throw new NotAVideoError('The video is incomplete (truncated or damaged).');
  }
  return {
    formatName,
    duration,
    width: video.width ?? 0,
    height: video.height ?? 0,
    hasAudio: raw.streams!.some((s) => s.codec_type === 'audio'),
  };
}

export interface TrimOptions extends TrimSpec {
  signal?: AbortSignal;
  /** Called with the seconds of output written so far, from ffmpeg's own progress reports. */
  onProgress?: (seconds: number) => void;
}

/** `HH:MM:SS.cc` (ffmpeg's `time=`) in seconds; NaN when unreadable. */
export function timemarkSeconds(timemark: string): number {
  const match = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(timemark.trim());
  if (!match || match[1]) return NaN;
  return Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
}

/** Runs the cut of `trimCommand`; rejects with the tail of ffmpeg's stderr, or 'aborted'. */
export function trimVideo(binaries: MediaBinaries, options: TrimOptions): Promise<void> {
  const cut = trimCommand(options);
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new Error('aborted'));
    const command = ffmpeg({ timeout: cut.timeoutSeconds })
      .setFfmpegPath(binaries.ffmpeg)
      .input(cut.input)
      .inputOptions(cut.inputOptions)
      .outputOptions(cut.outputOptions)
      .output(cut.output);
    // fluent-ffmpeg spawns the process asynchronously after run(), and kill()
    // before that is a no-op: an abort in that window is applied on 'start'.
    const onAbort = () => command.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    command
      .on('start', () => {
        if (options.signal?.aborted) command.kill('SIGKILL');
      })
      .on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
        options.signal?.removeEventListener('abort', onAbort);
        reject(Object.assign(new Error(options.signal?.aborted ? 'aborted' : error.message), { stderr: String(stderr ?? '').slice(-2000) }));
      })
      .on('progress', (progress: { timemark?: string }) => {
        const seconds = timemarkSeconds(progress.timemark ?? '');
        if (Number.isFinite(seconds)) options.onProgress?.(seconds);
      })
      .on('end', () => {
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      })
      .run();
  });
}
