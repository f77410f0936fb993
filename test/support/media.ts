// Media test helpers: test videos and images generated with the bundled
// ffmpeg (no binary fixtures), GraphQL multipart requests built by hand, and
// ffprobe measurements of what the server produced.
import { execFile } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { GraphQLResponse, TestServer } from './server';

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the installer packages are loaded only when the env var is unset
export const FFMPEG: string = process.env.FFMPEG_PATH || require('@ffmpeg-installer/ffmpeg').path;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
export const FFPROBE: string = process.env.FFPROBE_PATH || require('@ffprobe-installer/ffprobe').path;

export async function scratchDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'usergraph-media-'));
}

async function ffmpeg(args: string[]): Promise<void> {
  await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** Slope of the brightness ramp: frame luma is 16 + RAMP × t, so a frame tells the source time it came from. */
const RAMP = 40;

export interface VideoOptions {
  seconds?: number;
  size?: string;
  /** Keyframe interval in frames (25 fps). Default 25: one per second. */
  gop?: number;
  /** Put the index at the end (no faststart), as a truncated upload would have it. */
  moovAtEnd?: boolean;
  audio?: boolean;
}

/**
 * An H.264/AAC MP4 at 25 fps whose brightness encodes time (luma 16 + 40·t),
 * with a 440 Hz tone.
 */
export async function makeVideo(dir: string, name: string, options: VideoOptions = {}): Promise<string> {
  const { seconds = 5, size = '160x120', gop = 25, moovAtEnd = false, audio = true } = options;
  const file = path.join(dir, name);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `nullsrc=s=${size}:r=25:d=${seconds},geq=lum='16+${RAMP}*T':cb=128:cr=128`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`] : []),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-pix_fmt',
    'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-shortest'] : []),
    ...(moovAtEnd ? [] : ['-movflags', '+faststart']),
    file,
  ]);
  return file;
}

/** A busier video (testsrc), slow enough to encode that a job can be caught mid-way. */
export async function makeBusyVideo(dir: string, name: string, seconds: number): Promise<string> {
  const file = path.join(dir, name);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=640x360:r=25:d=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '25',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return file;
}

/** One image frame, its format from the file extension (png, jpg, webp, gif); `flat` makes a one-colour image that compresses to almost nothing. */
export async function makeImage(dir: string, name: string, size = '16x16', flat = false): Promise<Buffer> {
  const file = path.join(dir, name);
  await ffmpeg(['-f', 'lavfi', '-i', flat ? `color=c=teal:s=${size}:d=1` : `testsrc=s=${size}:r=1:d=1`, '-frames:v', '1', file]);
  return fs.readFile(file);
}

export interface ClipMeasure {
  /** Seconds, from the container. */
  duration: number;
  /** Source time of the first and last frame, read back from their brightness. */
  firstFrameAt: number;
  lastFrameAt: number;
  frames: number;
  videoCodec: string;
}

export async function measureClip(file: string): Promise<ClipMeasure> {
  const { stdout: info } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file]);
  const parsed = JSON.parse(info) as { format: { duration: string }; streams: Array<{ codec_type: string; codec_name: string }> };
  const { stdout } = await run(FFPROBE, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `movie=${file},signalstats`,
    '-show_entries',
    'frame_tags=lavfi.signalstats.YAVG',
    '-of',
    'csv=p=0',
  ]);
  const lumas = stdout
    .split('\n')
    .map((line) => parseFloat(line))
    .filter((v) => Number.isFinite(v));
  const at = (luma: number) => (luma - 16) / RAMP;
  return {
    duration: Number(parsed.format.duration),
    firstFrameAt: at(lumas[0]),
    lastFrameAt: at(lumas[lumas.length - 1]),
    frames: lumas.length,
    videoCodec: parsed.streams.find((s) => s.codec_type === 'video')!.codec_name,
  };
}

/** Sends a body `bytes` at a time with `pauseMs` between pieces, as a slow client would. */
export interface SlowBody {
  bytes: number;
  pauseMs: number;
}

/** The form, encoded as fetch would send it, as a stream that trickles out in pieces. */
async function inPieces(form: FormData, pieces: SlowBody) {
  const encoded = new Response(form);
  const type = encoded.headers.get('content-type')!;
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset > 0) await new Promise((resolve) => setTimeout(resolve, pieces.pauseMs));
      controller.enqueue(bytes.subarray(offset, offset + pieces.bytes));
      offset += pieces.bytes;
      if (offset >= bytes.length) controller.close();
    },
  });
  return { stream, type };
}

export interface UploadFile {
  data: Buffer;
  filename: string;
  type?: string;
}

/**
 * A GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * built by hand: `operations`, `map`, then one part per file, each mapped to a variable.
 */
export async function multipart<R, V>(
  server: TestServer,
  document: TypedDocumentNode<R, V>,
  variables: V,
  files: Record<string, UploadFile>,
  options: { token?: string | null; preflight?: boolean; extraFiles?: number; pieces?: SlowBody } = {},
): Promise<GraphQLResponse<R>> {
  const form = new FormData();
  const vars: Record<string, unknown> = { ...(variables as Record<string, unknown>) };
  const map: Record<string, string[]> = {};
  Object.keys(files).forEach((variable, index) => {
    vars[variable] = null;
    map[String(index)] = [`variables.${variable}`];
  });
  for (let extra = 0; extra < (options.extraFiles ?? 0); extra++) map[`x${extra}`] = [`variables.extra${extra}`];
  form.append('operations', JSON.stringify({ query: print(document), variables: vars }));
  form.append('map', JSON.stringify(map));
  Object.values(files).forEach((file, index) => {
    form.append(String(index), new Blob([new Uint8Array(file.data)], { type: file.type ?? 'application/octet-stream' }), file.filename);
  });
  for (let extra = 0; extra < (options.extraFiles ?? 0); extra++) form.append(`x${extra}`, new Blob(['x']), 'x.bin');
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.preflight !== false) headers['apollo-require-preflight'] = 'true';
  const slow = options.pieces ? await inPieces(form, options.pieces) : null;
  if (slow) headers['content-type'] = slow.type;
  // A stream body needs duplex: 'half' (not yet in the DOM types).
  const payload = slow ? { body: slow.stream, duplex: 'half' } : { body: form };
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers, ...payload });
  const body = (await response.json()) as { data?: R; errors?: GraphQLResponse<R>['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** Every file under DATA_DIR/media, as relative paths (to check that nothing was left behind). */
export async function storedFiles(server: Pick<TestServer, 'dataDir'>, under = ''): Promise<string[]> {
  const root = path.join(server.dataDir, 'media', under);
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(path.join(server.dataDir, 'media'), path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)))
    .sort();
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Kills the ffmpeg processes a crashed (SIGKILLed) test server left running:
 * those whose command line names that server's data directory, by their ids.
 */
export async function killOrphanedFfmpeg(dataDir: string): Promise<void> {
  const pids = await fs.readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids.filter((p) => /^\d+$/.test(p))) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith(FFMPEG) && cmdline.includes(dataDir)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Files in DATA_DIR/spool, where uploads are buffered while they arrive. */
export async function spoolFiles(server: Pick<TestServer, 'dataDir'>): Promise<string[]> {
  const entries = await fs.readdir(path.join(server.dataDir, 'spool'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

export interface PartialUpload {
  /** Cuts the connection, as a client that dies mid-upload. */
  abort(): void;
}

/**
 * A multipart POST that announces the whole body (Content-Length) but sends
 * only the fields and the first `sentBytes` of the file part, then waits: an
 * upload caught in the middle, to be aborted or to outlive its server.
 */
export function partialUpload(
  url: string,
  fields: Array<[string, string]>,
  file: { field: string; filename: string; data: Buffer },
  sentBytes: number,
  headers: Record<string, string> = {},
): PartialUpload {
  const boundary = `----usergraph-test-${Date.now()}`;
  const head = Buffer.from(
    fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const request = http.request(url, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + file.data.length + tail.length),
    },
  });
  request.on('error', () => {});
  request.write(Buffer.concat([head, file.data.subarray(0, sentBytes)]));
  return { abort: () => request.destroy() };
}
