// The REST upload routes: seed 000's POST /api/v1/users/video and seed 001's
// avatar_attributes in PUT /v1/user, streamed as multipart into the same
// uploadVideo / uploadAvatar mutations as /graphql.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { MeDocument, VideoDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { railsForm, rest } from './support/rest';
import { FFMPEG, makeImage, makeVideo, partialUpload, scratchDir, spoolFiles, storedFiles, until } from './support/media';
import { signUp, dataOf } from './support/fixtures';

let server: TestServer;
let dir: string;
let clip: Buffer;
let png: Buffer;
let token: string;
beforeAll(async () => {
  [server, dir] = await Promise.all([startTestServer({ VIDEO_MAX_BYTES: '200000', AVATAR_MAX_BYTES: '50000', BODY_LIMIT: '4096' }), scratchDir()]);
  clip = await fs.readFile(await makeVideo(dir, 'short_video.mp4', { seconds: 4 }));
  png = await makeImage(dir, 'logo.png', '32x32');
  token = (await signUp(server)).accessToken;
});
afterAll(async () => {
  await server.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

type Part = string | { data: Buffer; filename: string; type: string };

/** A multipart form with its parts in the given order, as a browser or Rails client sends it. */
function form(parts: Array<[string, Part]>): FormData {
  const body = new FormData();
  for (const [name, part] of parts) {
    if (typeof part === 'string') body.append(name, part);
    else body.append(name, new Blob([new Uint8Array(part.data)], { type: part.type }), part.filename);
  }
  return body;
}

async function send(method: string, path: string, body: FormData | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), json: text ? JSON.parse(text) : undefined };
}

const ACCEPT = 'text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5';
const video = (data = clip) => ({ data, filename: 'short_video.mp4', type: 'video/mp4' });
/** The seed's request: name, source_file, then the trim fields after the file. */
const seedParts = (overrides: Record<string, Part | undefined> = {}): Array<[string, Part]> =>
  Object.entries({ name: 'test video', source_file: video(), trimming_start_time: '1', duration: '2', ...overrides }).filter(
    (e): e is [string, Part] => e[1] !== undefined,
  );
const postVideo = (parts: Array<[string, Part]>, bearer: string | null = token) =>
  send('POST', '/api/v1/users/video', form(parts), { Accept: ACCEPT, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) });
const jsonApiError = (status: number, title: string, detail: unknown, pointer?: string) => ({
  errors: [{ status: String(status), title, detail, ...(pointer ? { source: { pointer } } : {}) }],
  jsonapi: { version: '1.0' },
});

