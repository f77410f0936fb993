// GraphQL subscriptions over WebSocket (graphql-ws): a video followed from
// upload to READY, access rules, sessions revoked and tokens refused (close
// codes), limits, graceful shutdown, and an event crossing replicas
// (PostgreSQL only: the embedded database belongs to one process), sockets
// signed in with an API key, and events too large for NOTIFY.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import WebSocket from 'ws';
import { Client } from 'pg';
import {
  AssignRoleDocument,
  CreateApiKeyDocument,
  CreateRoleDocument,
  LogoutDocument,
  MeDocument,
  RevokeApiKeyDocument,
  MyVideoUpdatesDocument,
  RevokeSessionDocument,
  UpdateMeDocument,
  UploadVideoDocument,
  VideoUpdatedDocument,
  ViewerEventsDocument,
} from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { PASSWORD, signIn, signInAsAdmin, signUp, dataOf } from './support/fixtures';
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
    startTestServer({ VIDEO_MAX_BYTES: '1000000', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', WS_MAX_CONNECTIONS_PER_USER: '3', WS_AUTH_RECHECK_SECONDS: '1' }),
    makeVideo(dir, 'clip.mp4', { seconds: 4 }).then(async (file) => ({ data: await fs.readFile(file), filename: 'clip.mp4', type: 'video/mp4' })),
  ]);
}, 240_000);
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
    const id = dataOf(uploaded).uploadVideo.id;
    const ready = await updates.next('READY', (d) => d.myVideoUpdates.status === 'READY' || d.myVideoUpdates.status === 'FAILED');
    expect(ready.myVideoUpdates).toEqual({
      videoId: id,
      status: 'READY',
      progress: null,
      error: null,
      video: { id, status: 'READY', url: expect.stringContaining(`/media/videos/${id}`) },
    });
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
    const id = dataOf(uploaded).uploadVideo.id;

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
    expect(dataOf(await server.gql(LogoutDocument, {}, { token: user.accessToken })).logout).toBe(true);
    const revoked = await events.next('SESSION_REVOKED', (d) => d.viewerEvents.type === 'SESSION_REVOKED');
    expect(revoked.viewerEvents).toEqual({ type: 'SESSION_REVOKED', sessionId: user.session.id, currentSession: true });
    expect(await socket.waitClosed()).toEqual({ code: 4401, reason: 'Session revoked' });
  });

  it("another session's revocation is told (currentSession false) and leaves this socket open", async () => {
    const user = await signUp(server);
    const other = await signIn(server, user.user.email!, PASSWORD);
    const socket = open(user.accessToken);
    await socket.connected;
    const events = socket.subscribe(ViewerEventsDocument);
    await new Promise((r) => setTimeout(r, 200));
    await server.gql(RevokeSessionDocument, { id: other.session.id }, { token: user.accessToken });
    const told = await events.next('SESSION_REVOKED', (d) => d.viewerEvents.type === 'SESSION_REVOKED');
    expect(told.viewerEvents).toEqual({ type: 'SESSION_REVOKED', sessionId: other.session.id, currentSession: false });
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
    await server.gql(AssignRoleDocument, { userId: user.user.id, roleId: dataOf(role).createRole.id }, { token: admin.accessToken });
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

describe('a socket signed in with an API key', () => {
  async function apiKey(token: string, scopes: Array<'read' | 'write'> = ['read']) {
    const created = await server.gql(CreateApiKeyDocument, { input: { name: 'realtime', scopes } }, { token });
    expect(created.errors).toBeUndefined();
    return dataOf(created).createApiKey;
  }

  it("sees what the key's user may see: their viewer events and videos, not another user's video; a session's logout leaves it open", async () => {
    const [user, other] = await Promise.all([signUp(server), signUp(server)]);
    const { secret } = await apiKey(user.accessToken);
    const uploaded = await multipart(server, UploadVideoDocument, { file: null, name: 'Theirs' }, { file: clip }, { token: other.accessToken });
    const theirs = dataOf(uploaded).uploadVideo.id;

    const socket = open(secret);
    await socket.connected;
    const events = socket.subscribe(ViewerEventsDocument);
    const stranger = socket.subscribe(VideoUpdatedDocument, { id: theirs });
    await until('the refusal', async () => stranger.errors.length > 0);
    expect(stranger.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
    expect(stranger.data).toEqual([]);

    await server.gql(UpdateMeDocument, { input: { profile: { firstName: 'Keyed' } } }, { token: user.accessToken });
    await events.next('PROFILE_UPDATED', (d) => d.viewerEvents.type === 'PROFILE_UPDATED');
    // The key is not a session: the user's logout is told (not as this socket's session) and the socket stays.
    await server.gql(LogoutDocument, {}, { token: user.accessToken });
    const told = await events.next('SESSION_REVOKED', (d) => d.viewerEvents.type === 'SESSION_REVOKED');
    expect(told.viewerEvents).toEqual({ type: 'SESSION_REVOKED', sessionId: user.session.id, currentSession: false });
    await new Promise((r) => setTimeout(r, 1500)); // past a re-check (WS_AUTH_RECHECK_SECONDS=1)
    expect(socket.closed).toBeNull();
    expect(events.errors).toEqual([]);

    const videos = socket.subscribe(MyVideoUpdatesDocument);
    await new Promise((r) => setTimeout(r, 200));
    const fresh = await signIn(server, user.user.email!, PASSWORD);
    const mine = await multipart(server, UploadVideoDocument, { file: null, name: 'Mine' }, { file: clip }, { token: fresh.accessToken });
    await videos.next('READY', (d) => d.myVideoUpdates.videoId === dataOf(mine).uploadVideo.id && d.myVideoUpdates.status === 'READY');
    expect(videos.data.every((d) => d.myVideoUpdates.videoId === dataOf(mine).uploadVideo.id)).toBe(true);
  });

  it('is closed with 4401 at the next re-check once the key is revoked; the revoked key cannot open another (4403)', async () => {
    const user = await signUp(server);
    const { secret, apiKey: key } = await apiKey(user.accessToken, ['read', 'write']);
    const socket = open(secret);
    await socket.connected;
    socket.subscribe(ViewerEventsDocument);
    const revoked = await server.gql(RevokeApiKeyDocument, { id: key.id }, { token: user.accessToken });
    expect(dataOf(revoked).revokeApiKey.revokedAt).toEqual(expect.any(String));
    expect(await socket.waitClosed()).toEqual({ code: 4401, reason: 'Session ended' });
    expect(await open(secret).waitClosed()).toMatchObject({ code: 4403 });
  });
});

describe('an event too large for NOTIFY', () => {
  it('a profile update with large fields: PROFILE_UPDATED reaches the subscriber, which reads the whole profile back', async () => {
    const user = await signUp(server);
    const socket = open(user.accessToken);
    await socket.connected;
    const events = socket.subscribe(ViewerEventsDocument);
    await new Promise((r) => setTimeout(r, 200));
    // 12 fields of 1000 characters: far over NOTIFY's 8000 bytes, were the profile in the event.
    const customFields = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`field${i}`, crypto.randomBytes(500).toString('hex')]));
    const updated = await server.gql(UpdateMeDocument, { input: { profile: { customFields } } }, { token: user.accessToken });
    expect(updated.errors).toBeUndefined();
    await events.next('PROFILE_UPDATED', (d) => d.viewerEvents.type === 'PROFILE_UPDATED');
    const me = await server.gql(MeDocument, {}, { token: user.accessToken });
    expect(dataOf(me).me!.profile.customFields).toEqual(customFields);
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
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    const env = { JWT_SECRET: crypto.randomBytes(32).toString('hex') };
    a = await startTestServer(env);
    b = await startTestServer({ ...env, VIDEO_WORKERS: '0' }, { reuse: { dataDir: a.dataDir, databaseUrl: a.databaseUrl } });
  }, 180_000);
  afterAll(async () => {
    await b?.stop({ keepData: true });
    await a?.stop();
  });

  it('a subscription on one replica sees the event caused on the other', async () => {
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
  });

  it("an event over NOTIFY's 8000 bytes crosses with ids only, and the subscriber on the other replica gets the full data", async () => {
    const user = await signUp(a);
    const uploaded = await multipart(a, UploadVideoDocument, { file: null, name: 'Large' }, { file: clip }, { token: user.accessToken });
    const id = dataOf(uploaded).uploadVideo.id;
    const socket = open(user.accessToken, b);
    const updates = socket.subscribe(VideoUpdatedDocument, { id });
    await updates.next('READY', (d) => d.videoUpdated.status === 'READY');
    // Listens beside the replicas, to see what crossed.
    const listener = new Client({ connectionString: a.databaseUrl! });
    await listener.connect();
    const crossed: string[] = [];
    listener.on('notification', (message) => crossed.push(message.payload ?? ''));
    await listener.query('LISTEN usergraph_events');
    try {
      // Another program marks the video FAILED with a reason of 20 kB: through the database only, as the triggers allow.
      const reason = `Rejected by the archive: ${crypto.randomBytes(10_000).toString('hex')}`;
      await listener.query('BEGIN');
      await listener.query('UPDATE trim_requests SET error = $1 WHERE video_id = $2', [reason, id]);
      await listener.query("UPDATE videos SET status = 'FAILED' WHERE id = $1", [id]);
      await listener.query('COMMIT');
      const failed = await updates.next('FAILED on the other replica', (d) => d.videoUpdated.status === 'FAILED');
      expect(failed.videoUpdated).toEqual({ videoId: id, status: 'FAILED', progress: null, error: reason });
      const sent = crossed.map((p) => JSON.parse(p) as Record<string, unknown>).filter((e) => e.videoId === id && e.status === 'FAILED');
      expect(sent).toEqual([{ k: 'video', videoId: id, ownerId: Number(user.user.id), status: 'FAILED', partial: true }]);
      expect(updates.errors).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});
