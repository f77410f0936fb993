// Media helpers for the upload and trim scenarios: test videos made with the
// bundled ffmpeg (the one the gateway runs unless FFMPEG_PATH says otherwise),
// a resident-memory sampler reading /proc, the upload client process, and a
// timed direct ffmpeg run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { benchDir } from './harness.mjs';

const require = createRequire(import.meta.url);
export const FFMPEG = process.env.FFMPEG_PATH || require('@ffmpeg-installer/ffmpeg').path;

/** Processes started here, killed if the benchmark exits early (Ctrl-C runs process.exit). */
const children = new Set();
process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs a binary to completion; resolves with its wall time in ms, rejects with the tail of stderr. */
export function runTimed(binary, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`${path.basename(binary)} ${args.join(' ').slice(0, 300)} failed (${code ?? signal}): ${stderr}`));
    });
  });
}

const ffmpeg = (args) => runTimed(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);

/** Writes with ffmpeg to a temporary name, then renames: a cached file is never half-written. */
async function generate(file, args) {
  const partial = `${file}.partial-${process.pid}`;
  try {
    await ffmpeg([...args, partial]);
    await fsp.rename(partial, file);
  } finally {
    await fsp.rm(partial, { force: true });
  }
}

const RAW_WIDTH = 1280;
const RAW_HEIGHT = 720;
/** Bytes of one 1280x720 yuv420p frame. */
const RAW_FRAME = (RAW_WIDTH * RAW_HEIGHT * 3) / 2;

/**
 * A video of at least `bytes` bytes, made in seconds: uncompressed 720p
 * (testsrc2 frames, rawvideo yuv420p, 1.38 MB each) at 25 fps in Matroska, a
 * container the gateway accepts. 10^9 bytes is 724 frames, 29 s.
 */
export async function makeLargeVideo(file, bytes) {
  const frames = Math.ceil(bytes / RAW_FRAME);
  await generate(file, [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${RAW_WIDTH}x${RAW_HEIGHT}:r=25`,
    '-frames:v',
    String(frames),
    '-c:v',
    'rawvideo',
    '-pix_fmt',
    'yuv420p',
    '-f',
    'matroska',
  ]);
  const { size } = await fsp.stat(file);
  if (size < bytes) throw new Error(`${file} has ${size} bytes, fewer than the ${bytes} asked for`);
  return { file, size, frames, seconds: frames / 25 };
}

/** Where sources worth keeping between runs live (small: tens of MB). */
export const cacheDir = path.join(os.tmpdir(), 'usergraph-bench-media');

/**
 * An ordinary upload to cut: 720p H.264 (testsrc2, x264 ultrafast, a keyframe
 * every 10 s as phones and screen recorders make them) with AAC audio, in MP4.
 * Made once and kept under os.tmpdir() (encoding takes 10-30 s on 2 cores).
 */
export async function trimSource(seconds) {
  const file = path.join(cacheDir, `trim-source-720p-${seconds}s-v1.mp4`);
  if (fs.existsSync(file)) return file;
  await fsp.mkdir(cacheDir, { recursive: true });
  await generate(file, [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=1280x720:r=25:d=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '250',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
  ]);
  return file;
}

const statusOf = (pid) => fs.readFileSync(`/proc/${pid}/status`, 'utf8');
const kbField = (status, name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;

/** VmRSS of a process, in bytes. */
export const rssOf = (pid) => kbField(statusOf(pid), 'VmRSS');

/**
 * Samples a process's resident set every `everyMs` until stopped. The
 * kernel's own peak (VmHWM) is reset at start (`clear_refs` 5, Linux 4.0+)
 * and read at the end, so a spike between two samples is not missed either.
 */
export function sampleRss(pid, everyMs = 20) {
  let hwmReset = true;
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const samples = [];
  const timer = setInterval(() => samples.push(rssOf(pid)), everyMs);
  samples.push(rssOf(pid));
  return {
    stop() {
      clearInterval(timer);
      samples.push(rssOf(pid));
      const sampledPeak = Math.max(...samples);
      const hwm = hwmReset ? kbField(statusOf(pid), 'VmHWM') : 0;
      return { samples: samples.length, sampledPeak, hwm: hwmReset ? hwm : null, peak: Math.max(sampledPeak, hwm) };
    },
  };
}

/** The median of a process's RSS over `ms` (its resident memory at rest). */
export async function restingRss(pid, ms = 500, everyMs = 20) {
  const values = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    values.push(rssOf(pid));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return median(values);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Sends a multipart upload from its own process (bench/lib/upload.mjs); resolves with its JSON report. */
export async function upload(job) {
  const file = path.join(os.tmpdir(), `usergraph-bench-upload-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  await fsp.writeFile(file, JSON.stringify(job));
  try {
    return await new Promise((resolve, reject) => {
      const child = track(spawn(process.execPath, [path.join(benchDir, 'lib/upload.mjs'), file], { stdio: ['ignore', 'pipe', 'pipe'] }));
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err = (err + c).slice(-2000)));
      child.once('exit', (code) => {
        if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()));
        else reject(new Error(`upload to ${job.url} failed (${code}): ${err}`));
      });
    });
  } finally {
    await fsp.rm(file, { force: true });
  }
}

/** Children of a process's main thread (where Node spawns them); empty once it is gone. */
function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function argumentsOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return null; // exited meanwhile
  }
}

/**
 * Watches `parentPid` for a child running `binary` with arguments that
 * `match`, polling its children every few ms (one small /proc read), and
 * resolves `run` with that child's arguments (without argv[0]) and how long it
 * ran as seen from here (from first seen to gone, to within 2 × `everyMs`),
 * or null if none ran before `stop()`.
 */
export function watchChildRun(parentPid, binary, match = () => true, everyMs = 5) {
  let stopped = false;
  const run = (async () => {
    let child = null;
    for (;;) {
      const children = childrenOf(parentPid);
      if (!child) {
        for (const pid of children) {
          const argv = argumentsOf(pid);
          if (argv?.[0] === binary && match(argv.slice(1))) {
            child = { pid, args: argv.slice(1), seenAt: performance.now() };
            break;
          }
        }
      } else if (!children.includes(child.pid)) {
        return { args: child.args, ms: performance.now() - child.seenAt };
      }
      if (stopped) return child && { args: child.args, ms: null };
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { run, stop: () => (stopped = true) };
}
