// Media: the gateway's resident memory while it receives a 1 GB video upload
// (GraphQL multipart and REST dialect 000), and the wall time of a trim, from
// the upload's answer to READY, against the same ffmpeg command line run
// directly. bench/README.md ("What is measured") describes both.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuSeconds } from '../lib/process-cpu.mjs';
import { FFMPEG, makeLargeVideo, median, restingRss, runTimed, sampleRss, trimSource, upload, watchChildRun } from '../lib/media.mjs';

/** Settings the benchmark's gateways start with (bench/run.mjs spreads them into their environment). */
export const mediaEnv = {
  VIDEO_MAX_BYTES: String(2_000_000_000),
  // Stated rather than defaulted: the direct ffmpeg run below uses the same.
  VIDEO_FFMPEG_PRESET: 'veryfast',
  FFMPEG_TIMEOUT: '3600',
};

const MB = 1_000_000;
const RSS_LIMIT_MB = 64;
const UPLOAD = `mutation BenchUpload($file: Upload!, $name: String!, $trimStart: Float, $duration: Float) {
  uploadVideo(file: $file, name: $name, trimStart: $trimStart, duration: $duration) { id status } }`;
const DELETE = `mutation BenchDelete($id: ID!) { deleteVideo(id: $id) }`;

const distFile = (b, file) => path.join(b.root, 'dist', file);
const baseUrl = (b) => b.ug.url.replace(/\/graphql$/, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function needs(b, files) {
  if (!fs.existsSync('/proc/self/status')) return 'needs Linux /proc';
  const missing = files.find((f) => !fs.existsSync(distFile(b, f)));
  return missing ? `not available in this build (no ${missing})` : true;
}

const VIDEO_STATE = `SELECT v.status, t.error, t.attempts, t.created_at, t.started_at, t.finished_at
  FROM videos v JOIN trim_requests t ON t.video_id = v.id WHERE v.id = $1`;
const POLL_MS = 20;

/** Polls the database (cheaply, beside the gateway rather than through it) until the video is READY or FAILED. */
async function settled(b, id, everyMs = POLL_MS, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await b.db.query(VIDEO_STATE, [id]);
    const row = rows[0];
    if (!row) throw new Error(`video ${id} is gone`);
    if (row.status === 'READY' || row.status === 'FAILED') return row;
    if (Date.now() > deadline) throw new Error(`video ${id} still ${row.status} after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

/** The same polling while `work` runs, so that the direct ffmpeg run shares the machine with it as the gateway's does. */
async function pollingDuring(b, work) {
  let done = false;
  const finished = work.finally(() => (done = true));
  while (!done) {
    await b.db.query(VIDEO_STATE, [crypto.randomUUID()]);
    await Promise.race([finished.catch(() => {}), sleep(POLL_MS)]);
  }
  return finished;
}

async function removeVideo(b, id) {
  await b.check(b.ug.url, DELETE, { id }, b.tokens.user);
}

/** The two upload routes: what to send, and the video id in the answer. */
const routes = {
  graphql: {
    label: 'GraphQL multipart',
    job: (b, file, filename) => ({
      url: b.ug.url,
      headers: { authorization: `Bearer ${b.tokens.user}`, 'apollo-require-preflight': 'true' },
      parts: [
        { name: 'operations', value: JSON.stringify({ query: UPLOAD, variables: { file: null, name: 'bench upload', trimStart: 0, duration: 1 } }) },
        { name: 'map', value: JSON.stringify({ 0: ['variables.file'] }) },
        { name: '0', file, filename, type: 'video/x-matroska' },
      ],
    }),
    videoId(answer) {
      const body = JSON.parse(answer.body);
      if (answer.status !== 200 || body.errors || body.data?.uploadVideo?.status !== 'QUEUED')
        throw new Error(`upload refused: ${answer.status} ${answer.body.slice(0, 500)}`);
      return body.data.uploadVideo.id;
    },
  },
  rest000: {
    label: 'REST 000',
    // Seed 000's request: name, the file, then the trim fields after it.
    job: (b, file, filename) => ({
      url: `${baseUrl(b)}/api/v1/users/video`,
      headers: { authorization: `Bearer ${b.tokens.user}`, accept: 'application/vnd.api+json' },
      parts: [
        { name: 'name', value: 'bench upload' },
        { name: 'source_file', file, filename, type: 'video/x-matroska' },
        { name: 'trimming_start_time', value: '0' },
        { name: 'duration', value: '1' },
      ],
    }),
    videoId(answer) {
      const id = answer.status === 201 ? JSON.parse(answer.body).data?.id : undefined;
      if (!id) throw new Error(`upload refused: ${answer.status} ${answer.body.slice(0, 500)}`);
      return id;
    },
  },
};

/** One upload through `route`, with the gateway's RSS at rest before and its peak during. */
async function measuredUpload(b, route, file) {
  const pid = b.ug.child.pid;
  const before = await restingRss(pid);
  const sampler = sampleRss(pid, 20);
  const cpuBefore = cpuSeconds(pid);
  let answer;
  let rss;
  try {
    answer = await upload(route.job(b, file, path.basename(file)));
  } finally {
    rss = sampler.stop();
  }
  const cpuUsed = cpuSeconds(pid) - cpuBefore;
  const id = route.videoId(answer);
  // Its trim (1 s of the upload) runs before the next upload, then the files go.
  const job = await settled(b, id, 50);
  if (job.status !== 'READY') throw new Error(`the uploaded video ended ${job.status}: ${job.error}`);
  await removeVideo(b, id);
  return { before, rss, answer, cpuSeconds: cpuUsed };
}

const upload1GB = {
  id: 'upload',
  scenario: '1 GB video upload RSS growth',
  target: `<= ${RSS_LIMIT_MB} MB RSS growth`,
  available: (b) => needs(b, ['modules/videos/videos.service.js', 'rest/d000-rails-jsonapi/video.routes.js']),
  async run(b) {
    // Quick mode keeps the same path with a fifth of the bytes; the row names the size.
    const bytes = b.quick ? 200 * MB : 1000 * MB;
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'usergraph-bench-upload-'));
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    process.once('exit', cleanup);
    try {
      const t0 = Date.now();
      const [big, small] = await Promise.all([makeLargeVideo(path.join(dir, 'large.mkv'), bytes), makeLargeVideo(path.join(dir, 'warm-up.mkv'), 20 * MB)]);
      console.log(
        `  made a ${(big.size / MB).toFixed(0)} MB rawvideo 720p Matroska (${big.seconds.toFixed(1)} s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      const rows = [];
      for (const [name, route] of Object.entries(routes)) {
        // A small upload first, so that code paths loaded on first use are not counted as growth.
        await measuredUpload(b, route, small.file);
        const { before, rss, answer, cpuSeconds } = await measuredUpload(b, route, big.file);
        const growth = (rss.peak - before) / MB;
        const throughput = answer.bytes / MB / (answer.ms / 1000);
        console.log(
          `  ${route.label}: RSS ${(before / MB).toFixed(0)} -> ${(rss.peak / MB).toFixed(0)} MB (sampled peak ${(rss.sampledPeak / MB).toFixed(0)}, kernel peak ${rss.hwm === null ? 'n/a' : (rss.hwm / MB).toFixed(0)}); ` +
            `answered in ${(answer.ms / 1000).toFixed(1)} s (body sent in ${(answer.sentMs / 1000).toFixed(1)} s), gateway CPU ${cpuSeconds.toFixed(1)} s`,
        );
        rows.push({
          id: `upload-${name}`,
          scenario: `upload ${(big.size / MB).toFixed(0)} MB video, ${route.label}`,
          peer: `RSS +${growth.toFixed(1)} MB (${(before / MB).toFixed(0)} -> ${(rss.peak / MB).toFixed(0)}); ${throughput.toFixed(0)} MB/s, ${cpuSeconds.toFixed(1)} CPU s`,
          ratio: growth / RSS_LIMIT_MB,
          target: `<= ${RSS_LIMIT_MB} MB RSS growth`,
          met: growth <= RSS_LIMIT_MB,
          bytes: answer.bytes,
          rssBeforeBytes: before,
          rssPeakBytes: rss.peak,
          rssSampledPeakBytes: rss.sampledPeak,
          rssKernelPeakBytes: rss.hwm,
          rssSamples: rss.samples,
          growthMB: growth,
          uploadMs: answer.ms,
          bodySentMs: answer.sentMs,
          throughputMBps: throughput,
          gatewayCpuSeconds: cpuSeconds,
        });
      }
      return rows;
    } finally {
      process.removeListener('exit', cleanup);
      cleanup();
    }
  },
};

/** The gateway's ffmpeg for a trim (fluent-ffmpeg's first run in a process also runs `ffmpeg -formats` and `-encoders`). */
const watchTrimRun = (b) => watchChildRun(b.ug.child.pid, FFMPEG, (args) => args.includes('-i'));

/** Waits for the video to settle, then for the watcher to see ffmpeg gone (it polls every 5 ms). */
async function settledWith(b, id, watch) {
  const job = await settled(b, id);
  const ms = performance.now();
  await Promise.race([watch.run, sleep(100)]);
  watch.stop();
  return { job, settledAt: ms, ffmpeg: await watch.run };
}

/**
 * The gateway side: upload with the cut to `url`, time from the answer to
 * READY, and how much of that the gateway's ffmpeg ran (the rest is the
 * gateway's own work and waiting: pickup, spawning, storing, recording).
 */
async function gatewayTrim(b, url, source, cut) {
  const watch = watchTrimRun(b);
  const { id, answered } = await uploadForTrim(b, url, source, cut);
  const { job, settledAt, ffmpeg } = await settledWith(b, id, watch);
  const ms = settledAt - answered;
  if (job.status !== 'READY') throw new Error(`the trim ended ${job.status}: ${job.error}`);
  await removeVideo(b, id);
  return {
    ms,
    aroundFfmpegMs: ffmpeg?.ms == null ? null : ms - ffmpeg.ms,
    // Database clock: how long the job waited to be claimed, and claimed to done.
    pickupMs: job.started_at - job.created_at,
    jobMs: job.finished_at - job.started_at,
  };
}

async function uploadForTrim(b, url, source, cut) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: UPLOAD, variables: { file: null, name: 'bench trim', trimStart: cut.start, duration: cut.duration } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', await fs.openAsBlob(source, { type: 'video/mp4' }), 'source.mp4');
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${b.tokens.user}`, 'apollo-require-preflight': 'true' }, body: form });
  const body = await res.json();
  const answered = performance.now();
  const id = body.data?.uploadVideo?.id;
  if (!id) throw new Error(`trim upload refused: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
  return { id, answered };
}

