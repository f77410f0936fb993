// Where a webhook may point, and the one HTTP request a delivery makes.
// Server-side request forgery: a target whose name resolves to a loopback,
// private, link-local, shared, multicast or cloud metadata address is refused,
// when the endpoint is saved and again at every delivery, on the address the
// connection is actually made to (the lookup below pins it, so a name cannot
// resolve to a public address for the check and a private one for the
// connection). WEBHOOK_ALLOW_PRIVATE_TARGETS=true lifts this (tests, or a
// receiver inside the network). Redirects are not followed; a timeout and a
// cap on the answer read apply.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(prefix, bits, 'ipv6');

/** Whether an address is one a webhook must not reach (IPv4-mapped IPv6 is judged as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPrivateAddress(mapped[1]);
  const family = net.isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL a webhook may have, or the reason it may not. */
export function checkUrlShape(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Enter an absolute http or https URL.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Only http and https URLs can receive webhooks.';
  if (url.username || url.password) return 'The URL must not carry a user name or password.';
  if (raw.length > 2000) return 'The URL must be at most 2000 characters.';
  return null;
}

/** Resolves the host and refuses private addresses unless allowed; the address to connect to. */
export async function resolveTarget(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await dns.promises.lookup(host, { all: true, verbatim: true });
  if (!addresses.length) throw new TargetError(`${hostname} does not resolve.`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad)
      throw new TargetError(
        `${hostname} resolves to ${bad.address}, a loopback, private, link-local or metadata address; webhooks may only reach public addresses.`,
      );
  }
  return addresses[0];
}

/** Why a target cannot be reached, in words for the admin. */
export class TargetError extends Error {}

export interface DeliveryResult {
  status: number | null;
  /** Why it failed, when it did (no status, a redirect, or an error status). */
  error: string | null;
}

/** POSTs the body; 2xx is success, anything else (redirects included) a failure. */
export async function postDelivery(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; maxResponseBytes: number; allowPrivate: boolean },
): Promise<DeliveryResult> {
  const url = new URL(target);
  let resolved: { address: string; family: number };
  try {
    resolved = await resolveTarget(url.hostname, options.allowPrivate);
  } catch (error) {
    return { status: null, error: error instanceof TargetError ? error.message : `DNS lookup failed: ${(error as Error).message}` };
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'usergraph-webhooks/1' },
        // The checked address, so that the connection goes where the check looked.
        lookup: (_hostname, _options, callback) => (callback as (e: null, a: string, f: number) => void)(null, resolved.address, resolved.family),
        timeout: options.timeoutMs,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > options.maxResponseBytes) response.destroy();
        });
        const done = () => {
          clearTimeout(deadline);
          if (status >= 200 && status < 300) resolve({ status, error: null });
          else if (status >= 300 && status < 400) resolve({ status, error: `Redirect (${status}) not followed; point the webhook at the final URL.` });
          else resolve({ status, error: `The receiver answered ${status}.` });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    // The whole exchange, not just idle time, is bounded.
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      resolve({ status: null, error: error.message.slice(0, 500) });
    });
    request.end(body);
  });
}
