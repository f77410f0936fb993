// Dialect 003's HTML forms in a real headless browser (Debian's chromium
// driven by playwright-core): the new-user form creates a user, and the edit
// form, fetched with a Bearer token, updates one through its `_method=PUT`
// override and embedded form token. Skipped, saying why, where there is no
// /usr/bin/chromium (install: apt-get update && apt-get install -y chromium).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './support/server';
import { rest } from './support/rest';
import { PASSWORD, signIn, signInAsAdmin, uniqueEmail } from './support/fixtures';
import { CHROMIUM, CHROMIUM_ARGS, browserTests, type BrowserContext } from './support/browser';

/** The flags this machine needs (no network beyond localhost, no sandbox as root). */

// Minimal shapes of what the test uses, so it type-checks without playwright-core installed.
interface Response {
  status(): number;
}
interface Route {
  request(): { method(): string; headers(): Record<string, string> };
  continue(options: { headers: Record<string, string> }): Promise<void>;
}
interface Page {
  goto(url: string): Promise<Response | null>;
  fill(selector: string, value: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  waitForResponse(predicate: (r: Response & { url(): string; request(): { method(): string } }) => boolean): Promise<Response>;
  route(url: string, handler: (route: Route) => Promise<void>): Promise<void>;
  inputValue(selector: string): Promise<string>;
  locator(selector: string): { innerText(): Promise<string> };
  close(): Promise<void>;
}
const { playwright, skipReason, describeInBrowser } = browserTests<Page>('rest-003-forms');

describeInBrowser(`003 HTML forms in headless Chromium${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: TestServer;
  let base: string;
  let adminToken: string;
  let context: BrowserContext<Page>;
  let userDataDir: string;

  beforeAll(async () => {
    server = await startTestServer();
    adminToken = (await signInAsAdmin(server)).accessToken;
    base = (await rest(server, 'GET', '/rest/openapi.json')).json.servers[0].url;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usergraph-chromium-'));
    context = await playwright!.chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    await server?.stop();
  });

  /** Submits the page's form and answers the JSON the browser ends on. */
  async function submit(page: Page, expectedStatus: number) {
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${base}/v1/users`));
    await page.click('button[type=submit]');
    expect((await answer).status()).toBe(expectedStatus);
    return JSON.parse(await page.locator('body').innerText());
  }

  /** Opens the edit form the way a client app would: the page request carries its Bearer token, the form post does not. */
  async function openEditForm(page: Page, id: number, token: string) {
    const url = `${base}/v1/users/${id}/edit`;
    await page.route(url, (route) => {
      const headers = { ...route.request().headers(), authorization: `Bearer ${token}` };
      return route.continue({ headers });
    });
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
  }

  async function apiUser(id: number) {
    const response = await rest(server, 'GET', `/v1/users/${id}`, { headers: { Authorization: `Bearer ${adminToken}` } });
    expect(response.status).toBe(200);
    return response.json;
  }

  it('creates a user with the new-user form, then the user edits their username with the edit form', async () => {
    const page = await context.newPage();
    const email = uniqueEmail('browser');
    const username = `browser-${Date.now().toString(36)}`;
    const form = await page.goto(`${base}/v1/users/new`);
    expect(form?.status()).toBe(200);
    await page.fill('#user_email', email);
    await page.fill('#user_username', username);
    await page.fill('#user_password', PASSWORD);
    await page.fill('#user_pass_confirm', PASSWORD);
    const created = await submit(page, 201);
    expect(created).toMatchObject({ email, username, password_hash: null, deleted: 0 });
    expect(await apiUser(created.id)).toMatchObject({ id: created.id, email, username });

    const token = (await signIn(server, email, PASSWORD)).accessToken;
    await openEditForm(page, created.id, token);
    expect(await page.inputValue('#user_email')).toBe(email);
    expect(await page.inputValue('#user_username')).toBe(username);
    const renamed = `${username}-edited`;
    await page.fill('#user_username', renamed);
    const updated = await submit(page, 200);
    expect(updated).toMatchObject({ id: created.id, email, username: renamed });
    expect(await apiUser(created.id)).toMatchObject({ email, username: renamed });
    await page.close();
  });

  it('lets an admin edit the admin fields of a user, with markup kept as text', async () => {
    const page = await context.newPage();
    const email = uniqueEmail('browser-admin');
    const created = await rest(server, 'POST', '/v1/users', {
      body: new URLSearchParams({ email, username: `browser-a-${Date.now().toString(36)}`, password: PASSWORD, pass_confirm: PASSWORD }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const id = created.json.id as number;
    await openEditForm(page, id, adminToken);
    const status = '"><b>away</b>';
    await page.fill('#user_status', status);
    await page.fill('#user_status_message', 'Back on Monday & <i>not</i> before');
    await page.selectOption('#user_active', '0');
    const updated = await submit(page, 200);
    expect(updated).toMatchObject({ id, status, status_message: 'Back on Monday & <i>not</i> before', active: 0 });
    expect(await apiUser(id)).toMatchObject({ status, active: 0 });
    // The form shows what it saved, as text.
    await openEditForm(page, id, adminToken);
    expect(await page.inputValue('#user_status')).toBe(status);
    await page.close();
  });
});
