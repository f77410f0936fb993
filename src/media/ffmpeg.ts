// ffprobe and ffmpeg, run on server-generated paths only. A user's filename
// never reaches an argument; only the `file` protocol is allowed; numbers are
// checked before they become arguments; every run has a timeout.
import { execFile } from 'node:child_process';
import os from 'node:os';
import ffmpeg from 'fluent-ffmpeg';
import type { MediaBinaries } from './binaries.js';

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

/**
 * The only demuxers ffprobe and ffmpeg may use on an upload: real video
 * containers. Playlist and list demuxers (hls, concat, ...) would open the
 * files a crafted upload names, even with only the `file` protocol allowed.
 */
export const VIDEO_DEMUXERS = ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'mpegts', 'flv', 'ogg', 'mpeg', 'asf'];
const DEMUXER_OPTIONS = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS.join(',')];

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: String(stderr).slice(-2000) }));
      else resolve(String(stdout));
    });
  });
}

interface RawProbe {
  format?: { format_name?: string; duration?: string };
  streams?: Array<{ codec_type?: string; width?: number; height?: number; nb_frames?: string; nb_read_packets?: string; disposition?: { attached_pic?: number } }>;
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
      ['-v', 'error', ...DEMUXER_OPTIONS, '-count_packets', '-show_entries',
        'format=format_name,duration:stream=codec_type,width,height,nb_frames,nb_read_packets:stream_disposition=attached_pic',
        '-of', 'json', `file:${file}`],
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

/** The cut and how to encode it, without the process concerns (abort, timeout handling). */
export interface TrimSpec {
  input: string;
  output: string;
  /** Seconds from the start of the source. */
  start: number;
  /** Seconds of output. */
  duration: number;
  preset: string;
  /** Bounds ffmpeg's own CPU time (`-timelimit`), in case this process dies. */
  timeoutSeconds: number;
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

/** One ffmpeg invocation, in the parts fluent-ffmpeg takes. */
export interface TrimCommand {
  /** Whole seconds, at least 1: the wall-clock limit for the process, and the base of `-timelimit`. */
  timeoutSeconds: number;
  inputOptions: string[];
  input: string;
  outputOptions: string[];
  output: string;
}

function seconds(value: number, name: string): string {
  if (!Number.isFinite(value) || value < 0 || value > 1e6) throw new RangeError(`${name} is not a valid number of seconds: ${value}`);
  return value.toFixed(3);
}

/**
 * The ffmpeg command that cuts [start, start + duration) out of the input and
 * re-encodes it to H.264/AAC in MP4 (docs/media.md explains why re-encode
 * rather than stream copy). Throws RangeError on a value that must not reach
 * an argument.
 */
export function trimCommand(spec: TrimSpec): TrimCommand {
  const start = seconds(spec.start, 'start');
  const duration = seconds(spec.duration, 'duration');
  if (!(spec.duration > 0)) throw new RangeError('duration must be positive');
  if (!/^[a-z]+$/.test(spec.preset)) throw new RangeError(`invalid preset ${spec.preset}`);
  const timeout = Math.max(1, Math.floor(spec.timeoutSeconds));
  return {
    timeoutSeconds: timeout,
    // -ss before -i seeks in the input; with a re-encode ffmpeg then decodes
    // from the previous keyframe and drops frames up to the exact start.
    // -timelimit: ffmpeg stops itself after that much CPU time (all threads
    // together), even if this process died: a crash leaves it running otherwise.
    inputOptions: ['-nostdin', '-timelimit', String(timeout * os.availableParallelism()), ...DEMUXER_OPTIONS, '-ss', start],
    input: `file:${spec.input}`,
    outputOptions: [
      '-t', duration,
      '-map', '0:v:0', '-map', '0:a:0?',
      '-sn', '-dn', '-map_metadata', '-1', '-map_chapters', '-1',
      '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
      '-c:v', 'libx264', '-preset', spec.preset, '-crf', '20', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '128k',
      '-movflags', '+faststart',
      '-f', 'mp4',
    ],
    output: `file:${spec.output}`,
  };
}

/**
 * The argument list ffmpeg runs with for this cut, in the order fluent-ffmpeg
 * builds it (input options, `-i`, output options, output), for running the
 * same cut directly (the benchmark compares against it, and checks it against
 * the running gateway's ffmpeg). No `-y`: fluent-ffmpeg adds it for plain
 * paths only, not for `file:` ones, and outputs are fresh names anyway.
 */
export function trimArguments(spec: TrimSpec): string[] {
  const command = trimCommand(spec);
  return [...command.inputOptions, '-i', command.input, ...command.outputOptions, command.output];
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