/**
 * An untimed trim first (so one-off costs of a process's first job are not in
 * the figures), during which the gateway's ffmpeg command line is read from
 * /proc and compared with `trimArguments` for the same paths: proof that the
 * direct runs below are the same command.
 */
async function checkSameCommand(b, source, cut, trimArguments) {
  const watch = watchTrimRun(b);
  const { id } = await uploadForTrim(b, b.ug.url, source, cut);
  const { job, ffmpeg } = await settledWith(b, id, watch);
  await removeVideo(b, id);
  if (job.status !== 'READY') throw new Error(`the warm-up trim ended ${job.status}: ${job.error}`);
  if (!ffmpeg) throw new Error("did not see the gateway's ffmpeg process");
  const actual = ffmpeg.args;
  const pathAfter = (flag) => actual[actual.indexOf(flag) + 1].replace(/^file:/, '');
  const expected = trimArguments({
    input: pathAfter('-i'),
    output: actual.at(-1).replace(/^file:/, ''),
    start: cut.start,
    duration: cut.duration,
    preset: mediaEnv.VIDEO_FFMPEG_PRESET,
    timeoutSeconds: Number(mediaEnv.FFMPEG_TIMEOUT),
  });
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`the gateway ran ffmpeg ${actual.join(' ')}\nbut trimArguments gives ffmpeg ${expected.join(' ')}`);
  }
}

