// Two gateway replicas on one PostgreSQL database (PostgreSQL only: the
// embedded database belongs to one process). Each caches live sessions; a
// revocation on one must reach the other's cache through LISTEN/NOTIFY, not
// wait for the TTL, which these servers set far beyond the test's patience.
// Likewise a trim job queued on a replica without workers must wake the
// other's workers, which would otherwise not poll again for ten minutes.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { LogoutDocument, MeDocument, RevokeSessionDocument, UploadVideoDocument, VideoDocument } from './__generated__/graphql';
import { makeVideo, multipart, scratchDir, until } from './support/media';
import { startTestServer, type TestServer } from './support/server';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';
import { signUp, dataOf } from './support/fixtures';

const onPostgres = !!process.env.TEST_DATABASE_URL;
const describeOnPostgres = onPostgres ? describe : describe.skip;

/** Asks `me` on `server` until it answers null, for at most `ms`; returns whether it did. */
async function signedOutWithin(server: TestServer, token: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const me = await server.gql(MeDocument, {}, { token });
    if (me.status === 200 && me.data?.me === null) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeOnPostgres('replicas sharing a database', () => {
  const env = { JWT_SECRET: crypto.randomBytes(32).toString('hex'), SESSION_CACHE_TTL_MS: '60000' };
  let a: TestServer;
  let b: TestServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    a = await startTestServer({ ...env, VIDEO_POLL_INTERVAL_MS: '600000' });
    // b reaches the database through a proxy the last test cuts.
    const target = new URL(process.env.TEST_DATABASE_URL!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    b = await startTestServer(
      { ...env, VIDEO_WORKERS: '0' },
      {
        reuse: { dataDir: a.dataDir, databaseUrl: a.databaseUrl },
        rewriteDatabaseUrl: (url) => Object.assign(new URL(url), { hostname: '127.0.0.1', port: String(proxy.port) }).toString(),
      },
    );
  });
  afterAll(async () => {
    proxy.restore();
    await b.stop({ keepData: true });
    await proxy.close();
    await a.stop();
  });

  it('a logout on one replica signs the session out on the other at once', async () => {
    const session = await signUp(a);
    expect(dataOf(await b.gql(MeDocument, {}, { token: session.accessToken })).me!.id).toBe(session.user.id);
    expect(dataOf(await a.gql(LogoutDocument, {}, { token: session.accessToken })).logout).toBe(true);
    expect(await signedOutWithin(b, session.accessToken, 5_000)).toBe(true);
  });

  it('a session revoked on one replica stops working on the other', async () => {
    const session = await signUp(a);
    // Cached on a; revoked through b.
    expect(dataOf(await a.gql(MeDocument, {}, { token: session.accessToken })).me!.id).toBe(session.user.id);
    expect(dataOf(await b.gql(RevokeSessionDocument, { id: session.session.id }, { token: session.accessToken })).revokeSession).toBe(true);
    expect(await signedOutWithin(a, session.accessToken, 5_000)).toBe(true);
  });

  it('a trim job queued on a replica without workers is taken at once by the other', async () => {
    const dir = await scratchDir();
    try {
      const file = await makeVideo(dir, 'clip.mp4');
      const { accessToken: token } = await signUp(a);
      const uploaded = await multipart(
        b,
        UploadVideoDocument,
        { file: null, name: 'clip', trimStart: 1, duration: 1 },
        { file: { data: await fs.readFile(file), filename: 'clip.mp4', type: 'video/mp4' } },
        { token },
      );
      expect(uploaded.errors).toBeUndefined();
      const id = dataOf(uploaded).uploadVideo.id;
      const ready = await until('READY', async () => {
        const video = (await b.gql(VideoDocument, { id }, { token })).data?.video;
        return video?.status === 'READY' || video?.status === 'FAILED' ? video : null;
      });
      expect(ready.status).toBe('READY');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a replica that lost its database connection forgets its cached sessions when it is back', async () => {
    const session = await signUp(a);
    expect(dataOf(await b.gql(MeDocument, {}, { token: session.accessToken })).me!.id).toBe(session.user.id);
    proxy.cut();
    // Published while b cannot hear it.
    expect(dataOf(await a.gql(LogoutDocument, {}, { token: session.accessToken })).logout).toBe(true);
    proxy.restore();
    expect(await signedOutWithin(b, session.accessToken, 20_000)).toBe(true);
  });
});
