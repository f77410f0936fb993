// The ffmpeg command line of a trim, without running it: pure, so it is
// unit-tested in-process (test/unit/pure-functions.test.ts) and the benchmark
// can run the same cut directly.
import os from 'node:os';

/**
 * The only demuxers ffprobe and ffmpeg may use on an upload: real video
 * containers. Playlist and list demuxers (hls, concat, ...) would open the
 * files a crafted upload names, even with only the `file` protocol allowed.
 */
export const VIDEO_DEMUXERS = ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'mpegts', 'flv', 'ogg', 'mpeg', 'asf'];
export const DEMUXER_OPTIONS = ['-protocol_whitelist', 'file', '-format_whitelist', VIDEO_DEMUXERS.join(',')];

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
      '-t',
      duration,
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-sn',
      '-dn',
      '-map_metadata',
      '-1',
      '-map_chapters',
      '-1',
      '-vf',
      'scale=trunc(iw/2)*2:trunc(ih/2)*2',
      '-c:v',
      'libx264',
      '-preset',
      spec.preset,
      '-crf',
      '20',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
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
