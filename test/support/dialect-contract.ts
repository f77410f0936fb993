// What every REST dialect answers the same way, because the framework answers
// it (src/rest/framework): a wrong media type (415), a body over BODY_LIMIT
// (413), malformed JSON (400), no or a bad token (401), a signed-in caller who
// is not an admin (403), a used-up throttle (429) and a database outage (503),
// each in the dialect's own error shape. Written once, as Apollo's
// `defineIntegrationTestSuite` is, and run by each test/rest-00X file against
// its own server with a small table of its routes and error shape.
import { startTestServer, type StartOptions, type TestServer } from './server';
import { startServerBehindProxy, type TcpProxy } from './tcp-proxy';
import { signUp } from './fixtures';
import type { RestResult } from './rest';

const onPostgres = !!process.env.TEST_DATABASE_URL;

/** What a dialect answers for an error the framework raised with this status, code and message. */
export interface DialectAnswer {
  status: number;
  body: unknown;
}

export interface DialectTable {
  /** The file's server, started in its `beforeAll` (with `startDialectServer` for the outage case). */
  server: () => DialectServer;
  /** Media type of the dialect's error answers. */
  errorType: string;
  /** The dialect's answer to a framework error (`message` may be an asymmetric matcher). */
  error(status: number, code: string, message: unknown): DialectAnswer;
  /** A route that reads a body, sent `body` as `contentType` with whatever credentials it needs to get that far. */
  send(body: string, contentType: string): Promise<RestResult>;
  /** The JSON media type `send` accepts (application/json, or JSON:API's). */
  json: string;
  /** Every media type `send` accepts (each is refused over BODY_LIMIT). */
  accepts: string[];
  /** The server's BODY_LIMIT in bytes. */
  bodyLimit: number;
  /** A route for signed-in callers, called with `token` (null: no Authorization). */
  signedIn(token: string | null): Promise<RestResult>;
  /** An admin-only route, called with a signed-in non-admin's token; null when the dialect has no admin route. */
  adminOnly: ((token: string) => Promise<RestResult>) | null;
  /**
   * A throttled call: `start()` sets up a fresh subject (an account) and gives the attempt, which the throttle
   * allows `allowed` times before answering 429. Null when no route of the dialect is throttled.
   */
  throttled: { allowed: number; start(): Promise<() => Promise<RestResult>> } | null;
  /** A request that needs the database (for the outage case), answering 2xx while the database is up. */
  readsDatabase(): Promise<RestResult>;
}

/** A test server whose database connection can be cut (on PostgreSQL; null on PGlite, which cannot go away). */
export interface DialectServer extends TestServer {
  database: Pick<TcpProxy, 'cut' | 'restore'> | null;
}

/** Starts the file's server; on PostgreSQL its database connection goes through a proxy the outage case cuts. */
export async function startDialectServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<DialectServer> {
  if (!onPostgres) return { ...(await startTestServer(env, options)), database: null };
  return startServerBehindProxy(env, options);
}

function expectAnswer(table: DialectTable, response: RestResult, status: number, code: string, message: unknown): void {
  const expected = table.error(status, code, message);
  expect({ status: response.status, type: response.type, body: response.json as unknown }).toEqual({
    status: expected.status,
    type: table.errorType,
    body: expected.body,
  });
}

const SIGN_IN = 'You must be signed in to do this.';

/** Registers the framework behaviours every dialect shares, run against `table`'s server. */
export function defineDialectContract(dialect: string, table: DialectTable): void {
  describe(`dialect ${dialect}: what every dialect answers alike`, () => {
    it('answers a content type the route does not take with 415 (naming the type)', async () => {
      const response = await table.send('email=x', 'text/plain');
      expectAnswer(table, response, 415, 'UNSUPPORTED_MEDIA_TYPE', expect.stringMatching(/^Content type text\/plain is not accepted here; send /));
    });

    it.each(table.accepts)('answers a %s body over BODY_LIMIT with 413', async (contentType) => {
      // Refused by its length, unread: the same bytes serve as a form and as JSON.
      const response = await table.send(`{"filler":"${'x'.repeat(table.bodyLimit)}"}`, contentType);
      expectAnswer(table, response, 413, 'PAYLOAD_TOO_LARGE', 'The request body is too large.');
    });

    it('answers malformed JSON with 400', async () => {
      const response = await table.send('{"email": ', table.json);
      expectAnswer(table, response, 400, 'MALFORMED_BODY', 'The request body is not valid JSON.');
    });

    it.each([
      ['no token', null],
      ['a bad token', 'not-a-token'],
    ])('answers a signed-in route with %s with 401', async (_case, token) => {
      expectAnswer(table, await table.signedIn(token), 401, 'UNAUTHENTICATED', SIGN_IN);
    });

    (table.adminOnly ? it : it.skip)('answers an admin-only route with 403 to a signed-in user who is not an admin', async () => {
      const user = await signUp(table.server());
      expectAnswer(table, await table.adminOnly!(user.accessToken), 403, 'FORBIDDEN', 'This needs the admin role.');
    });

    (table.throttled ? it : it.skip)('answers a used-up throttle with 429 and Retry-After', async () => {
      const throttled = table.throttled!;
      const attempt = await throttled.start();
      for (let i = 0; i < throttled.allowed; i++) expect((await attempt()).status).not.toBe(429);
      const limited = await attempt();
      expectAnswer(table, limited, 429, 'RATE_LIMITED', expect.stringMatching(/^Too many .+\. Try again in \d+ seconds\.$/));
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    (onPostgres ? it : it.skip)('answers 503 with Retry-After while the database is away, and recovers by itself (PostgreSQL)', async () => {
      const { database } = table.server();
      expect((await table.readsDatabase()).status).toBeLessThan(300);
      database!.cut();
      let during: RestResult;
      try {
        during = await table.readsDatabase();
      } finally {
        database!.restore();
      }
      expectAnswer(table, during, 503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; try again shortly.');
      expect(during.headers.get('retry-after')).toBe('5');
      let recovered = false;
      for (let i = 0; i < 40 && !recovered; i++) {
        recovered = (await table.readsDatabase()).status < 300;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(recovered).toBe(true);
    });
  });
}
