// Graceful shutdown: on SIGTERM the gateway stops accepting connections but
// finishes the requests in flight (here a slow upload) within the grace
// period, then exits with code 0.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { print } from 'graphql';
import { UploadVideoDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { makeVideo, scratchDir } from './support/media';
import { signUp, sleep } from './support/fixtures';

let server: TestServer;
let dir: string;
beforeAll(async () => {
  server = await startTestServer({ SHUTDOWN_GRACE_SECONDS: '20', VIDEO_WORKERS: '0' });
  dir = await scratchDir();
});
afterAll(async () => {
  await server.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A raw multipart upload whose body is written in slices, `pauseMs` apart. */
function slowUpload(token: string, video: Buffer, pauseMs: number) {
  const boundary = 'usergraph-shutdown-test';
  const operations = JSON.stringify({ query: print(UploadVideoDocument), variables: { file: null, name: 'slow', trimStart: 0, duration: 1 } });
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="slow.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, video, tail]);
  const url = new URL(`${server.url}/graphql`);
  let firstSliceSent!: () => void;
  const started = new Promise<void>((resolve) => (firstSliceSent = resolve));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': body.length,
          'apollo-require-preflight': 'true',
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    request.on('error', reject);
    (async () => {
      const slices = 6;
      const size = Math.ceil(body.length / slices);
      for (let i = 0; i < slices; i++) {
        request.write(body.subarray(i * size, (i + 1) * size));
        if (i === 0) firstSliceSent();
        await sleep(pauseMs);
      }
      request.end();
    })().catch(reject);
  });
  return { started, response };
}

function connects(): Promise<boolean> {
  const url = new URL(server.url);
  return new Promise((resolve) => {
    const request = http.get({ host: url.hostname, port: url.port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    request.on('error', () => resolve(false));
  });
}

it('finishes an upload in flight after SIGTERM, refuses new connections, and exits cleanly', async () => {
  const { accessToken } = await signUp(server);
  const video = await fs.readFile(await makeVideo(dir, 'slow.mp4', { seconds: 3 }));
  const upload = slowUpload(accessToken, video, 500);
  await upload.started;
  expect(await connects()).toBe(true);

  const stopped = server.stop({ keepData: true });
  await sleep(500);
  expect(await connects()).toBe(false);

  const { status, body } = await upload.response;
  expect(status).toBe(200);
  expect(JSON.parse(body)).toMatchObject({ data: { uploadVideo: { name: 'slow', status: 'QUEUED' } } });
  await stopped;
  expect(server.logs()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
  expect(server.logs()).not.toMatch(/error during shutdown/);
  expect((await fs.readdir(path.join(server.dataDir, 'media', 'videos'))).length).toBe(1);
});
