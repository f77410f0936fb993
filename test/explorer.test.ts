// The schema explorer works without internet: GraphiQL is served from the
// installed packages under helmet's CSP (GRAPHQL_EXPLORER=graphiql), and the
// default Sandbox page switches to it when Apollo's CDN cannot be reached.
// Checked in headless Chromium (as test/rest-003-forms.test.ts) with every
// request that would leave the machine aborted and recorded; skipped, saying
// why, where there is no /usr/bin/chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './support/server';
import { CHROMIUM, CHROMIUM_ARGS, browserTests, type BrowserContext } from './support/browser';
import { signUp } from './support/fixtures';
import { UpdateMeDocument } from './__generated__/graphql';

// Minimal shapes of what the test uses, so it type-checks without playwright-core installed.
interface Route {
  request(): { url(): string };
  continue(): Promise<void>;
  abort(): Promise<void>;
}
interface Page {
  goto(url: string): Promise<{ status(): number; headers(): Record<string, string> } | null>;
  route(url: string, handler: (route: Route) => Promise<void>): Promise<void>;
  on(event: 'console', handler: (message: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', handler: (error: Error) => void): void;
  addInitScript(script: string): Promise<void>;
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  waitForURL(url: string, options?: { timeout?: number }): Promise<void>;
  waitForEvent(event: 'websocket', options?: { timeout?: number }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  evaluate<T>(script: string): Promise<T>;
  click(selector: string): Promise<void>;
  url(): string;
  close(): Promise<void>;
}
const { playwright, skipReason, describeInBrowser } = browserTests<Page>('explorer');

/** A page on which every request off 127.0.0.1 is aborted and recorded, with its CSP violations and errors collected. */
async function offlinePage(context: BrowserContext<Page>) {
  const page = await context.newPage();
  const leaving: string[] = [];
  const problems: string[] = [];
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
    leaving.push(url.href);
    return route.abort();
  });
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  page.on('console', (message) => {
    if (/Content Security Policy|CSP violation|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, leaving, problems };
}

/** The result pane's text once `done` accepts it (polled: see runQuery). */
async function resultWhen(page: Page, done: (text: string) => boolean): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const result = await page.evaluate<string>("document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() ?? ''");
    if (done(result)) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('GraphiQL showed no such result within 60 s');
}

/** Types a query into GraphiQL's editor, runs it, and returns the result pane's text. */
async function runQuery(page: Page, query: string): Promise<string> {
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 60_000 });
  await page.evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(query)})`);
  await page.click('.graphiql-execute-button');
  // Polled with evaluate (run by the DevTools protocol): waitForFunction compiles its string in the page, which the CSP forbids.
  for (let i = 0; i < 600; i++) {
    const result = await page.evaluate<string>("document.querySelector('.result-window .CodeMirror')?.CodeMirror.getValue() ?? ''");
    if (result.includes('data')) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('GraphiQL showed no result within 60 s');
}

describeInBrowser(`schema explorer offline, in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let context: BrowserContext<Page>;
  let userDataDir: string;
  beforeAll(async () => {
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usergraph-chromium-'));
    context = await playwright!.chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  describe('GRAPHQL_EXPLORER=graphiql', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ GRAPHQL_EXPLORER: 'graphiql' });
    });
    afterAll(() => server?.stop());

    it('serves GraphiQL on /graphql under the strict CSP, runs a query and shows the result, with no request leaving the machine', async () => {
      const { page, leaving, problems } = await offlinePage(context);
      const response = await page.goto(`${server.url}/graphql`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
      const result = await runQuery(page, '{ __typename }');
      expect(JSON.parse(result)).toEqual({ data: { __typename: 'Query' } });
      expect(leaving).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });

    it('runs a subscription over graphql-ws, signed in from its Headers tab, and shows the events as they come', async () => {
      const user = await signUp(server);
      const { page, leaving, problems } = await offlinePage(context);
      await page.goto(`${server.url}/graphql`);
      await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 60_000 });
      await page.click('.graphiql-editor-tools button:has-text("Headers")');
      await page.evaluate(
        `document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').CodeMirror.setValue(${JSON.stringify(JSON.stringify({ Authorization: `Bearer ${user.accessToken}` }))})`,
      );
      await page.evaluate(
        `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('subscription { viewerEvents { type currentSession } }')`,
      );
      // GraphiQL reads the editor's document after a debounce and picks WebSocket or HTTP from it: a click before that
      // would send the subscription over HTTP. So give the debounce time, and require the socket to open.
      const socketOpened = page.waitForEvent('websocket', { timeout: 60_000 });
      await page.waitForTimeout(500);
      await page.click('.graphiql-execute-button');
      await socketOpened;
      // The button turns into "stop" while the subscription runs; the event is then caused over HTTP until one
      // arrives (the first may come before the socket has subscribed).
      await page.waitForSelector('.graphiql-execute-button[aria-label^="Stop"]', { timeout: 30_000 });
      let n = 0;
      const result = await resultWhen(page, (text) => {
        if (!text.includes('PROFILE_UPDATED') && n++ % 10 === 0)
          void server.gql(UpdateMeDocument, { input: { profile: { firstName: `Streamed ${n}` } } }, { token: user.accessToken });
        return text.includes('PROFILE_UPDATED');
      });
      expect(JSON.parse(result)).toEqual({ data: { viewerEvents: { type: 'PROFILE_UPDATED', currentSession: false } } });
      expect(leaving).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });
  });

  describe('the default Sandbox landing page', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(() => server?.stop());

    it('switches to GraphiQL when Apollo’s CDN cannot be reached, and GraphiQL runs a query under the strict CSP', async () => {
      const { page, leaving, problems } = await offlinePage(context);
      await page.goto(`${server.url}/graphql`);
      // (Not a waitForFunction: the Sandbox page's own CSP forbids evaluating strings.)
      await page.waitForURL(`${server.url}/graphiql`, { timeout: 60_000 });
      // Apollo's page tried to reach its CDN (the Sandbox script, favicon) and Google Fonts; all stopped here.
      expect(leaving.some((url) => url.startsWith('https://embeddable-sandbox.cdn.apollographql.com/'))).toBe(true);
      expect(leaving.map((url) => new URL(url).hostname).filter((host) => !host.endsWith('.cdn.apollographql.com') && host !== 'fonts.googleapis.com')).toEqual(
        [],
      );
      // GraphiQL itself asks nothing of the outside.
      leaving.length = 0;
      const result = await runQuery(page, '{ __typename }');
      expect(JSON.parse(result)).toEqual({ data: { __typename: 'Query' } });
      expect(leaving).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });
  });
});

describe('explorer over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it('keeps Sandbox as the default landing page, with a fallback to GraphiQL', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toMatch(
      /<script nonce="([^"]*)" src="https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\/[^"]+"><\/script>\n<script nonce="\1">if \(!window\.EmbeddedSandbox\) window\.location\.replace\('\/graphiql'\);<\/script>/,
    );
    expect(html).toContain('<a href="/graphiql">Open GraphiQL</a>');
  });

  it('serves GraphiQL and only its own assets, with the strict CSP even while Sandbox turns it off elsewhere', async () => {
    const page = await fetch(`${server.url}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'(;|$)/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    for (const src of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      expect(src).toMatch(/^\/graphiql\/assets\//);
      const asset = await fetch(`${server.url}${src}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/(javascript|css)/);
    }
    expect((await fetch(`${server.url}/graphiql/assets/package.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/graphiql/assets/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('serves no explorer when the landing page is off (production)', async () => {
    const production = await startTestServer({ NODE_ENV: 'production' });
    try {
      expect((await fetch(`${production.url}/graphiql`)).status).toBe(404);
    } finally {
      await production.stop();
    }
  });
});
