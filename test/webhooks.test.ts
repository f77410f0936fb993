// Outbound webhooks: admin management, Standard Webhooks signatures checked
// with the `standardwebhooks` package by a receiver on loopback, retries, a
// crash between the change and the delivery, rolled-back changes, disabling
// an endpoint that keeps failing, SSRF refusals, and the key the stored
// secrets are encrypted with.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  AuditEventsDocument,
  CreateRoleDocument,
  CreateWebhookDocument,
  DeleteWebhookDocument,
  LogoutDocument,
  RedeliverWebhookEventDocument,
  RemoveRolesDocument,
  RolesDocument,
  AssignRolesDocument,
  RotateWebhookSecretDocument,
  UpdateMeDocument,
  UpdateWebhookDocument,
  WebhookDeliveriesDocument,
  WebhooksDocument,
} from './__generated__/graphql';
import { ADMIN_EMAIL, startTestServer, type TestServer } from './support/server';
import { expectCode, signInAsAdmin, signUp, uniqueEmail, dataOf } from './support/fixtures';
import { until } from './support/media';

interface Received {
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** An HTTP receiver on loopback; `answer` picks each response's status (by request number, from 1). */
async function startReceiver(answer: (n: number) => number = () => 204) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const status = answer(received.length + 1);
      received.push({ headers: req.headers as Record<string, string>, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    /** Payloads answered 2xx, parsed. */
    accepted: () =>
      received
        .filter((r) => r.status < 300)
        .map((r) => ({ ...r, payload: JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> } })),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const ALL_EVENTS = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.confirmed',
  'session.created',
  'session.revoked',
  'role.assigned',
  'role.removed',
  'video.ready',
  'video.failed',
];
const settings = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_RETRY_SCHEDULE: '1', WEBHOOK_POLL_INTERVAL_MS: '200', WEBHOOK_DISABLE_AFTER_FAILURES: '1' };

let server: TestServer;
let strict: TestServer;
let admin: string;
const receivers: Receiver[] = [];

async function receiver(answer?: (n: number) => number): Promise<Receiver> {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function createWebhook(on: TestServer, token: string, url: string, events = ALL_EVENTS) {
  const result = await on.gql(CreateWebhookDocument, { input: { url, events, description: 'test receiver' } }, { token });
  expect(result.errors).toBeUndefined();
  return dataOf(result).createWebhook;
}

beforeAll(async () => {
  [server, strict] = await Promise.all([startTestServer(settings), startTestServer({ WEBHOOK_WORKERS: '0' })]);
  admin = (await signInAsAdmin(server)).accessToken;
}, 180_000);
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await Promise.all([server?.stop(), strict?.stop()]);
});