/**
 * `pairs` times: the gateway's trim (uploaded to `url`) and the same ffmpeg
 * command line run directly, back to back, alternating which goes first so
 * that drifting load hits both alike. Medians of each side.
 */
async function trimPairs(b, { url, label, source, plan, trimArguments, dir }) {
  const gateway = [];
  const direct = [];
  const runDirect = async (i) => {
    const output = path.join(dir, `direct-${i}.mp4`);
    const args = trimArguments({
      input: source,
      output,
      start: plan.start,
      duration: plan.duration,
      preset: mediaEnv.VIDEO_FFMPEG_PRESET,
      timeoutSeconds: Number(mediaEnv.FFMPEG_TIMEOUT),
    });
    // Watched and polled alongside exactly as the gateway's run is.
    const watch = watchChildRun(process.pid, FFMPEG, (a) => a.includes('-i'));
    direct.push(await pollingDuring(b, runTimed(FFMPEG, args)));
    watch.stop();
    await fsp.rm(output, { force: true });
  };
  const runGateway = async () => gateway.push(await gatewayTrim(b, url, source, plan));
  for (let i = 0; i < plan.pairs; i++) {
    if (i % 2 === 0) {
      await runGateway();
      await runDirect(i);
    } else {
      await runDirect(i);
      await runGateway();
    }
    const last = gateway.at(-1);
    console.log(
      `  ${label}, pair ${i + 1}: gateway ${(last.ms / 1000).toFixed(2)} s (claimed after ${last.pickupMs} ms, ${last.aroundFfmpegMs?.toFixed(0) ?? '?'} ms around ffmpeg), ffmpeg ${(direct.at(-1) / 1000).toFixed(2)} s`,
    );
  }
  const g = median(gateway.map((r) => r.ms));
  const d = median(direct);
  const pickup = median(gateway.map((r) => r.pickupMs));
  const around = gateway.every((r) => r.aroundFfmpegMs !== null) ? median(gateway.map((r) => r.aroundFfmpegMs)) : null;
  return {
    scenario: `trim ${plan.duration} s of ${plan.sourceSeconds} s 720p, ${label}`,
    peer: `${(g / 1000).toFixed(2)} s vs ffmpeg ${(d / 1000).toFixed(2)} s; ${around?.toFixed(0) ?? '?'} ms around ffmpeg, claimed after ${pickup} ms (medians of ${plan.pairs})`,
    ratio: g / d,
    target: '<= 1.2x',
    met: g / d <= 1.2,
    gatewayMs: gateway.map((r) => r.ms),
    aroundFfmpegMs: gateway.map((r) => r.aroundFfmpegMs),
    pickupMs: gateway.map((r) => r.pickupMs),
    jobMs: gateway.map((r) => r.jobMs),
    ffmpegMs: direct,
  };
}

