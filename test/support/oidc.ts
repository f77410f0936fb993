// Drives OpenID Connect flows in tests: starts test/support/oidc-provider.mjs
// (panva's oidc-provider) on a loopback port, and plays the browser through
// its login and consent pages with a cookie jar, following redirects by hand
// until they leave the provider.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export interface OpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface TestProvider {
  issuer: string;
  /** Sets the claims the provider reports for a subject. */
  setAccount(sub: string, claims: Record<string, unknown>): Promise<void>;
  /** An ID token with the provider's issuer and kid, signed by a key it does not publish. */
  forge(aud: string, sub: string, nonce: string): Promise<string>;
  stop(): Promise<void>;
}

/** A free loopback port (for a gateway whose callback URL a provider must know before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestProvider(clients: OpClient[]): Promise<TestProvider> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'oidc-provider.mjs'), JSON.stringify({ clients })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`oidc-provider did not start:\n${output}`)), 30_000);
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.startsWith('{"issuer"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line).issuer);
      }
    });
    child.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}:\n${output}`)));
  });
  const post = async (pathname: string, body: unknown) => {
    const response = await fetch(`${issuer}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${pathname}: ${response.status}`);
    return response;
  };
  return {
    issuer,
    async setAccount(sub, claims) {
      await post('/test/accounts', { sub, claims });
    },
    async forge(aud, sub, nonce) {
      return ((await (await post('/test/forge', { aud, sub, nonce })).json()) as { idToken: string }).idToken;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A browser's cookies for one provider (names are unique enough here: the provider's cookies differ by name). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function formOf(html: string): { action: string; prompt: string } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !prompt) throw new Error(`no interaction form in:\n${html.slice(0, 500)}`);
  return { action: action.replace(/&amp;/g, '&'), prompt };
}

/**
 * Opens `authorizationUrl` as a browser would, signs in at the provider as
 * `login` and consents (or aborts when `abort`), and returns the URL the
 * provider finally redirects to (the gateway's callback, or a native app's).
 */
export async function authorizeAtProvider(authorizationUrl: string, login: string, options: { jar?: CookieJar; abort?: boolean } = {}): Promise<URL> {
  const jar = options.jar ?? new CookieJar();
  const origin = new URL(authorizationUrl).origin;
  let request: { url: string; init?: RequestInit } = { url: authorizationUrl };
  for (let step = 0; step < 20; step++) {
    const response = await fetch(request.url, { ...request.init, redirect: 'manual', headers: { ...(request.init?.headers ?? {}), cookie: jar.header() } });
    jar.store(response);
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, request.url);
      if (next.origin !== origin) return next;
      request = { url: next.toString() };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`provider answered ${response.status}: ${html.slice(0, 500)}`);
    const form = formOf(html);
    const action = new URL(form.action, request.url).toString();
    if (options.abort) {
      request = { url: `${action}/abort` };
      continue;
    }
    const fields: Record<string, string> = form.prompt === 'login' ? { prompt: 'login', login, password: 'any-password' } : { prompt: form.prompt };
    request = {
      url: action,
      init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() },
    };
  }
  throw new Error('too many redirects at the provider');
}

/** The gateway's answer to the provider's redirect: where it sends the browser (the SPA's redirect URI with code or error), or its error body. */
export async function followCallback(callback: URL): Promise<{ status: number; location: URL | null; body: unknown }> {
  const response = await fetch(callback, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location ? new URL(location) : null, body: location ? null : await response.json().catch(() => null) };
}
