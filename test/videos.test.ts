// Video uploads over GraphQL multipart, trimming by the background workers,
// downloads with Range, limits and bad inputs (nothing stored), access rules,
// and jobs that survive a restart or a crash of the gateway.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeleteVideoDocument, UploadVideoDocument, VideoDocument, VideosDocument, type VideoFieldsFragment } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { expectCode, onlyError, signInAsAdmin, signUp, dataOf } from './support/fixtures';
import {
  killOrphanedFfmpeg,
  makeBusyVideo,
  makeVideo,
  measureClip,
  multipart,
  partialUpload,
  scratchDir,
  spoolFiles,
  storedFiles,
  until,
  type UploadFile,
} from './support/media';
import { print } from 'graphql';

let server: TestServer;
let dir: string;
let clip: UploadFile;
let owner: { token: string; id: string };
let other: { token: string; id: string };
let admin: { token: string; id: string };

async function session(promise: ReturnType<typeof signUp>) {
  const auth = await promise;
  return { token: auth.accessToken, id: auth.user.id };
}

beforeAll(async () => {
  dir = await scratchDir();
  [server, clip] = await Promise.all([
    startTestServer({ VIDEO_MAX_BYTES: '1000000' }),
    makeVideo(dir, 'clip.mp4').then(async (file) => ({ data: await fs.readFile(file), filename: 'holiday "clip"; rm -rf.mp4', type: 'video/mp4' })),
  ]);
  [owner, other, admin] = await Promise.all([session(signUp(server)), session(signUp(server)), session(signInAsAdmin(server))]);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

function upload(token: string | null, variables: { name?: string; trimStart?: number | null; duration?: number | null }, file: UploadFile = clip, on = server) {
  return multipart(on, UploadVideoDocument, { file: null, name: 'A clip', ...variables }, { file }, { token });
}

async function waitForVideo(id: string, token: string, statuses = ['READY', 'FAILED'], on = server): Promise<VideoFieldsFragment> {
  let last: unknown = null;
  try {
    return await until(`video ${id} in ${statuses.join(',')}`, async () => {
      const result = await on.gql(VideoDocument, { id }, { token });
      const video = result.data?.video;
      last = video ? { status: video.status, trimRequest: video.trimRequest } : result.errors;
      return video && statuses.includes(video.status) ? video : null;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`, { cause: error });
  }
}

function download(url: string, token: string | null, range?: string) {
  return fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(range ? { range } : {}) } });
}

async function downloadTo(file: string, url: string, token: string): Promise<void> {
  // Fetched in two Range requests, as a player would, and joined.
  const head = await download(url, token, 'bytes=0-999');
  expect(head.status).toBe(206);
  const total = Number(/\/(\d+)$/.exec(head.headers.get('content-range')!)![1]);
  const rest = await download(url, token, 'bytes=1000-');
  expect(rest.status).toBe(206);
  expect(rest.headers.get('content-range')).toBe(`bytes 1000-${total - 1}/${total}`);
  await fs.writeFile(file, Buffer.concat([Buffer.from(await head.arrayBuffer()), Buffer.from(await rest.arrayBuffer())]));
}

describe('uploadVideo over GraphQL multipart', () => {
  it('answers at once with a QUEUED video, which becomes READY and cuts where asked (trimStart 1, duration 2)', async () => {
    const result = await upload(owner.token, { name: '  Holiday  ', trimStart: 1, duration: 2 });
    expect(result.errors).toBeUndefined();
    const queued = dataOf(result).uploadVideo;
    expect(queued).toMatchObject({
      name: 'Holiday',
      status: expect.stringMatching(/^(QUEUED|PROCESSING)$/),
      trimStart: 1,
      duration: 2,
      url: null,
      error: null,
      owner: { id: owner.id },
      trimRequest: { trimStart: 1, duration: 2, sourceDuration: expect.closeTo(5, 1), error: null },
    });
    const ready = await waitForVideo(queued.id, owner.token);
    expect(ready).toMatchObject({ status: 'READY', url: `${server.url.replace('127.0.0.1', 'localhost')}/media/videos/${queued.id}`, error: null });
    expect(ready.trimRequest).toMatchObject({ status: 'READY', attempts: 1, startedAt: expect.any(String), finishedAt: expect.any(String) });

    const out = path.join(dir, 'out-1-2.mp4');
    await downloadTo(out, ready.url!.replace('localhost', '127.0.0.1'), owner.token);
    const measured = await measureClip(out);
    console.log(
      `trim accuracy (trimStart 1, duration 2): first frame from ${measured.firstFrameAt.toFixed(3)} s, duration ${measured.duration.toFixed(3)} s, ${measured.frames} frames`,
    );
    expect(measured.videoCodec).toBe('h264');
    expect(Math.abs(measured.firstFrameAt - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(measured.duration - 2)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(measured.lastFrameAt - (1 + 2 - 0.04))).toBeLessThanOrEqual(0.1);
    // The stored files have server-made names: nothing of the client's filename.
    expect(await storedFiles(server, `videos/${queued.id}`)).toEqual([`videos/${queued.id}/source`, `videos/${queued.id}/trimmed.mp4`]);
  });

  it('stores the file byte for byte when it trickles in, so that storage reads the spool while it is still being written', async () => {
    const data = await fs.readFile(await makeBusyVideo(dir, 'trickle.mp4', 2));
    expect(data.length).toBeGreaterThan(4 * 64 * 1024); // several spool reads
    const result = await multipart(
      server,
      UploadVideoDocument,
      { file: null, name: 'Trickle' },
      { file: { data, filename: 'trickle.mp4' } },
      { token: other.token, pieces: { bytes: 8192, pauseMs: 5 } },
    );
    expect(result.errors).toBeUndefined();
    const { id } = dataOf(result).uploadVideo;
    expect((await fs.readFile(path.join(server.dataDir, 'media', 'videos', id, 'source'))).equals(data)).toBe(true);
    await waitForVideo(id, other.token);
    await server.gql(DeleteVideoDocument, { id }, { token: other.token });
  });

  it('cuts between keyframes accurately too (trimStart 1.3, duration 2.2), and clamps an end past the source', async () => {
    const between = dataOf(await upload(owner.token, { trimStart: 1.3, duration: 2.2 })).uploadVideo;
    const clamped = dataOf(await upload(owner.token, { trimStart: 3.5, duration: 10 })).uploadVideo;
    expect(clamped.duration).toBeCloseTo(1.5, 1);
    for (const [video, start, duration] of [
      [between, 1.3, 2.2],
      [clamped, 3.5, clamped.duration],
    ] as const) {
      const ready = await waitForVideo(video.id, owner.token);
      expect(ready.status).toBe('READY');
      const out = path.join(dir, `out-${video.id}.mp4`);
      await downloadTo(out, ready.url!.replace('localhost', '127.0.0.1'), owner.token);
      const measured = await measureClip(out);
      console.log(
        `trim accuracy (trimStart ${start}, duration ${duration.toFixed(3)}): first frame from ${measured.firstFrameAt.toFixed(3)} s, duration ${measured.duration.toFixed(3)} s`,
      );
      expect(Math.abs(measured.firstFrameAt - start)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(measured.duration - duration)).toBeLessThanOrEqual(0.1);
    }
  });

  it('defaults to the whole video when trimStart and duration are left out', async () => {
    const video = dataOf(await upload(owner.token, { trimStart: null, duration: null })).uploadVideo;
    expect(video.trimStart).toBe(0);
    expect(video.duration).toBeCloseTo(5, 1);
    expect((await waitForVideo(video.id, owner.token)).status).toBe('READY');
  });

  it('refuses anonymous uploads, storing nothing', async () => {
    const before = await storedFiles(server);
    const result = await upload(null, {});
    expectCode(result, 'UNAUTHENTICATED');
    expect(await storedFiles(server)).toEqual(before);
  });
});

describe('bad uploads are rejected with BAD_USER_INPUT and nothing stored', () => {
  let before: string[];
  beforeEach(async () => {
    before = await storedFiles(server);
  });
  afterEach(async () => {
    expect(await storedFiles(server)).toEqual(before);
  });

  it('a file that is not a video', async () => {
    const result = await upload(owner.token, {}, { data: Buffer.from('just some text, not a video\n'.repeat(100)), filename: 'notes.mp4', type: 'video/mp4' });
    expect(onlyError(result)).toMatchObject({
      message: 'The file is not a video that can be read (unknown format or damaged file).',
      extensions: {
        code: 'BAD_USER_INPUT',
        fields: [{ field: 'file', message: 'The file is not a video that can be read (unknown format or damaged file).' }],
      },
    });
  });

  it('an image passed off as a video', async () => {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6364f8ffbf1e000502027f3b6d0d5a0000000049454e44ae426082',
      'hex',
    );
    const result = await upload(owner.token, {}, { data: png, filename: 'x.mp4' });
    expect(onlyError(result).extensions?.fields).toEqual([{ field: 'file', message: expect.stringMatching(/not a video|no video stream/) }]);
  });

  it.each([
    ['an HLS playlist', (secret: string) => `#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5.0,\nfile:${secret}\n#EXT-X-ENDLIST\n`, 'evil.m3u8'],
    ['an ffconcat list', (secret: string) => `ffconcat version 1.0\nfile ${secret}\n`, 'evil.txt'],
  ])('%s posing as a video, naming another file, never makes ffmpeg read it', async (_kind, playlist, filename) => {
    // A real video elsewhere on disk: if ffmpeg followed the list, the upload would "succeed" with its content.
    const secret = await makeVideo(dir, `secret-${filename}.ts`);
    const result = await upload(owner.token, {}, { data: Buffer.from(playlist(secret)), filename });
    expectCode(result, 'BAD_USER_INPUT');
    expect(onlyError(result).extensions?.fields).toEqual([{ field: 'file', message: expect.stringMatching(/not a video/) }]);
  });

  it('a truncated video', async () => {
    const whole = await fs.readFile(await makeVideo(dir, 'whole.mp4', { moovAtEnd: true }));
    const result = await upload(owner.token, {}, { data: whole.subarray(0, Math.floor(whole.length / 2)), filename: 'cut.mp4' });
    expectCode(result, 'BAD_USER_INPUT');
    expect(onlyError(result).extensions?.fields?.[0].field).toBe('file');
  });

  it('a start past the end of the video', async () => {
    const result = await upload(owner.token, { trimStart: 7, duration: 1 });
    expect(onlyError(result)).toMatchObject({
      message: 'trimStart (7 s) must be before the end of the video (5 s).',
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'trimStart', message: 'trimStart (7 s) must be before the end of the video (5 s).' }] },
    });
  });

  it('a negative start, a zero duration and an empty name, all at once', async () => {
    const result = await upload(owner.token, { name: ' ', trimStart: -1, duration: 0 });
    expect(onlyError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [
        { field: 'name', message: 'Name the video.' },
        { field: 'trimStart', message: 'trimStart must be 0 or more seconds.' },
        { field: 'duration', message: 'duration must be more than 0 seconds.' },
      ],
    });
  });

  it('a duration too short to hold a frame (1e-300), naming the field', async () => {
    const result = await upload(owner.token, { duration: 1e-300 });
    expect(onlyError(result)).toMatchObject({
      message: 'duration must be at least 0.1 seconds.',
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'duration', message: 'duration must be at least 0.1 seconds.' }] },
    });
  });

  it('an empty file', async () => {
    const result = await upload(owner.token, {}, { data: Buffer.alloc(0), filename: 'empty.mp4' });
    expect(onlyError(result).extensions?.fields).toEqual([{ field: 'file', message: 'The file is empty.' }]);
  });
});

