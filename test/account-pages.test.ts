// The pages mailed links open on the gateway (/confirm, /reset-password), in
// a real headless browser with JavaScript off (Debian's chromium driven by
// playwright-core, as in rest-003-forms.test.ts): the link is taken from the
// mail file, the action completed, and the outcome checked through the API.
// Skipped, saying why, where there is no /usr/bin/chromium.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoginDocument, MeDocument, RequestPasswordResetDocument, RegisterDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { linkFromMail } from './support/mail';
import { expectCode, PASSWORD, signIn, uniqueEmail, dataOf, registerUser } from './support/fixtures';
import { CHROMIUM, CHROMIUM_ARGS, browserTests, type BrowserContext } from './support/browser';

// Minimal shapes of what the test uses, so it type-checks without playwright-core installed.
interface Response {
  status(): number;
  url(): string;
}
interface Locator {
  innerText(): Promise<string>;
  getAttribute(name: string): Promise<string | null>;
  count(): Promise<number>;
}
interface Page {
  goto(url: string): Promise<Response | null>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  waitForResponse(predicate: (r: Response & { request(): { method(): string } }) => boolean): Promise<Response>;
  locator(selector: string): Locator;
  on(event: 'console', handler: (message: { type(): string; text(): string }) => void): void;
  on(event: 'response', handler: (response: Response) => void): void;
  close(): Promise<void>;
}
const { playwright, skipReason, describeInBrowser } = browserTests<Page>('account-pages');