describe('POST /api/v1/users/video (seed 000)', () => {
  it('answers the seed’s 201 videos resource at once, and the video becomes READY trimmed as asked', async () => {
    const response = await postVideo(seedParts());
    expect(response.status).toBe(201);
    expect(response.type).toBe('application/vnd.api+json');
    expect(response.json).toEqual({
      data: {
        id: expect.stringMatching(/^\S+$/),
        type: 'videos',
        attributes: { name: 'test video' },
        relationships: { user: { meta: { included: false } }, request: { meta: { included: false } } },
      },
      jsonapi: { version: '1.0' },
    });
    const ready = await until('video READY', async () => {
      const v = (await server.gql(VideoDocument, { id: response.json.data.id }, { token })).data?.video;
      return v?.status === 'READY' || v?.status === 'FAILED' ? v : undefined;
    });
    expect(ready).toMatchObject({ status: 'READY', name: 'test video', trimStart: 1, duration: 2 });
  });

  it('refuses a request without a valid Bearer token with 401, storing nothing', async () => {
    const before = await storedFiles(server, 'videos');
    const response = await postVideo(seedParts(), null);
    expect(response.status).toBe(401);
    expect(response.json).toEqual(jsonApiError(401, 'Unauthorized', expect.any(String)));
    expect((await postVideo(seedParts(), 'not-a-token')).status).toBe(401);
    expect(await storedFiles(server, 'videos')).toEqual(before);
  });

  it.each([
    ['a missing name', { name: undefined }, 'Missing parameter name', '/data/attributes/name'],
    ['a missing source_file', { source_file: undefined }, 'Missing parameter source_file', '/data/attributes/source_file'],
    ['a string for source_file', { source_file: 'short_video.mp4' }, 'Invalid parameter source_file: must be a file', '/data/attributes/source_file'],
    [
      'a non-numeric trimming_start_time',
      { trimming_start_time: 'one' },
      'Invalid parameter trimming_start_time: must be a number of seconds',
      '/data/attributes/trimming_start_time',
    ],
    ['a negative duration', { duration: '-2' }, 'Invalid parameter duration: must be a number of seconds', '/data/attributes/duration'],
    ['a duration too short to hold a frame', { duration: '0.000001' }, 'duration must be at least 0.1 seconds.', '/data/attributes/duration'],
    [
      'a start past the end',
      { trimming_start_time: '10' },
      expect.stringMatching(/must be before the end of the video/),
      '/data/attributes/trimming_start_time',
    ],
    [
      'a file that is not a video',
      { source_file: { data: Buffer.from('not a video at all'), filename: 'short_video.mp4', type: 'video/mp4' } },
      expect.any(String),
      '/data/attributes/source_file',
    ],
    ['an unknown field', { colour: 'red' }, 'Unknown parameter colour', '/data/attributes/colour'],
  ])('answers %s with 422 and a source pointer, storing nothing', async (_case, overrides, detail, pointer) => {
    const before = await storedFiles(server, 'videos');
    const response = await postVideo(seedParts(overrides));
    expect(response.status).toBe(422);
    expect(response.json).toEqual(jsonApiError(422, 'Unprocessable Entity', detail, pointer));
    expect(await storedFiles(server, 'videos')).toEqual(before);
  });

  it('answers an over-size file and a second file with 413, storing nothing', async () => {
    const before = await storedFiles(server, 'videos');
    const big = await postVideo(seedParts({ source_file: video(Buffer.concat([clip, Buffer.alloc(200_001 - clip.length)])) }));
    expect(big.status).toBe(413);
    expect(big.json).toEqual(jsonApiError(413, 'Payload Too Large', 'The file source_file is larger than 200000 bytes.'));
    const two = await postVideo([...seedParts(), ['other_file', video()]]);
    expect(two.status).toBe(413);
    expect(two.json).toEqual(jsonApiError(413, 'Payload Too Large', 'Send at most 1 file per request.'));
    expect(await storedFiles(server, 'videos')).toEqual(before);
  });

  it('empties the upload spool when the client aborts mid-body, storing nothing', async () => {
    const before = await storedFiles(server);
    const inFlight = partialUpload(
      `${server.url}/api/v1/users/video`,
      [['name', 'cut short']],
      { field: 'source_file', filename: 'short_video.mp4', data: clip },
      20_000,
      {
        Accept: ACCEPT,
        Authorization: `Bearer ${token}`,
      },
    );
    await until('the upload to be spooled', async () => (await spoolFiles(server)).length > 0, 10_000);
    inFlight.abort();
    await until('the spool to empty', async () => (await spoolFiles(server)).length === 0, 10_000);
    expect(await storedFiles(server)).toEqual(before);
  });

  it('answers a multipart body without a boundary with 400 and multipart to another route with 415', async () => {
    const broken = await send('POST', '/api/v1/users/video', '--x\r\n', { 'Content-Type': 'multipart/form-data', Authorization: `Bearer ${token}` });
    expect(broken.status).toBe(400);
    const elsewhere = await send(
      'POST',
      '/api/v1/users/session',
      form([
        ['email', 'a@example.com'],
        ['password', 'x'],
      ]),
    );
    expect(elsewhere.status).toBe(415);
  });
});

