// Avatars: uploaded as a multipart file or as base64, recognised by their
// bytes, limited in size and pixels, served publicly at an unguessable URL,
// and replaced (old file deleted) by the next upload.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { MeDocument, UploadAvatarDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { expectCode, onlyError, signUp, dataOf } from './support/fixtures';
import { makeImage, multipart, scratchDir, storedFiles } from './support/media';

let server: TestServer;
let dir: string;
let token: string;
const images: Record<'png' | 'jpg' | 'webp' | 'gif', Buffer> = {} as never;

beforeAll(async () => {
  dir = await scratchDir();
  [server] = await Promise.all([
    startTestServer({ AVATAR_MAX_BYTES: '50000', AVATAR_MAX_PIXELS: '1000000' }),
    ...(['png', 'jpg', 'webp', 'gif'] as const).map(async (ext) => (images[ext] = await makeImage(dir, `avatar.${ext}`, '24x16'))),
  ]);
  token = (await signUp(server)).accessToken;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

function uploadFile(data: Buffer, filename = 'me.png', as = token) {
  return multipart(server, UploadAvatarDocument, { file: null }, { file: { data, filename, type: 'image/png' } }, { token: as });
}

function uploadBase64(base64: string, as: string | null = token) {
  return server.gql(UploadAvatarDocument, { base64 }, { token: as });
}

function local(url: string): string {
  return url.replace('localhost', '127.0.0.1');
}

describe('uploadAvatar', () => {
  it.each([
    ['png', 'image/png'],
    ['jpg', 'image/jpeg'],
    ['webp', 'image/webp'],
    ['gif', 'image/gif'],
  ] as const)('accepts a %s file, recognised by its bytes whatever its name, and serves it publicly', async (ext, contentType) => {
    const result = await uploadFile(images[ext], 'avatar.txt');
    expect(result.errors).toBeUndefined();
    const url = dataOf(result).uploadAvatar.avatarUrl!;
    expect(url).toMatch(new RegExp(`/media/avatars/[A-Za-z0-9_-]{43}\\.${ext}$`));
    const me = await server.gql(MeDocument, undefined, { token });
    expect(dataOf(me).me!.profile.avatarUrl).toBe(url);
    const served = await fetch(local(url)); // no token: avatars are public
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe(contentType);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await served.arrayBuffer()).equals(images[ext])).toBe(true);
  });

  it('accepts base64, with or without a data: URL prefix, and replaces the previous avatar (its file is deleted)', async () => {
    const first = dataOf(await uploadBase64(images.png.toString('base64'))).uploadAvatar.avatarUrl!;
    expect(await storedFiles(server, 'avatars')).toEqual([`avatars/${first.split('/').pop()}`]);
    const second = await uploadBase64(`data:image/jpeg;base64,${images.jpg.toString('base64')}`);
    expect(second.errors).toBeUndefined();
    const url = dataOf(second).uploadAvatar.avatarUrl!;
    expect(url).toMatch(/\.jpg$/);
    expect(await storedFiles(server, 'avatars')).toEqual([`avatars/${url.split('/').pop()}`]);
    expect((await fetch(local(first))).status).toBe(404);
    expect((await fetch(local(url))).status).toBe(200);
  });

  describe('refuses, storing nothing and keeping the current avatar', () => {
    let before: string[];
    let current: string | null | undefined;
    beforeEach(async () => {
      before = await storedFiles(server);
      current = dataOf(await server.gql(MeDocument, undefined, { token })).me!.profile.avatarUrl;
    });
    afterEach(async () => {
      expect(await storedFiles(server)).toEqual(before);
      expect(dataOf(await server.gql(MeDocument, undefined, { token })).me!.profile.avatarUrl).toBe(current);
    });

    const notAnImage = { field: 'file', message: 'The avatar must be a PNG, JPEG, WebP or GIF image.' };

    it('bytes that are not an image, whatever the name says (file)', async () => {
      const result = await uploadFile(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'me.png');
      expect(onlyError(result)).toMatchObject({ message: notAnImage.message, extensions: { code: 'BAD_USER_INPUT', fields: [notAnImage] } });
    });

    it('bytes that are not an image (base64), and text that is not base64', async () => {
      const result = await uploadBase64(Buffer.from('GIF but not really').toString('base64'));
      expect(onlyError(result).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ ...notAnImage, field: 'base64' }] });
      const garbage = await uploadBase64('this is *not* base64!');
      expect(onlyError(garbage).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [{ field: 'base64', message: 'base64 is not valid base64 data.' }],
      });
    });

    it('a file over AVATAR_MAX_BYTES with 413 (file and base64)', async () => {
      const big = Buffer.concat([images.png, crypto.randomBytes(60_000)]);
      const file = await uploadFile(big);
      expect(file.status).toBe(413);
      expect(onlyError(file)).toMatchObject({ message: 'The file is larger than the 50 KB limit.', extensions: { code: 'PAYLOAD_TOO_LARGE' } });
      const base64 = await uploadBase64(big.toString('base64'));
      expect(base64.status).toBe(413);
      expect(onlyError(base64)).toMatchObject({
        message: 'The image is larger than the 50 KB limit.',
        extensions: { code: 'PAYLOAD_TOO_LARGE', fields: [{ field: 'base64', message: 'The image is larger than the 50 KB limit.' }] },
      });
    });

    it('an image over AVATAR_MAX_PIXELS (file and base64)', async () => {
      const huge = await makeImage(dir, 'huge.png', '1002x1000', true);
      const message = 'The image is 1002×1000 pixels; the limit is 1 megapixels.';
      expect(onlyError(await uploadFile(huge)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'file', message }] });
      expect(onlyError(await uploadBase64(huge.toString('base64'))).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [{ field: 'base64', message }],
      });
    });

    it('both a file and base64, or neither', async () => {
      const message = 'Send exactly one of file or base64.';
      const both = await multipart(
        server,
        UploadAvatarDocument,
        { file: null, base64: images.png.toString('base64') },
        { file: { data: images.png, filename: 'a.png' } },
        { token },
      );
      expect(onlyError(both).extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fields: [
          { field: 'file', message },
          { field: 'base64', message },
        ],
      });
      expectCode(await server.gql(UploadAvatarDocument, {}, { token }), 'BAD_USER_INPUT');
    });

    it('anonymous callers', async () => {
      expectCode(await uploadBase64(images.png.toString('base64'), null), 'UNAUTHENTICATED');
      expectCode(await multipart(server, UploadAvatarDocument, { file: null }, { file: { data: images.png, filename: 'a.png' } }), 'UNAUTHENTICATED');
    });
  });

  it('answers 404 for an unknown or malformed avatar key', async () => {
    const unknown = await fetch(`${server.url}/media/avatars/${'A'.repeat(43)}.png`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Avatar was not found.' } });
    expect((await fetch(`${server.url}/media/avatars/..%2F..%2Fdb`)).status).toBe(404);
  });
});