describe('HTTP limits', () => {
  it('answers 413 with a JSON error for a file over VIDEO_MAX_BYTES, storing nothing', async () => {
    const before = await storedFiles(server);
    const big = Buffer.alloc(1_500_000, 7);
    const result = await upload(owner.token, {}, { data: big, filename: 'big.mp4' });
    expect(result.status).toBe(413);
    expect(onlyError(result)).toMatchObject({
      message: 'The file is larger than the 1 MB limit.',
      extensions: { code: 'PAYLOAD_TOO_LARGE', fields: [{ field: 'file', message: 'The file is larger than the 1 MB limit.' }] },
    });
    expect(await storedFiles(server)).toEqual(before);
    expect(dataOf(await server.gql(VideosDocument, {}, { token: owner.token })).videos.items.every((v) => v.status !== 'QUEUED')).toBe(true);
  });

  it('answers 413 for more files than UPLOAD_MAX_FILES', async () => {
    const result = await multipart(server, UploadVideoDocument, { file: null, name: 'x' }, { file: clip }, { token: owner.token, extraFiles: 1 });
    expect(result.status).toBe(413);
    expect(onlyError(result)).toEqual({ message: 'Send at most 1 file per request.', extensions: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it("keeps Apollo's CSRF prevention: a multipart request without apollo-require-preflight is refused", async () => {
    const before = await storedFiles(server);
    const result = await multipart(server, UploadVideoDocument, { file: null, name: 'x' }, { file: clip }, { token: owner.token, preflight: false });
    expect(result.status).toBe(400);
    expect(onlyError(result).message).toMatch(/Cross-Site Request Forgery/);
    expect(result.data).toBeUndefined();
    expect(await storedFiles(server)).toEqual(before);
  });
});

describe('reading, listing, downloading and deleting: owner, another user, admin, anonymous', () => {
  let video: VideoFieldsFragment;
  beforeAll(async () => {
    const created = dataOf(await upload(owner.token, { name: 'Private', trimStart: 0.5, duration: 1 })).uploadVideo;
    video = await waitForVideo(created.id, owner.token);
  });
  const urlOf = () => video.url!.replace('localhost', '127.0.0.1');

  it('video(id): the owner and admins see it; another user gets NOT_FOUND; anonymous UNAUTHENTICATED', async () => {
    expect(dataOf(await server.gql(VideoDocument, { id: video.id }, { token: owner.token })).video!.id).toBe(video.id);
    expect(dataOf(await server.gql(VideoDocument, { id: video.id }, { token: admin.token })).video!.owner.id).toBe(owner.id);
    const stranger = await server.gql(VideoDocument, { id: video.id }, { token: other.token });
    expect(onlyError(stranger)).toMatchObject({ message: 'Video was not found.', extensions: { code: 'NOT_FOUND' } });
    expectCode(await server.gql(VideoDocument, { id: video.id }), 'UNAUTHENTICATED');
    expectCode(await server.gql(VideoDocument, { id: 'not-a-uuid' }, { token: owner.token }), 'NOT_FOUND');
  });

  it("videos: your own, paginated; admins may list anyone's; others may not", async () => {
    const mine = dataOf(await server.gql(VideosDocument, { pageSize: 2 }, { token: owner.token })).videos;
    expect(mine.total).toBeGreaterThanOrEqual(5);
    expect(mine).toMatchObject({ page: 1, pageSize: 2, pageCount: Math.ceil(mine.total / 2) });
    expect(mine.items[0].id).toBe(video.id);
    expect(dataOf(await server.gql(VideosDocument, {}, { token: other.token })).videos).toMatchObject({ total: 0, items: [] });
    expect(dataOf(await server.gql(VideosDocument, { userId: owner.id }, { token: admin.token })).videos.total).toBe(mine.total);
    const forbidden = await server.gql(VideosDocument, { userId: owner.id }, { token: other.token });
    expect(onlyError(forbidden)).toMatchObject({ message: "Only admins may list another user's videos.", extensions: { code: 'FORBIDDEN' } });
    expectCode(await server.gql(VideosDocument, { pageSize: 0 }, { token: owner.token }), 'BAD_USER_INPUT');
    expectCode(await server.gql(VideosDocument, {}), 'UNAUTHENTICATED');
  });

  it('the download route: owner and admin 200, another user 404, anonymous 401', async () => {
    const full = await download(urlOf(), owner.token);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/mp4');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(Number(full.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
    expect((await download(urlOf(), admin.token)).status).toBe(200);
    const stranger = await download(urlOf(), other.token);
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Video was not found.' } });
    const anonymous = await download(urlOf(), null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await anonymous.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('Range requests: 206 with Content-Range for first, middle, open-ended and suffix ranges; 416 beyond the end', async () => {
    const whole = Buffer.from(await (await download(urlOf(), owner.token)).arrayBuffer());
    const size = whole.length;
    for (const [range, start, end] of [
      ['bytes=0-0', 0, 0],
      ['bytes=10-109', 10, 109],
      [`bytes=${size - 50}-`, size - 50, size - 1],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=100-${size + 1000}`, 100, size - 1],
    ] as const) {
      const response = await download(urlOf(), owner.token, range);
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(response.headers.get('content-length')).toBe(String(end - start + 1));
      expect(Buffer.from(await response.arrayBuffer()).equals(whole.subarray(start, end + 1))).toBe(true);
    }
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0', 'bytes=50-10']) {
      const response = await download(urlOf(), owner.token, range);
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
      expect((await response.json()).error.code).toBe('RANGE_NOT_SATISFIABLE');
    }
    // Other units or several ranges: the whole file (a server may ignore Range).
    expect((await download(urlOf(), owner.token, 'items=0-1')).status).toBe(200);
    expect((await download(urlOf(), owner.token, 'bytes=0-1,5-6')).status).toBe(200);
  });

  it('deleteVideo: another user gets NOT_FOUND; the owner deletes it and its files', async () => {
    expectCode(await server.gql(DeleteVideoDocument, { id: video.id }, { token: other.token }), 'NOT_FOUND');
    expect(await storedFiles(server, `videos/${video.id}`)).toHaveLength(2);
    const deleted = await server.gql(DeleteVideoDocument, { id: video.id }, { token: owner.token });
    expect(dataOf(deleted).deleteVideo).toBe(true);
    expect(await storedFiles(server, `videos/${video.id}`)).toEqual([]);
    await expect(fs.stat(path.join(server.dataDir, 'media', 'videos', video.id))).rejects.toThrow(/ENOENT/);
    expectCode(await server.gql(VideoDocument, { id: video.id }, { token: owner.token }), 'NOT_FOUND');
    expect((await download(urlOf(), owner.token)).status).toBe(404);
    expectCode(await server.gql(DeleteVideoDocument, { id: video.id }, { token: owner.token }), 'NOT_FOUND');
  });

  it("an admin may delete anyone's video", async () => {
    const created = dataOf(await upload(owner.token, { duration: 1 })).uploadVideo;
    expect(dataOf(await server.gql(DeleteVideoDocument, { id: created.id }, { token: admin.token })).deleteVideo).toBe(true);
    expect(await storedFiles(server, `videos/${created.id}`)).toEqual([]);
  });
});

describe('durability: jobs live in the database and survive restarts and crashes', () => {
  it('finishes a job interrupted by a shutdown and by a crash; retries a failing job 3 times, then FAILED', async () => {
    // Long enough that a veryslow encode outlasts the test's polling and restarts even on an idle machine.
    const busy = { data: await fs.readFile(await makeBusyVideo(dir, 'busy.mp4', 16)), filename: 'busy.mp4' };
    // 1. A gateway without workers: uploads queue up, up to the per-user limit.
    // The same JWT secret throughout, so the user's token stays valid across the gateways.
    const JWT_SECRET = 'durability-test-secret-of-at-least-32-bytes';
    const first = await startTestServer({ JWT_SECRET, VIDEO_WORKERS: '0', VIDEO_MAX_QUEUED_PER_USER: '2' });
    let current = first;
    try {
      const user = await session(signUp(first));
      const long = dataOf(await upload(user.token, { name: 'long', trimStart: 1, duration: 12 }, busy, first)).uploadVideo;
      const broken = dataOf(await upload(user.token, { name: 'broken' }, clip, first)).uploadVideo;
      const before = await storedFiles(first);
      const third = await upload(user.token, { name: 'third' }, clip, first);
      expect(onlyError(third)).toMatchObject({
        message: 'You already have 2 videos waiting to be processed (the limit is 2); upload more once they are done.',
        extensions: { code: 'RATE_LIMITED' },
      });
      expect(await storedFiles(first)).toEqual(before);
      // Damage one source behind the server's back: its job will fail every attempt.
      await fs.writeFile(path.join(first.dataDir, 'media', 'videos', broken.id, 'source'), 'garbage');
      await first.stop({ keepData: true });

      // 2. A slow gateway picks up the long job; it is stopped (SIGTERM) mid-job and hands the job back.
      current = await startTestServer({ JWT_SECRET, VIDEO_FFMPEG_PRESET: 'veryslow' }, { reuse: first });
      await waitForVideo(long.id, user.token, ['PROCESSING'], current);
      await current.stop({ keepData: true });

      // 3. Another slow one with a short lease is killed (SIGKILL) mid-job: the lease will expire.
      // The job was handed back, not finished: an abort right after ffmpeg was asked to start must still stop it.
      expect(current.logs()).toMatch(/trim interrupted by shutdown; job released/);
      current = await startTestServer({ JWT_SECRET, VIDEO_FFMPEG_PRESET: 'veryslow', VIDEO_LEASE_SECONDS: '2' }, { reuse: first });
      const claimed = await waitForVideo(long.id, user.token, ['PROCESSING'], current);
      expect(claimed.trimRequest.attempts).toBe(1); // the attempt cut short by the shutdown did not count
      await current.stop({ keepData: true, signal: 'SIGKILL' });
      await killOrphanedFfmpeg(first.dataDir); // its veryslow ffmpeg would otherwise run on, eating CPU

      // 4. A normal gateway on the same data finishes the long job and gives up on the broken one.
      current = await startTestServer({ JWT_SECRET, VIDEO_RETRY_DELAY_MS: '100' }, { reuse: first });
      const done = await waitForVideo(long.id, user.token, ['READY', 'FAILED'], current);
      expect(done.status).toBe('READY');
      expect(done.trimRequest.attempts).toBe(2);
      const out = path.join(dir, 'out-restarted.mp4');
      await downloadTo(out, `${current.url}/media/videos/${long.id}`, user.token);
      const measured = await measureClip(out);
      expect(Math.abs(measured.duration - 12)).toBeLessThanOrEqual(0.1);

      const failed = await waitForVideo(broken.id, user.token, ['READY', 'FAILED'], current);
      expect(failed).toMatchObject({
        status: 'FAILED',
        url: null,
        error: 'The video could not be processed after 3 attempts; the file may be damaged or use an unsupported codec.',
        trimRequest: { status: 'FAILED', attempts: 3 },
      });
      // No partial output anywhere: only the two sources and the finished clip.
      expect(await storedFiles(current)).toEqual([`videos/${broken.id}/source`, `videos/${long.id}/source`, `videos/${long.id}/trimmed.mp4`].sort());
    } finally {
      await current.stop();
    }
  }, 300_000);
});

describe('the per-user queue limit (VIDEO_MAX_QUEUED_PER_USER 5) under concurrency', () => {
  it('accepts exactly 5 of 20 concurrent uploads, refuses the rest with RATE_LIMITED, and keeps no file of the refused ones', async () => {
    // No workers, so nothing leaves the queue while the uploads race.
    const racing = await startTestServer({ VIDEO_WORKERS: '0' });
    try {
      const user = await session(signUp(racing));
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => upload(user.token, { name: `race ${i}` }, clip, racing)));
      const accepted = results.filter((r) => r.data?.uploadVideo).map((r) => dataOf(r).uploadVideo.id);
      const refused = results.filter((r) => !r.data?.uploadVideo);
      expect(accepted).toHaveLength(5);
      for (const result of refused) {
        expect(onlyError(result)).toMatchObject({
          message: 'You already have 5 videos waiting to be processed (the limit is 5); upload more once they are done.',
          extensions: { code: 'RATE_LIMITED' },
        });
      }
      expect(dataOf(await racing.gql(VideosDocument, {}, { token: user.token })).videos.total).toBe(5);
      expect(await storedFiles(racing)).toEqual(accepted.map((id) => `videos/${id}/source`).sort());
      await until('the spool to empty', async () => (await spoolFiles(racing)).length === 0, 10_000);
    } finally {
      await racing.stop();
    }
  }, 120_000);
});

describe('the upload spool (DATA_DIR/spool)', () => {
  const operations = () => JSON.stringify({ query: print(UploadVideoDocument), variables: { file: null, name: 'cut short' } });
  const startUpload = (on: TestServer, token: string) =>
    partialUpload(
      `${on.url}/graphql`,
      [
        ['operations', operations()],
        ['map', JSON.stringify({ 0: ['variables.file'] })],
      ],
      { field: '0', filename: 'clip.mp4', data: clip.data },
      20_000,
      {
        authorization: `Bearer ${token}`,
        'apollo-require-preflight': 'true',
      },
    );

  it('is emptied when a client aborts its upload mid-body, and nothing is stored', async () => {
    const before = await storedFiles(server);
    const inFlight = startUpload(server, owner.token);
    await until('the upload to be spooled', async () => (await spoolFiles(server)).length > 0, 10_000);
    inFlight.abort();
    await until('the spool to empty', async () => (await spoolFiles(server)).length === 0, 10_000);
    expect(await storedFiles(server)).toEqual(before);
  });

  it('loses the file of an upload cut short by kill -9 at the next start-up', async () => {
    const JWT_SECRET = 'spool-test-secret-of-at-least-32-bytes!!';
    const first = await startTestServer({ JWT_SECRET, VIDEO_WORKERS: '0' });
    let current = first;
    try {
      const user = await session(signUp(first));
      startUpload(first, user.token);
      await until('the upload to be spooled', async () => (await spoolFiles(first)).length > 0, 10_000);
      await first.stop({ keepData: true, signal: 'SIGKILL' });
      expect(await spoolFiles(first)).toHaveLength(1); // the crash left it
      current = await startTestServer({ JWT_SECRET, VIDEO_WORKERS: '0' }, { reuse: first });
      expect(await spoolFiles(current)).toEqual([]);
    } finally {
      await current.stop();
    }
  }, 120_000);
});
