// Realtime and outbound events (issue 15): webhook deliveries per second by
// one replica to a receiver on loopback, with the delay from the change to
// its delivery (p50, p99) under that load; and `me` throughput with 1,000
// idle subscriptions open against none (target: no more than 5% lower).
import http from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { pairRow, rotate } from './rotation.mjs';

export const eventsEnv = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_ENCRYPTION_KEY: 'bench-webhook-key-bench-webhook-key-0123',
  WEBHOOK_WORKERS: '4',
  WS_MAX_CONNECTIONS_PER_USER: '2000',
  WS_MAX_CONNECTIONS_PER_IP: '2000',
};

const ME = `query Me { me { id email username profile { firstName lastName } roles { name } } }`;
const IDLE_SOCKETS = 1000;

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function receiver() {
  const arrivals = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      arrivals.push({ at: Date.now(), timestamp: Date.parse(JSON.parse(body).timestamp) });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hooks`, arrivals, close: () => new Promise((r) => server.close(r)) };
}

async function webhookThroughput(b) {
  const sink = await receiver();
  const created = await b.check(
    b.ug.url,
    `mutation($u: String!) { createWebhook(input: { url: $u, events: ["user.updated"] }) { webhook { id } } }`,
    { u: sink.url },
    b.tokens.admin,
  );
  const id = created.createWebhook.webhook.id;
  try {
    // One statement changes N profiles: N user.updated events committed at once, then drained by the workers.
    const events = b.quick ? 200 : 2000;
    const started = Date.now();
    await b.db.query(`UPDATE profiles SET first_name = 'bench-' || md5(random()::text) WHERE user_id IN (SELECT id FROM users ORDER BY id LIMIT $1)`, [events]);
    const deadline = Date.now() + 120_000;
    while (sink.arrivals.length < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (sink.arrivals.length < events) throw new Error(`webhooks: ${sink.arrivals.length} of ${events} delivered within 120 s`);
    const seconds = (sink.arrivals.at(-1).at - started) / 1000;
    const delays = sink.arrivals.map((a) => a.at - a.timestamp).sort((x, y) => x - y);
    return {
      id: 'webhooks',
      scenario: 'webhook deliveries to loopback',
      rps: events / seconds,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      peer: `${events} events, change to delivery`,
      ratio: NaN,
      target: 'report',
      met: true,
    };
  } finally {
    await b.check(b.ug.url, `mutation($id: ID!) { deleteWebhook(id: $id) }`, { id }, b.tokens.admin);
    await sink.close();
  }
}

async function openIdleSubscriptions(b, count) {
  const url = b.ug.url.replace(/^http/, 'ws');
  const clients = [];
  for (let i = 0; i < count; i++) {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${b.tokens.user}` },
      onNonLazyError: () => {},
    });
    clients.push(client);
    await new Promise((resolve, reject) => {
      client.on('connected', resolve);
      client.on('closed', (e) => reject(new Error(`socket closed ${e.code} ${e.reason}`)));
    });
    client.subscribe({ query: 'subscription { viewerEvents { type } }' }, { next() {}, error() {}, complete() {} });
  }
  return clients;
}

export default {
  id: 'events',
  available: () => true,
  async run(b) {
    const rows = [await webhookThroughput(b)];
    // Measured with the rotation method (scenarios/rotation.mjs): a gateway holding the idle sockets, one holding none and an
    // A/A copy of that one, all fresh and alike, with `me` load rotated among them in 0.5 s slices.
    const quiet = await b.startUsergraph({ VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
    const aa = await b.startUsergraph({ VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
    const busy = await b.startUsergraph({ VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0' });
    const clients = await openIdleSubscriptions({ ...b, ug: busy }, IDLE_SOCKETS);
    try {
      const meTarget = (name, g) => ({
        name,
        url: g.url,
        pid: g.child.pid,
        headers: { authorization: `Bearer ${b.tokens.user}` },
        bodies: [JSON.stringify({ query: ME })],
      });
      const raw = await rotate(b, [meTarget('sockets', busy), meTarget('none', quiet), meTarget('A/A', aa)]);
      const vsNone = b.summarizeRotation(raw, 'none');
      rows.push(
        pairRow({
          id: 'me-idle-subscriptions',
          scenario: `me with ${clients.length} idle subscriptions [rotation]`,
          subject: 'sockets',
          reference: 'none',
          control: 'A/A',
          vsRef: vsNone,
          vsTwin: vsNone,
          peer: `${vsNone.none.rps.toFixed(0)} req/s with none`,
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
      await Promise.all([quiet.stop(), aa.stop(), busy.stop()]);
    }
    return rows;
  },
};