const INVALID_CONFIRM = 'The confirmation link is not valid: it is incomplete, has expired, or has already been used.';
const INVALID_RESET = 'The password reset link is not valid: it is incomplete, has expired, or has already been used.';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describeInBrowser(`account pages in headless Chromium without JavaScript${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let context: BrowserContext<Page>;
  let userDataDir: string;

  beforeAll(async () => {
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usergraph-chromium-'));
    context = await playwright!.chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      javaScriptEnabled: false,
    });
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  /**
   * A page that records console errors (a CSP refusal shows there) and every
   * response, to check nothing the page needs was refused. A page answered
   * with a 4xx on purpose is logged too, and left out.
   */
  async function openPage() {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const responses: Array<{ url: string; status: number }> = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('response', (response) => responses.push({ url: response.url(), status: response.status() }));
    return { page, consoleErrors, responses };
  }

  /** Presses the form's button and answers the status of the page it posted to. */
  async function submit(page: Page, pathname: string): Promise<number> {
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === pathname);
    await page.click('button[type=submit]');
    return (await answer).status();
  }

  async function expectPage(page: Page, heading: string, text?: string) {
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').innerText()).toBe(heading);
    if (text) expect(await page.locator('main').innerText()).toContain(text);
  }

  const register = async () => (await registerUser(server)).email;

  it('confirms an email address from the mailed link, once', async () => {
    const email = await register();
    const link = linkFromMail((await server.mails(email)).at(-1)!, '/confirm');
    // Without APP_URL the link opens this gateway's own page.
    expect(new URL(link).port).toBe(new URL(server.url).port);
    const { page, consoleErrors, responses } = await openPage();

    expect((await page.goto(link))?.status()).toBe(200);
    await expectPage(page, 'Confirm your email address');
    // Opening the link (as a mail scanner would) changes nothing: confirming takes the button.
    const before = await signIn(server, email, PASSWORD);
    expect(before.user.confirmed).toBe(false);

    expect(await submit(page, '/confirm')).toBe(200);
    await expectPage(page, 'Email address confirmed', 'your email address is confirmed');
    const me = await server.gql(MeDocument, {}, { token: (await signIn(server, email, PASSWORD)).accessToken });
    expect(dataOf(me).me).toMatchObject({ email, confirmed: true });

    // The stylesheet loaded under the page's CSP, and nothing was refused.
    expect(responses.filter((r) => r.url.endsWith('/account-pages.css')).map((r) => r.status)).toContain(200);
    expect(consoleErrors).toEqual([]);

    // The same link again: the page opens, but pressing the button says the link is spent.
    expect((await page.goto(link))?.status()).toBe(200);
    expect(await submit(page, '/confirm')).toBe(400);
    await expectPage(page, 'This link cannot be used', INVALID_CONFIRM);
    await page.close();
  });

  it('sets a new password from the mailed link: errors beside the fields, then the new password signs in and the old one does not', async () => {
    const email = await register();
    await server.gql(RequestPasswordResetDocument, { email });
    const link = linkFromMail((await server.mails(email)).at(-1)!, '/reset-password');
    const { page, consoleErrors } = await openPage();

    expect((await page.goto(link))?.status()).toBe(200);
    await expectPage(page, 'Choose a new password');
    // Labels name the fields, and the rules are stated before anyone gets them wrong.
    expect(await page.locator('label[for=password]').innerText()).toBe('New password');
    expect(await page.locator('label[for=passwordConfirmation]').innerText()).toBe('New password again');
    expect(await page.locator('#password').getAttribute('aria-describedby')).toBe('password-hint');
    expect(await page.locator('#password-hint').innerText()).toContain('At least 8 characters, and at most 72 bytes');

    // A confirmation that does not match: the server's own message, tied to its field.
    await page.fill('#password', 'a-brand-new-password-3');
    await page.fill('#passwordConfirmation', 'something-else-entirely');
    expect(await submit(page, '/reset-password')).toBe(400);
    await expectPage(page, 'Choose a new password');
    expect(await page.locator('#passwordConfirmation').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#passwordConfirmation').getAttribute('aria-describedby')).toBe('passwordConfirmation-error');
    expect(await page.locator('#passwordConfirmation-error').innerText()).toContain('Password confirmation does not match the password.');
    expect(await page.locator('#password').getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('.error-summary a[href="#passwordConfirmation"]').count()).toBe(1);

    // Over 72 bytes in 40 characters: the API's byte rule, not the browser's character count.
    await page.fill('#password', 'é'.repeat(40));
    await page.fill('#passwordConfirmation', 'é'.repeat(40));
    expect(await submit(page, '/reset-password')).toBe(400);
    expect(await page.locator('#password-error').innerText()).toContain('Password must be at most 72 bytes long');
    expect(await page.locator('#password').getAttribute('aria-describedby')).toBe('password-hint password-error');

    await page.fill('#password', 'a-brand-new-password-3');
    await page.fill('#passwordConfirmation', 'a-brand-new-password-3');
    expect(await submit(page, '/reset-password')).toBe(200);
    await expectPage(page, 'Password changed', 'Sign in with your new password.');
    expect(consoleErrors).toEqual([]);

    expect((await server.gql(LoginDocument, { identifier: email, password: 'a-brand-new-password-3' })).errors).toBeUndefined();
    expectCode(await server.gql(LoginDocument, { identifier: email, password: PASSWORD }), 'UNAUTHENTICATED');

    // The same link again says it is spent, without a form.
    expect((await page.goto(link))?.status()).toBe(400);
    await expectPage(page, 'This link cannot be used', INVALID_RESET);
    expect(await page.locator('form').count()).toBe(0);
    await page.close();
  });
});

describe('account pages over plain HTTP', () => {
  const get = (pathAndQuery: string) => fetch(`${server.url}${pathAndQuery}`);
  const post = (pathname: string, form: Record<string, string>) =>
    fetch(`${server.url}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('serves HTML with a script-free CSP and no caching or referrer', async () => {
    const response = await get('/confirm?id=1&token=whatever');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).not.toMatch(/<script|\son[a-z]+=|style="/i);
  });

  it('answers an unknown reset token exactly as a spent one, so it tells nothing about accounts', async () => {
    const unknown = await get('/reset-password?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(400);
    const body = await unknown.text();
    expect(body).toContain(INVALID_RESET);
    const missing = await get('/reset-password');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe(body);
  });

  it('refuses a post without the form token the page gave, and escapes what the link carried', async () => {
    const email = uniqueEmail('pages-http');
    await server.gql(RegisterDocument, { input: { email, password: PASSWORD } });
    const forged = await post('/confirm', { id: '1', token: 'x', form_token: 'not-a-token' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('<h1>This form has expired</h1>');
    const noForm = await post('/reset-password', { token: 'x', password: 'a-brand-new-password-3', passwordConfirmation: 'a-brand-new-password-3' });
    expect(noForm.status).toBe(400);
    expect(await noForm.text()).toContain('<h1>This form has expired</h1>');

    const page = await (await get(`/confirm?id=1&token=${encodeURIComponent('"><script>alert(1)</script>')}`)).text();
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page).not.toContain('<script>');
  });
});
