// The lean path for JSON POSTs to /graphql (src/http/lean-graphql.ts) answers
// exactly as the Express app does. `POST /graphql/` (trailing slash) is not
// lean and goes through Express's /graphql mount, so each request is sent both
// ways and the answers compared: status, body and every header but those
// that differ per response (date, a generated request id).
import { startTestServer, type TestServer } from './support/server';
import { signUp } from './support/fixtures';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: 'https://app.example.test', TRUST_PROXY: '1', BODY_LIMIT: '2000' });
});
afterAll(() => server.stop());

const PER_RESPONSE = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

async function answer(pathname: string, body: string, headers: Record<string, string>) {
  const response = await server.post(pathname, body, headers);
  const kept: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!PER_RESPONSE.has(name)) kept[name] = value;
  });
  return { status: response.status, headers: kept, body: await response.text(), requestId: response.headers.get('x-request-id') };
}

/** Sends the request to the lean path and to Express, and expects the same answer; returns it. */
async function same(body: string, headers: Record<string, string>) {
  const lean = await answer('/graphql', body, headers);
  const viaExpress = await answer('/graphql/', body, headers);
  expect(lean).toEqual({ ...viaExpress, requestId: lean.requestId });
  return lean;
}

const json = { 'content-type': 'application/json' };

describe('lean /graphql path', () => {
  it('answers a query, anonymous and signed in, as Express does', async () => {
    const anonymous = await same(JSON.stringify({ query: '{ me { id } }' }), json);
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers['cache-control']).toBe('no-store');
    expect(anonymous.headers['x-content-type-options']).toBe('nosniff');
    const user = await signUp(server);
    const signedIn = await same(JSON.stringify({ query: '{ me { id } }' }), { ...json, authorization: `Bearer ${user.accessToken}` });
    expect(JSON.parse(signedIn.body)).toEqual({ data: { me: { id: user.user.id } } });
    await same(JSON.stringify({ query: '{ me { id } }' }), { ...json, authorization: 'Bearer not-a-token' });
  });

  it('refuses bad bodies as Express does', async () => {
    expect((await same('{"query": ', json)).status).toBe(400);
    expect((await same(JSON.stringify({ query: `{ me { id } } #${'x'.repeat(3000)}` }), json)).status).toBe(413);
    expect((await same(JSON.stringify([{ query: '{ me { id } }' }]), json)).status).toBe(400);
    expect((await same(JSON.stringify({ query: '{ nope }' }), json)).status).toBe(400);
    expect((await same('', json)).status).toBeGreaterThanOrEqual(400);
    await same(JSON.stringify({ query: '{ me { id } }' }), { 'content-type': 'application/json; charset=latin1' });
    await same(JSON.stringify({ query: '{ me { id } }' }), { 'content-type': 'application/json', 'content-encoding': 'br' });
  });

  it('reads the bodies it parses itself (Content-Length within BODY_LIMIT, UTF-8, no encoding) as express.json() does', async () => {
    const query = JSON.stringify({ query: '{ __typename }' });
    expect((await same(query, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect((await same(query, { 'content-type': 'application/json; charset="UTF-8"' })).status).toBe(200);
    expect((await same(`\uFEFF${query}`, json)).status).toBe(200);
    expect((await same(` \n\t${query}\n`, json)).status).toBe(200);
    // Strict: the first character must open an object or array.
    expect((await same('"{ __typename }"', json)).status).toBe(400);
    expect((await same('123', json)).status).toBe(400);
    expect((await same('   ', json)).status).toBe(400);
    expect((await same('{"query": "{ __typename }"} trailing', json)).status).toBe(400);
    // Other charsets, encodings and sizes go to body-parser.
    expect((await same(query, { 'content-type': 'application/json; charset=utf-16' })).status).toBe(400);
    expect((await same(query, { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' })).status).toBe(200);
    const atLimit = JSON.stringify({ query: `{ __typename } #${'x'.repeat(2000)}` }).slice(0, 2000);
    expect((await same(atLimit, json)).status).toBe(400);
    const justUnder = JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(2000 - 40) });
    expect(Buffer.byteLength(justUnder)).toBeLessThanOrEqual(2000);
    expect((await same(justUnder, json)).status).toBe(200);
  });

  it('keeps request ids, CORS and trust proxy', async () => {
    const given = await same(JSON.stringify({ query: '{ __typename }' }), { ...json, 'x-request-id': 'req-123' });
    expect(given.requestId).toBe('req-123');
    const cors = await same(JSON.stringify({ query: '{ __typename }' }), { ...json, origin: 'https://app.example.test' });
    expect(cors.headers['access-control-allow-origin']).toBe('https://app.example.test');
    await same(JSON.stringify({ query: '{ __typename }' }), { ...json, origin: 'https://evil.example.test' });
    await same(JSON.stringify({ query: '{ __typename }' }), { ...json, 'x-forwarded-for': '203.0.113.9' });
  });

  it('leaves GET, other content types and other paths to Express', async () => {
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(get.status).toBe(200);
    // Apollo's CSRF prevention still refuses a simple request's content type.
    const text = await server.post('/graphql', JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
  });
});
