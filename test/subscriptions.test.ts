// GraphQL subscriptions over WebSocket (graphql-ws): a video followed from
// upload to READY, access rules, sessions revoked and tokens refused (close
// codes), limits, graceful shutdown, and an event crossing replicas
// (PostgreSQL only: the embedded database belongs to one process).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import WebSocket from 'ws';
import {
  AssignRoleDocument,
  CreateRoleDocument,
  LogoutDocument,
  MeDocument,
  MyVideoUpdatesDocument,
  RevokeSessionDocument,
  UpdateMeDocument,
  UploadVideoDocument,
  VideoUpdatedDocument,
  ViewerEventsDocument,
} from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { PASSWORD, signIn, signInAsAdmin, signUp } from './support/fixtures';
import { makeVideo, multipart, scratchDir, until, type UploadFile } from './support/media';
import { openSocket, wsUrl, type SocketClient } from './support/subscriptions';

const onPostgres = !!process.env.TEST_DATABASE_URL;
const describeOnPostgres = onPostgres ? describe : describe.skip;

let server: TestServer;
let dir: string;
let clip: UploadFile;
const sockets: SocketClient[] = [];

function open(token: string | null, on: Pick<TestServer, 'url'> = server): SocketClient {
  const socket = openSocket(on, token);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  dir = await scratchDir();
  [server, clip] = await Promise.all([
    startTestServer({ VIDEO_MAX_BYTES: '1000000', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', WS_MAX_CONNECTIONS_PER_USER: '3' }),
    makeVideo(dir, 'clip.mp4', { seconds: 4 }).then(async (file) => ({ data: await fs.readFile(file), filename: 'clip.mp4', type: 'video/mp4' })),
  ]);
}, 120_000);
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.dispose()));
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('video updates', () => {
  it('myVideoUpdates: every status of an upload, QUEUED, PROCESSING with progress in percent, then READY with its URL', async () => {
    const owner = await signUp(server);
    const socket = open(owner.accessToken);
    await socket.connected;
    const updates = socket.subscribe(MyVideoUpdatesDocument);
    // The subscription is live once the server has it; a viewer event round trip proves that.
    await new Promise((r) => setTimeout(r, 200));
    const uploaded = await multipart(server, UploadVideoDocument, { file: null, name: 'Followed' }, { file: clip }, { token: owner.accessToken });
    const id = uploaded.data!.uploadVideo.id;
    const ready = await updates.next('READY', (d) => d.myVideoUpdates.status === 'READY' || d.myVideoUpdates.status === 'FAILED');
    expect(ready.myVideoUpdates).toEqual({ videoId: id, status: 'READY', progress: null, error: null, video: { id, status: 'READY', url: expect.stringContaining(`/media/videos/${id}`) } });
    expect(updates.errors).toEqual([]);
    const seen = updates.data.map((d) => d.myVideoUpdates);
    expect(seen.every((u) => u.videoId === id)).toBe(true);
    const statuses = seen.map((u) => u.status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses).toEqual(['QUEUED', 'PROCESSING', 'READY']);
    const progress = seen.filter((u) => u.status === 'PROCESSING' && u.progress !== null).map((u) => u.progress!);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => Number.isInteger(p) && p >= 0 && p <= 100)).toBe(true);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('videoUpdated(id): the owner gets the state now first; another user is refused with NOT_FOUND; an admin may follow it', async () => {
    const [owner, other, admin] = await Promise.all([signUp(server), signUp(server), signInAsAdmin(server)]);
    const uploaded = await multipart(server, UploadVideoDocument, { file: null, name: 'Mine' }, { file: clip }, { token: owner.accessToken });
    const id = uploaded.data!.uploadVideo.id;

    const stranger = open(other.accessToken).subscribe(VideoUpdatedDocument, { id });
    await until('the refusal', async () => stranger.errors.length > 0);
    expect(stranger.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    expect(stranger.data).toEqual([]);

    const mine = open(owner.accessToken).subscribe(VideoUpdatedDocument, { id });
    const watched = open(admin.accessToken).subscribe(VideoUpdatedDocument, { id });
    const first = await mine.next('the current state', () => true);
    expect(first.videoUpdated.videoId).toBe(id);
    expect(['QUEUED', 'PROCESSING', 'READY']).toContain(first.videoUpdated.status);
    await mine.next('READY', (d) => d.videoUpdated.status === 'READY');
    await watched.next('READY for the admin', (d) => d.videoUpdated.status === 'READY');
    expect(mine.errors).toEqual([]);
    expect(stranger.data).toEqual([]);
  });
});

describe('viewer events and the session behind a socket', () => {
  it('a revoked session: viewerEvents says SESSION_REVOKED (currentSession), then the socket is closed with 4401', async () => {
    const user = await signUp(server);
    const socket = open(user.accessToken);
    await socket.connected;
    const events = socket.subscribe(ViewerEventsDocument);
    await new Promise((r) => setTimeout(r, 200));
    expect((await server.gql(LogoutDocument, {}, { token: user.accessToken })).data!.logout).toBe(true);
    const revoked = await events.next('SESSION_REVOKED', (d) => d.viewerEvents.type === 'SESSION_REVOKED');
    expect(revoked.viewerEvents).toEqual({ type: 'SESSION_REVOKED', sessionId: user.session!.id, currentSession: true });
    expect(await socket.waitClosed()).toEqual({ code: 4401, reason: 'Session revoked' });
  });

  it("another session's revocation is told (currentSession false) and leaves this socket open", async () => {
    const user = await signUp(server);
    const other = await signIn(server, user.user.email!, PASSWORD);
    const socket = open(user.accessToken);
    await socket.connected;
    const events = socket.subscribe(ViewerEventsDocument);
    await new Promise((r) => setTimeout(r, 200));
    await server.gql(RevokeSessionDocument, { id: other.session!.id }, { token: user.accessToken });
    const told = await events.next('SESSION_REVOKED', (d) => d.viewerEvents.type === 'SESSION_REVOKED');
    expect(told.viewerEvents).toEqual({ type: 'SESSION_REVOKED', sessionId: other.session!.id, currentSession: false });
    await new Promise((r) => setTimeout(r, 400));
    expect(socket.closed).toBeNull();
  });

  it('PROFILE_UPDATED on updateMe, ROLES_CHANGED when an admin grants a role; nothing about other users', async () => {
    const [user, bystander, admin] = await Promise.all([signUp(server), signUp(server), signInAsAdmin(server)]);
    const socket = open(user.accessToken);
    await socket.connected;
    const events = socket.subscribe(ViewerEventsDocument);
    await new Promise((r) => setTimeout(r, 200));
    await server.gql(UpdateMeDocument, { input: { profile: { firstName: 'Ada' } } }, { token: bystander.accessToken });
    await server.gql(UpdateMeDocument, { input: { profile: { firstName: 'Grace' } } }, { token: user.accessToken });
    await events.next('PROFILE_UPDATED', (d) => d.viewerEvents.type === 'PROFILE_UPDATED');
    const role = await server.gql(CreateRoleDocument, { input: { name: `editor-${crypto.randomBytes(3).toString('hex')}` } }, { token: admin.accessToken });
    await server.gql(AssignRoleDocument, { userId: user.user.id, roleId: role.data!.createRole.id }, { token: admin.accessToken });
    await events.next('ROLES_CHANGED', (d) => d.viewerEvents.type === 'ROLES_CHANGED');
    expect(events.data.map((d) => d.viewerEvents.type)).toEqual(['PROFILE_UPDATED', 'ROLES_CHANGED']);
    expect(events.errors).toEqual([]);
  });

  it('connection_init without a valid access token is refused with 4403; no token at all likewise', async () => {
    const forged = open('not-a-token');
    expect(await forged.waitClosed()).toMatchObject({ code: 4403 });
    const anonymous = open(null);
    expect(await anonymous.waitClosed()).toMatchObject({ code: 4403 });
  });
});

describe('limits and protocol', () => {
  it('refuses queries and mutations over WebSocket with BAD_USER_INPUT', async () => {
    const user = await signUp(server);
    const results = open(user.accessToken).subscribe(MeDocument);
    await until('the refusal', async () => results.errors.length > 0);
    expect(results.errors[0]).toMatchObject({ message: expect.stringContaining('HTTP POST /graphql'), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('answers a subscription sent as HTTP POST with BAD_USER_INPUT pointing to WebSocket', async () => {
    const user = await signUp(server);
    const result = await server.gql(ViewerEventsDocument, {}, { token: user.accessToken });
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringContaining('WebSocket'), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: the fourth subscription on a socket gets RATE_LIMITED', async () => {
    const user = await signUp(server);
    const socket = open(user.accessToken);
    const running = [1, 2, 3].map(() => socket.subscribe(ViewerEventsDocument));
    const fourth = socket.subscribe(ViewerEventsDocument);
    await until('the refusal', async () => fourth.errors.length > 0);
    expect(fourth.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(running.flatMap((r) => r.errors)).toEqual([]);
  });

  it('WS_MAX_CONNECTIONS_PER_USER: the fourth socket of one user is closed with 1013', async () => {
    const user = await signUp(server);
    const first = [open(user.accessToken), open(user.accessToken), open(user.accessToken)];
    await Promise.all(first.map((s) => s.connected));
    const fourth = open(user.accessToken);
    expect(await fourth.waitClosed()).toEqual({ code: 1013, reason: 'Too many connections for this user' });
    // Another user is not affected.
    await open((await signUp(server)).accessToken).connected;
  });

  it('closes a socket that sends a message over WS_MAX_MESSAGE_BYTES with 1009', async () => {
    const raw = new WebSocket(wsUrl(server), 'graphql-transport-ws');
    await new Promise((resolve) => raw.once('open', resolve));
    const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    raw.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(70_000) } }));
    expect(await closed).toBe(1009);
  });

  it('answers 404 to an upgrade on another path', async () => {
    const raw = new WebSocket(server.url.replace(/^http/, 'ws') + '/elsewhere', 'graphql-transport-ws');
    const status = await new Promise<number>((resolve) => raw.once('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(404);
  });
});

describe('shutdown', () => {
  it('SIGTERM closes open sockets with 1001 "Going away"', async () => {
    const own = await startTestServer();
    try {
      const user = await signUp(own);
      const socket = open(user.accessToken, own);
      await socket.connected;
      socket.subscribe(ViewerEventsDocument);
      await own.stop();
      expect(await socket.waitClosed()).toEqual({ code: 1001, reason: 'Going away' });
    } finally {
      await own.stop();
    }
  });
});

describeOnPostgres('replicas', () => {
  it('a subscription on one replica sees the event caused on the other', async () => {
    const env = { JWT_SECRET: crypto.randomBytes(32).toString('hex') };
    const a = await startTestServer(env);
    const b = await startTestServer({ ...env, VIDEO_WORKERS: '0' }, { reuse: { dataDir: a.dataDir, databaseUrl: a.databaseUrl } });
    try {
      const user = await signUp(a);
      const socket = open(user.accessToken, b);
      await socket.connected;
      const events = socket.subscribe(ViewerEventsDocument);
      const videos = socket.subscribe(MyVideoUpdatesDocument);
      await new Promise((r) => setTimeout(r, 300));
      await a.gql(UpdateMeDocument, { input: { profile: { lastName: 'Replica' } } }, { token: user.accessToken });
      await events.next('PROFILE_UPDATED from the other replica', (d) => d.viewerEvents.type === 'PROFILE_UPDATED');
      // Uploaded to a, trimmed by a's workers, followed on b, progress included.
      await multipart(a, UploadVideoDocument, { file: null, name: 'Across' }, { file: clip }, { token: user.accessToken });
      await videos.next('READY from the other replica', (d) => d.myVideoUpdates.status === 'READY');
      expect(videos.data.some((d) => d.myVideoUpdates.status === 'PROCESSING')).toBe(true);
      await a.gql(LogoutDocument, {}, { token: user.accessToken });
      expect(await socket.waitClosed()).toEqual({ code: 4401, reason: 'Session revoked' });
    } finally {
      await b.stop({ keepData: true });
      await a.stop();
    }
  });
});
