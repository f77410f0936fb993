// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven
// by playwright-core. Each test file describes the page methods it uses; this
// module finds the browser and the driver once, and skips the tests (saying
// why) where either is missing.
import fs from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags for a closed network: no background connections, no updates, no sync. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserContext<Page> {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
export interface Playwright<Page> {
  chromium: { launchPersistentContext(dir: string, options: Record<string, unknown>): Promise<BrowserContext<Page>> };
}

function loadPlaywright<Page>(): Playwright<Page> | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional package, loaded only when installed (a failed import is caught)
    return require('playwright-core') as Playwright<Page>;
  } catch {
    return null;
  }
}

/** The driver, why the browser tests are skipped (null when they run), and the `describe` to use. */
export function browserTests<Page>(suite: string): { playwright: Playwright<Page> | null; skipReason: string | null; describeInBrowser: jest.Describe } {
  const playwright = loadPlaywright<Page>();
  const skipReason = !fs.existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (apt-get update && apt-get install -y chromium)`
    : !playwright
      ? 'the playwright-core package is not installed'
      : null;
  if (skipReason) console.warn(`${suite}: skipping the headless-browser tests: ${skipReason}`);
  return { playwright, skipReason, describeInBrowser: skipReason ? describe.skip : describe };
}