describe('deliveries', () => {
  let hooks: Receiver;
  let secret: string;
  let webhookId: string;
  beforeAll(async () => {
    hooks = await receiver();
    const created = await createWebhook(server, admin, hooks.url);
    ({ secret } = created);
    webhookId = created.webhook.id;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.webhook).toMatchObject({ url: hooks.url, events: ALL_EVENTS, description: 'test receiver', enabled: true });
  });
  afterAll(async () => {
    await server.gql(DeleteWebhookDocument, { id: webhookId }, { token: admin });
  });

  it('signs every delivery so that the standardwebhooks package verifies it: user.created, session.created, one user.updated, role.assigned, session.revoked', async () => {
    const user = await signUp(server);
    const id = user.user.id;
    // Account and profile in one change: one user.updated, with the data as it ended up.
    await server.gql(
      UpdateMeDocument,
      { input: { username: `hooked${crypto.randomBytes(3).toString('hex')}`, profile: { firstName: 'Hook' } } },
      { token: user.accessToken },
    );
    const role = await server.gql(CreateRoleDocument, { input: { name: `hooked-${crypto.randomBytes(3).toString('hex')}` } }, { token: admin });
    await server.gql(AssignRolesDocument, { userIds: [id], roleIds: [dataOf(role).createRole.id] }, { token: admin });
    await server.gql(LogoutDocument, {}, { token: user.accessToken });

    const mine = () => hooks.accepted().filter((r) => r.payload.data.id === id || r.payload.data.userId === id);
    await until('the five deliveries', async () => mine().length >= 5 && mine().some((r) => r.payload.type === 'session.revoked'), 30_000);
    const verifier = new Webhook(secret);
    for (const delivery of hooks.received) {
      expect(verifier.verify(delivery.body, delivery.headers)).toEqual(JSON.parse(delivery.body));
      expect(delivery.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    const forged = new Webhook(`whsec_${crypto.randomBytes(32).toString('base64')}`);
    expect(() => forged.verify(hooks.received[0].body, hooks.received[0].headers)).toThrow();

    const types = mine().map((r) => r.payload.type);
    expect(types.filter((t) => t === 'user.updated')).toHaveLength(1);
    expect(new Set(types)).toEqual(new Set(['user.created', 'session.created', 'user.updated', 'role.assigned', 'session.revoked']));
    const updated = mine().find((r) => r.payload.type === 'user.updated')!.payload;
    expect(updated.data).toMatchObject({ id, profile: expect.objectContaining({ firstName: 'Hook' }) });
    expect(updated.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(JSON.stringify(mine().map((r) => r.payload))).not.toMatch(/password|hash|token/i);
    // Each event has its own id, which is the same in the log.
    const ids = hooks.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('delivers nothing for a change that was rolled back', async () => {
    const [user, marker] = await Promise.all([signUp(server), signUp(server)]);
    const role = await server.gql(CreateRoleDocument, { input: { name: `rollback-${crypto.randomBytes(3).toString('hex')}` } }, { token: admin });
    const roleId = dataOf(role).createRole.id;
    await server.gql(AssignRolesDocument, { userIds: [user.user.id], roleIds: [roleId] }, { token: admin });
    const roles = await server.gql(RolesDocument, { filter: { name: 'admin' } }, { token: admin });
    const adminRole = dataOf(roles).roles.items.find((r) => r.name === 'admin')!.id;
    // All or nothing: the user's role goes first, then taking the last admin's role fails, and the whole change rolls back.
    const me = await signInAsAdmin(server);
    const refused = await server.gql(RemoveRolesDocument, { userIds: [user.user.id, me.user.id], roleIds: [roleId, adminRole] }, { token: admin });
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // A later change, delivered: everything committed before it has been delivered too.
    await server.gql(LogoutDocument, {}, { token: marker.accessToken });
    await until(
      'the later event',
      async () => hooks.accepted().some((r) => r.payload.type === 'session.revoked' && r.payload.data.userId === marker.user.id),
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(hooks.accepted().filter((r) => r.payload.type === 'role.removed' && r.payload.data.userId === user.user.id)).toEqual([]);
    expect(hooks.accepted().filter((r) => r.payload.type === 'role.assigned' && r.payload.data.userId === user.user.id)).toHaveLength(1);
  });

  it('redeliverWebhookEvent sends the same event again with the same webhook-id; the log lists every delivery', async () => {
    const first = hooks.received[0];
    const eventId = first.headers['webhook-id'];
    const again = await server.gql(RedeliverWebhookEventDocument, { id: eventId }, { token: admin });
    expect(dataOf(again).redeliverWebhookEvent).toEqual([expect.objectContaining({ eventId, status: 'PENDING', attempts: 0, webhookId })]);
    await until('the redelivery', async () => hooks.received.filter((r) => r.headers['webhook-id'] === eventId).length === 2, 30_000);
    const copies = hooks.received.filter((r) => r.headers['webhook-id'] === eventId);
    expect(copies[1].body).toBe(copies[0].body);
    const log = await server.gql(WebhookDeliveriesDocument, { webhookId }, { token: admin });
    expect(dataOf(log).webhookDeliveries.items.filter((d) => d.eventId === eventId)).toEqual([
      expect.objectContaining({ status: 'DELIVERED', attempts: 1, responseStatus: 204 }),
      expect.objectContaining({ status: 'DELIVERED', attempts: 1, responseStatus: 204 }),
    ]);
  });
});

describe('retries and failing endpoints', () => {
  it('a receiver answering 500 then 200 gets the event exactly once more, after the retry delay', async () => {
    const flaky = await receiver((n) => (n === 1 ? 500 : 200));
    const { webhook, secret } = await createWebhook(server, admin, flaky.url, ['user.created']);
    await signUp(server);
    await until('the retry', async () => flaky.received.length >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 2500));
    expect(flaky.received.map((r) => r.status)).toEqual([500, 200]);
    expect(flaky.received[1].headers['webhook-id']).toBe(flaky.received[0].headers['webhook-id']);
    expect(new Webhook(secret).verify(flaky.received[1].body, flaky.received[1].headers)).toMatchObject({ type: 'user.created' });
    const log = await server.gql(WebhookDeliveriesDocument, { webhookId: webhook.id }, { token: admin });
    expect(dataOf(log).webhookDeliveries.items).toEqual([
      expect.objectContaining({ status: 'DELIVERED', attempts: 2, responseStatus: 200, eventType: 'user.created' }),
    ]);
    await server.gql(DeleteWebhookDocument, { id: webhook.id }, { token: admin });
  });

  it('an endpoint whose deliveries fail after every retry is disabled, audited, and the admins are mailed', async () => {
    const broken = await receiver(() => 503);
    const { webhook } = await createWebhook(server, admin, broken.url, ['user.created']);
    await signUp(server);
    const disabled = await until(
      'the endpoint disabled',
      async () => {
        const list = await server.gql(WebhooksDocument, {}, { token: admin });
        return dataOf(list).webhooks.find((w) => w.id === webhook.id && !w.enabled);
      },
      30_000,
    );
    expect(disabled.disabledReason).toMatch(/1 deliveries in a row failed/);
    expect(broken.received.map((r) => r.status)).toEqual([503, 503]);
    const log = await server.gql(WebhookDeliveriesDocument, { webhookId: webhook.id, status: 'FAILED' }, { token: admin });
    expect(dataOf(log).webhookDeliveries.items).toEqual([
      expect.objectContaining({ attempts: 2, responseStatus: 503, lastError: 'The receiver answered 503.' }),
    ]);
    const audit = await server.gql(AuditEventsDocument, { filter: { type: 'webhook.disabled' } }, { token: admin });
    expect(dataOf(audit).auditEvents.items[0].details).toMatchObject({ webhookId: Number(webhook.id), url: broken.url });
    await until(
      'the mail to the admin',
      async () => (await server.mails(ADMIN_EMAIL)).some((m) => m.includes('A webhook endpoint was disabled') && m.includes(broken.url)),
      10_000,
    );
    // Re-enabled, it gets new events again.
    const enabled = await server.gql(UpdateWebhookDocument, { id: webhook.id, input: { enabled: true } }, { token: admin });
    expect(dataOf(enabled).updateWebhook).toMatchObject({ enabled: true, disabledReason: null });
    await server.gql(DeleteWebhookDocument, { id: webhook.id }, { token: admin });
  });
});

describe('management', () => {
  it('admins only: anonymous is UNAUTHENTICATED, a user FORBIDDEN', async () => {
    const user = await signUp(server);
    expectCode(await server.gql(WebhooksDocument, {}), 'UNAUTHENTICATED');
    expectCode(await server.gql(WebhooksDocument, {}, { token: user.accessToken }), 'FORBIDDEN');
    expectCode(
      await server.gql(CreateWebhookDocument, { input: { url: 'https://example.com/hooks', events: ['user.created'] } }, { token: user.accessToken }),
      'FORBIDDEN',
    );
  });

  it('refuses unknown events, no events, and URLs that are not http(s) or carry credentials, all at once', async () => {
    const result = await server.gql(
      CreateWebhookDocument,
      { input: { url: 'ftp://user:pw@example.com/', events: ['user.created', 'user.exploded'] } },
      { token: admin },
    );
    expectCode(result, 'BAD_USER_INPUT');
    expect(result.errors![0].extensions!.fields).toEqual([
      { field: 'input.url', message: 'Only http and https URLs can receive webhooks.' },
      expect.objectContaining({ field: 'input.events', message: expect.stringContaining('Unknown event types: user.exploded') }),
    ]);
    const none = await server.gql(CreateWebhookDocument, { input: { url: 'http://127.0.0.1/', events: [] } }, { token: admin });
    expect(none.errors![0].extensions!.fields).toEqual([{ field: 'input.events', message: 'Choose at least one event.' }]);
  });

  it('rotateWebhookSecret: deliveries are signed with the new secret only; the secret is in no log', async () => {
    const hooks = await receiver();
    const created = await createWebhook(server, admin, hooks.url, ['user.created']);
    const rotated = await server.gql(RotateWebhookSecretDocument, { id: created.webhook.id }, { token: admin });
    const secret = dataOf(rotated).rotateWebhookSecret.secret;
    expect(secret).not.toBe(created.secret);
    await signUp(server);
    await until('the delivery', async () => hooks.received.length === 1, 30_000);
    expect(new Webhook(secret).verify(hooks.received[0].body, hooks.received[0].headers)).toMatchObject({ type: 'user.created' });
    expect(() => new Webhook(created.secret).verify(hooks.received[0].body, hooks.received[0].headers)).toThrow();
    expect(server.logs()).not.toContain(secret.slice(6));
    expect(server.logs()).not.toContain(created.secret.slice(6));
    await server.gql(DeleteWebhookDocument, { id: created.webhook.id }, { token: admin });
  });
});

describe('SSRF (WEBHOOK_ALLOW_PRIVATE_TARGETS unset)', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:9/hooks'],
    ['a name resolving to loopback', 'http://localhost/hooks'],
    ['IPv6 loopback', 'http://[::1]/hooks'],
    ['a private network', 'https://10.1.2.3/hooks'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hooks'],
  ])('refuses %s when the webhook is created', async (_what, url) => {
    const token = (await signInAsAdmin(strict)).accessToken;
    const result = await strict.gql(CreateWebhookDocument, { input: { url, events: ['user.created'] } }, { token });
    expectCode(result, 'BAD_USER_INPUT');
    expect(result.errors![0].extensions!.fields).toEqual([
      { field: 'input.url', message: expect.stringMatching(/loopback, private, link-local or metadata address/) },
    ]);
  });
});

describe('durability', () => {
  it('a change committed just before a SIGKILL is delivered after the restart; a gateway that refuses private targets does not deliver to it', async () => {
    const hooks = await receiver();
    const env = { ...settings, JWT_SECRET: crypto.randomBytes(32).toString('hex') };
    // No delivery workers: the process dies between the change and its delivery.
    const first = await startTestServer({ ...env, WEBHOOK_WORKERS: '0' });
    let restarted: TestServer | undefined;
    try {
      const token = (await signInAsAdmin(first)).accessToken;
      const { secret } = await createWebhook(first, token, hooks.url, ['user.created']);
      const email = uniqueEmail('crash');
      await signUp(first, { email });
      await first.stop({ keepData: true, signal: 'SIGKILL' });
      expect(hooks.received).toEqual([]);
      restarted = await startTestServer(env, { reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl } });
      await until('the delivery after the restart', async () => hooks.received.length > 0, 30_000);
      expect(hooks.received).toHaveLength(1);
      expect(new Webhook(secret).verify(hooks.received[0].body, hooks.received[0].headers)).toMatchObject({ type: 'user.created', data: { email } });
    } finally {
      await (restarted ?? first).stop({ keepData: true });
    }

    // SSRF is checked again at every delivery: the same endpoint, on a gateway that does not allow private targets, gets nothing.
    const strictAgain = await startTestServer(
      { ...env, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' },
      { reuse: { dataDir: first.dataDir, databaseUrl: first.databaseUrl } },
    );
    try {
      const token = (await signInAsAdmin(strictAgain)).accessToken;
      await signUp(strictAgain);
      const [endpoint] = dataOf(await strictAgain.gql(WebhooksDocument, {}, { token })).webhooks;
      const failed = await until(
        'the refused delivery',
        async () => {
          const log = await strictAgain.gql(WebhookDeliveriesDocument, { webhookId: endpoint.id, status: 'FAILED' }, { token });
          return dataOf(log).webhookDeliveries.items[0];
        },
        30_000,
      );
      expect(failed).toMatchObject({
        attempts: 2,
        responseStatus: null,
        lastError: expect.stringMatching(/^127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback, private, link-local or metadata address/),
      });
      expect(hooks.received).toHaveLength(1);
    } finally {
      await strictAgain.stop();
    }
  });
});

describe('the key that encrypts stored secrets', () => {
  it('WEBHOOK_ENCRYPTION_KEY, when set, keeps decrypting what was stored under it (also from the key file older gateways generated); without either, the key derived from KEY_ENCRYPTION_KEY cannot read them, and a rotated secret works', async () => {
    const hooks = await receiver();
    const legacyKey = crypto.randomBytes(32).toString('hex');
    // A retry a minute away: the refused attempt stays in the log as PENDING.
    const env = { ...settings, WEBHOOK_RETRY_SCHEDULE: '60', JWT_SECRET: crypto.randomBytes(32).toString('hex') };
    let current = await startTestServer({ ...env, WEBHOOK_ENCRYPTION_KEY: legacyKey });
    const reuse = { dataDir: current.dataDir, databaseUrl: current.databaseUrl };
    const restart = async (extra: Record<string, string> = {}) => {
      await current.stop({ keepData: true });
      current = await startTestServer({ ...env, ...extra }, { reuse });
      return (await signInAsAdmin(current)).accessToken;
    };
    /** Signs a user up and returns the delivery the receiver got for it, verified with `secret`. */
    const deliveredWith = async (secret: string) => {
      const email = uniqueEmail('key');
      await signUp(current, { email });
      const delivery = await until('the delivery', async () => hooks.received.find((r) => r.body.includes(email)), 30_000);
      return new Webhook(secret).verify(delivery.body, delivery.headers);
    };
    try {
      const token = (await signInAsAdmin(current)).accessToken;
      const { secret, webhook } = await createWebhook(current, token, hooks.url, ['user.created']);
      expect(await deliveredWith(secret)).toMatchObject({ type: 'user.created' });

      // Existing deployments keep WEBHOOK_ENCRYPTION_KEY set: their stored secrets still open.
      await restart({ WEBHOOK_ENCRYPTION_KEY: legacyKey });
      expect(await deliveredWith(secret)).toMatchObject({ type: 'user.created' });

      // A development gateway that generated its key under DATA_DIR before the derivation: the file is still read.
      await fs.writeFile(path.join(reuse.dataDir, 'webhook-encryption-key'), legacyKey + '\n', { mode: 0o600 });
      await restart();
      expect(await deliveredWith(secret)).toMatchObject({ type: 'user.created' });

      // Neither: the key derived from KEY_ENCRYPTION_KEY is another key, so the old secret cannot be read; a rotated one can.
      await fs.rm(path.join(reuse.dataDir, 'webhook-encryption-key'));
      const admin = await restart();
      const before = hooks.received.length;
      await signUp(current);
      const refused = await until(
        'the refused attempt',
        async () => {
          const log = await current.gql(WebhookDeliveriesDocument, { webhookId: webhook.id, status: 'PENDING' }, { token: admin });
          return dataOf(log).webhookDeliveries.items.find((d) => d.attempts === 1);
        },
        30_000,
      );
      expect(refused).toMatchObject({ responseStatus: null, lastError: 'The signing secret could not be read; rotate the secret.' });
      expect(hooks.received).toHaveLength(before);
      expect(current.logs()).toContain('cannot read the webhook signing secret');
      const rotated = await current.gql(RotateWebhookSecretDocument, { id: webhook.id }, { token: admin });
      expect(await deliveredWith(dataOf(rotated).rotateWebhookSecret.secret)).toMatchObject({ type: 'user.created' });
    } finally {
      await current.stop();
    }
  }, 600_000); // four starts of the gateway
});
