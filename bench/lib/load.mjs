// Load generator, run as its own process so it never shares an event loop
// with a server under test. Reads a JSON job from the file named by argv[2]:
//   { url, method, headers, bodies?: string[], template?: string, start?: number,
//     connections, duration, amount?, overallRate? }
// Bodies are used round-robin; with `template`, each request gets a fresh body
// with %N% replaced by start, start+1, ... (tokens that can be used once).
// Prints one JSON line: { requests, rps, p50, p99, non2xx, errors, graphqlErrors, sample }.
import fs from 'node:fs';
import autocannon from 'autocannon';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const bodyAt = (i) => (job.template ? job.template.replaceAll('%N%', String((job.start ?? 0) + i)) : job.bodies[i % job.bodies.length]);
let next = 0;
let graphqlErrors = 0;
let sample = null;

const instance = autocannon(
  {
    url: job.url,
    method: job.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(job.headers ?? {}) },
    connections: job.connections ?? 10,
    duration: job.amount ? undefined : job.duration,
    amount: job.amount,
    overallRate: job.overallRate,
    timeout: 30,
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: bodyAt(next++) }),
        onResponse: (status, body) => {
          // A GraphQL error answers 200 on some servers: count them, the run is invalid if any.
          if (body && body.includes('"errors"')) {
            graphqlErrors++;
            sample ??= body.slice(0, 300);
          }
        },
      },
    ],
  },
  (err, result) => {
    if (err) {
      process.stderr.write(String(err.stack ?? err) + '\n');
      process.exit(1);
    }
    const seconds = result.duration || 1;
    process.stdout.write(
      JSON.stringify({
        requests: result.requests.total,
        rps: result.requests.total / seconds,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        graphqlErrors,
        sample,
      }) + '\n',
    );
  },
);
process.on('SIGTERM', () => instance.stop());
