// Multipart upload client, run as its own process so that the file it sends
// never sits in the benchmark's (or the gateway's) memory: the body is
// written part by part, the file streamed from disk in 1 MiB reads with the
// socket's backpressure. Reads a JSON job from the file named by argv[2]:
//   { url, headers?, parts: Array<{ name, value } | { name, file, filename, type? }> }
// Prints one JSON line: { status, body, bytes, ms, sentMs }: `ms` from the
// first byte sent to the whole answer, `sentMs` to the last byte written.
import fs from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const boundary = `----usergraph-bench-${crypto.randomBytes(12).toString('hex')}`;
const quote = (s) => String(s).replace(/["\r\n]/g, '_');

const head = (part) =>
  Buffer.from(
    `--${boundary}\r\ncontent-disposition: form-data; name="${quote(part.name)}"` +
      (part.file ? `; filename="${quote(part.filename)}"\r\ncontent-type: ${part.type ?? 'application/octet-stream'}` : '') +
      '\r\n\r\n',
  );
const tail = Buffer.from(`--${boundary}--\r\n`);

let length = tail.length;
for (const part of job.parts) {
  length += head(part).length + 2 + (part.file ? fs.statSync(part.file).size : Buffer.byteLength(String(part.value)));
}

async function* body() {
  for (const part of job.parts) {
    yield head(part);
    if (part.file) yield* fs.createReadStream(part.file, { highWaterMark: 1 << 20 });
    else yield Buffer.from(String(part.value));
    yield Buffer.from('\r\n');
  }
  yield tail;
}

const url = new URL(job.url);
const started = performance.now();
let sentMs = null;
const answer = new Promise((resolve, reject) => {
  const req = http.request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { ...job.headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length) },
    },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
      res.on('error', reject);
    },
  );
  req.on('error', reject);
  req.on('finish', () => (sentMs = performance.now() - started));
  // A server may answer (e.g. 413) before reading the whole body: the answer counts, not the write.
  pipeline(Readable.from(body(), { objectMode: false }), req).catch(() => {});
});
const { status, body: text } = await answer;
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ status, body: text.slice(0, 4000), bytes: length, ms, sentMs }) + '\n');
process.exit(0);
