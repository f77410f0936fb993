// JSON:API 1.0 media type negotiation, shared by the JSON:API dialects (000
// and 002) through the framework: 415 for a JSON:API Content-Type with media
// type parameters, 406 when every JSON:API media type in Accept has some, each
// in the dialect's own error body; everything else is served as before.
import { startTestServer, type TestServer } from './support/server';
import { rest, type RestResult } from './support/rest';
import { PASSWORD, signInAsAdmin, uniqueEmail } from './support/fixtures';

const JSON_API = 'application/vnd.api+json';

let server: TestServer;
let adminToken: string;
beforeAll(async () => {
  server = await startTestServer();
  adminToken = (await signInAsAdmin(server)).accessToken;
});
afterAll(() => server.stop());

interface Dialect {
  name: string;
  /** One request of the dialect with a JSON:API body, and its success status. */
  send(headers: Record<string, string>): Promise<RestResult>;
  ok: number;
  /** The dialect's error body for a status. */
  error(status: number, title: string): unknown;
}

const DIALECTS: Dialect[] = [
  {
    name: '000 (POST /api/v1/users/registration)',
    send: (headers) =>
      rest(server, 'POST', '/api/v1/users/registration', {
        body: JSON.stringify({ data: { type: 'users', attributes: { email: uniqueEmail('media'), password: PASSWORD } } }),
        headers,
      }),
    ok: 201,
    error: (status, title) => ({ errors: [{ status: String(status), title, detail: expect.any(String) }], jsonapi: { version: '1.0' } }),
  },
  {
    name: '002 (POST /roles)',
    send: (headers) =>
      rest(server, 'POST', '/roles', {
        body: JSON.stringify({ data: { type: 'roles', attributes: { name: `media-${Math.random().toString(36).slice(2, 10)}` } } }),
        headers: { Authorization: `Bearer ${adminToken}`, ...headers },
      }),
    ok: 201,
    error: (status, title) => ({
      error: { status: String(status), title, code: status === 406 ? 'NOT_ACCEPTABLE' : 'UNSUPPORTED_MEDIA_TYPE', detail: expect.any(String) },
    }),
  },
];

describe.each(DIALECTS)('dialect $name', (dialect) => {
  it.each([`${JSON_API}; charset=utf-8`, `${JSON_API};ext=bulk`, `${JSON_API}; profile="https://example.com/p"`])(
    'answers Content-Type %s with 415',
    async (contentType) => {
      const response = await dialect.send({ 'Content-Type': contentType, Accept: JSON_API });
      expect(response.status).toBe(415);
      expect(response.type).toBe(JSON_API);
      expect(response.json).toEqual(dialect.error(415, 'Unsupported Media Type'));
    },
  );

  it.each([`${JSON_API}; ext=bulk`, `${JSON_API}; charset=utf-8, ${JSON_API}; ext=x`, `text/html, ${JSON_API}; profile=x`])(
    'answers Accept %s with 406',
    async (accept) => {
      const response = await dialect.send({ 'Content-Type': JSON_API, Accept: accept });
      expect(response.status).toBe(406);
      expect(response.type).toBe(JSON_API);
      expect(response.json).toEqual(dialect.error(406, 'Not Acceptable'));
    },
  );

  it.each([JSON_API, `${JSON_API}; ext=bulk, ${JSON_API}`, `${JSON_API};q=0.9`, 'application/json', '*/*'])('serves Accept %s', async (accept) => {
    const response = await dialect.send({ 'Content-Type': JSON_API, Accept: accept });
    expect(response.status).toBe(dialect.ok);
  });
});

it('leaves dialects that do not speak JSON:API alone', async () => {
  // Dialect 001 takes +json bodies as JSON and has no Accept rule.
  const response = await rest(server, 'GET', '/v1/user', { headers: { Authorization: `Bearer ${adminToken}`, Accept: `${JSON_API}; ext=bulk` } });
  expect(response.status).toBe(200);
});