const trim = {
  id: 'trim',
  scenario: 'trim wall time vs ffmpeg',
  target: '<= 1.2x',
  available: (b) => needs(b, ['modules/videos/videos.service.js', 'media/ffmpeg.js']),
  async run(b) {
    const { trimArguments } = await import(pathToFileURL(distFile(b, 'media/ffmpeg.js')).href);
    if (typeof trimArguments !== 'function')
      return [{ id: 'trim', scenario: this.scenario, target: this.target, unavailable: 'not available in this build (no trimArguments)' }];
    // Starts between keyframes (one every 10 s), so both sides decode from the previous one and drop frames.
    const plan = b.quick ? { sourceSeconds: 12, start: 4.3, duration: 3, pairs: 3 } : { sourceSeconds: 45, start: 12.3, duration: 10, pairs: 5 };
    const t0 = Date.now();
    const source = await trimSource(plan.sourceSeconds);
    console.log(`  source ${source} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'usergraph-bench-trim-'));
    try {
      await checkSameCommand(b, source, { start: plan.start, duration: 1 }, trimArguments);
      const common = { source, plan, trimArguments, dir };
      const same = await trimPairs(b, { ...common, url: b.ug.url, label: "uploaded to the worker's replica" });
      // The counting instance shares the database and DATA_DIR and runs no workers (VIDEO_WORKERS=0):
      // a serve-only replica, whose uploads another replica's worker must notice.
      const other = await trimPairs(b, { ...common, url: b.count.ug, label: 'uploaded to a serve-only replica', plan: { ...plan, pairs: b.quick ? 2 : 5 } });
      return [
        { id: 'trim', ...same },
        { id: 'trim-other-replica', ...other },
      ];
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  },
};

export default [upload1GB, trim];