describe('PUT /v1/user avatar_attributes (seed 001)', () => {
  const AVATAR = 'user[profile_attributes][avatar_attributes]';
  async function profileId(bearer: string) {
    return (await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${bearer}` } })).json.user.profile.id as number;
  }

  it('takes a multipart file and answers the user with its avatar_url, served as the same bytes', async () => {
    const user = await signUp(server);
    const response = await send(
      'PUT',
      '/v1/user',
      form([
        ['user[email]', user.user.email!],
        ['user[profile_attributes][id]', String(await profileId(user.accessToken))],
        ['user[profile_attributes][first_name]', 'Pat'],
        [`${AVATAR}[file]`, { data: png, filename: 'logo.png', type: 'image/png' }],
      ]),
      { Authorization: `Bearer ${user.accessToken}` },
    );
    expect(response.status).toBe(200);
    expect(response.json.user.profile).toMatchObject({ first_name: 'Pat', avatar_url: expect.stringMatching(/\/media\/avatars\/\S+\.png$/) });
    const served = await fetch(response.json.user.profile.avatar_url.replace(/^https?:\/\/[^/]+/, server.url));
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  });

  it('takes base64 in a form body larger than BODY_LIMIT (up to the avatar limit)', async () => {
    const user = await signUp(server);
    // Noise does not compress: about 6 KB of PNG, 8.6 KB in base64.
    const noisy = path.join(dir, 'noise.png');
    await promisify(execFile)(FFMPEG, [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      "nullsrc=s=64x64,geq=lum='random(1)*255':cb=128:cr=128",
      '-frames:v',
      '1',
      noisy,
    ]);
    const base64 = `data:image/png;base64,${(await fs.readFile(noisy)).toString('base64')}`;
    expect(base64.length).toBeGreaterThan(4096);
    const body = railsForm({ user: { email: user.user.email, profile_attributes: { id: await profileId(user.accessToken), avatar_attributes: { base64 } } } });
    const response = await send('PUT', '/v1/user', body, { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${user.accessToken}` });
    expect(response.status).toBe(200);
    expect(response.json.user.profile.avatar_url).toMatch(/\/media\/avatars\/\S+\.png$/);
  });

  it.each([
    [
      'both file and base64',
      (id: number) => [
        [`${AVATAR}[file]`, { data: png, filename: 'a.png', type: 'image/png' }],
        [`${AVATAR}[base64]`, 'abc'],
        ['user[profile_attributes][id]', String(id)],
      ],
      400,
    ],
    [
      'a string as the file',
      (id: number) => [
        [`${AVATAR}[file]`, 'logo.png'],
        ['user[profile_attributes][id]', String(id)],
      ],
      400,
    ],
    [
      'a file that is not an image',
      (id: number) => [
        [`${AVATAR}[file]`, { data: Buffer.from('GIF? no'), filename: 'a.gif', type: 'image/gif' }],
        ['user[profile_attributes][id]', String(id)],
      ],
      400,
    ],
    [
      'an over-size file',
      (id: number) => [
        [`${AVATAR}[file]`, { data: Buffer.alloc(50_001), filename: 'a.png', type: 'image/png' }],
        ['user[profile_attributes][id]', String(id)],
      ],
      400,
    ],
  ] as const)('refuses %s in the dialect error shape, changing nothing', async (_case, parts, status) => {
    const user = await signUp(server);
    const id = await profileId(user.accessToken);
    const response = await send(
      'PUT',
      '/v1/user',
      form([['user[email]', user.user.email!], ['user[profile_attributes][first_name]', 'Changed'], ...(parts(id) as Array<[string, Part]>)]),
      {
        Authorization: `Bearer ${user.accessToken}`,
      },
    );
    expect(response.status).toBe(status);
    expect(response.json).toEqual({ error: { message: expect.any(String) } });
    const me = dataOf(await server.gql(MeDocument, {}, { token: user.accessToken })).me!;
    expect(me.profile).toMatchObject({ firstName: null, avatarUrl: null });
  });

  it('refuses an anonymous multipart request with 400, the one error dialect 001 documents', async () => {
    const response = await send(
      'PUT',
      '/v1/user',
      form([
        ['user[email]', 'x@example.com'],
        [`${AVATAR}[file]`, { data: png, filename: 'a.png', type: 'image/png' }],
      ]),
    );
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ error: { message: expect.any(String) } });
  });
});
