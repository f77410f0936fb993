// The HTTP surface around GraphQL: health checks, GET requests and Apollo's
// CSRF prevention, the Sandbox landing page, production hardening, request
// limits, unknown paths, and refusing to start on bad configuration.
import { runUntilExit, startTestServer, type TestServer } from './support/server';

const CSRF_MESSAGE =
  "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n";
const INTROSPECTION_MESSAGE =
  'GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. To enable introspection, pass introspection: true to ApolloServer in production';

// Two gateways, started together: start-up dominates this file's time.
let server: TestServer;
let production: TestServer;
beforeAll(async () => {
  [server, production] = await Promise.all([
    startTestServer({ NODE_ENV: 'development', BODY_LIMIT: '2048', AVATAR_MAX_BYTES: '1024' }),
    startTestServer({ NODE_ENV: 'production' }),
  ]);
});
afterAll(() => Promise.all([server, production].map((s) => s?.stop())));

function graphqlGet(target: TestServer, query: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${target.url}/graphql?${new URLSearchParams({ query })}`, { headers });
}

describe('in development', () => {
  it('answers /healthz with 200 JSON', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 JSON once the database answers', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ready', database: 'up' });
  });

  describe('GraphQL over GET', () => {
    it('refuses a query without a preflight-forcing header (CSRF prevention)', async () => {
      const response = await graphqlGet(server, '{ me { id } }');
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]).toMatchObject({ message: CSRF_MESSAGE, extensions: { code: 'BAD_REQUEST' } });
    });

    it.each([
      ['apollo-require-preflight', { 'apollo-require-preflight': 'true' }],
      ['x-apollo-operation-name', { 'x-apollo-operation-name': 'Me' }],
      ['a non-simple content-type', { 'content-type': 'application/json' }],
    ])('runs a query sent with %s', async (_case, headers) => {
      const response = await graphqlGet(server, 'query Me { me { id } }', headers);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { me: null } });
    });

    it('refuses a mutation with 405, allowing only POST', async () => {
      const response = await graphqlGet(server, 'mutation { logout }', { 'apollo-require-preflight': 'true' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      const body = await response.json();
      expect(body.errors[0]).toMatchObject({
        message: 'GET requests only support query operations, not mutation operations',
        extensions: { code: 'BAD_REQUEST' },
      });
    });
  });

  it('serves the Apollo Sandbox landing page to a browser on GET /graphql', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/^\s*<!DOCTYPE html>/i);
    expect(html).toContain('embeddable-sandbox.cdn.apollographql.com');
  });

  it('allows introspection', async () => {
    const result = await server.post('/graphql', JSON.stringify({ query: '{ __schema { queryType { name } } }' }));
    expect(result.status).toBe(200);
    expect(await result.json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('answers an unknown path with 404 JSON', async () => {
    const response = await fetch(`${server.url}/no/such/path`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /no/such/path.' } });
  });

  it('answers a malformed JSON body with 400 JSON', async () => {
    const response = await server.post('/graphql', '{"query": "{ me { id } }"');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' } });
  });

  it('answers a body over the /graphql limit with 413 JSON', async () => {
    // /graphql takes the larger of BODY_LIMIT and what a base64 avatar needs
    // (AVATAR_MAX_BYTES as base64, plus 64 KiB for the rest of the request).
    const response = await server.post('/graphql', JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(70_000)}` }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' } });
  });

  it('accepts a body under the limit', async () => {
    const response = await server.post('/graphql', JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(1900)}` }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: null } });
  });

  it('refuses HTTP batching (a JSON array of operations)', async () => {
    const response = await server.post('/graphql', JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]));
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } });
  });
});

describe('in production', () => {
  it('refuses introspection', async () => {
    const result = await production.post('/graphql', JSON.stringify({ query: '{ __schema { queryType { name } } }' }));
    expect(result.status).toBe(400);
    const body = await result.json();
    expect(body.errors).toEqual([
      {
        message: INTROSPECTION_MESSAGE,
        locations: [{ line: 1, column: 3 }],
        extensions: { validationErrorCode: 'INTROSPECTION_DISABLED', code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });

  it('serves no landing page, and no stack traces', async () => {
    const response = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.json();
    expect(body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  it('still answers ordinary operations', async () => {
    const result = await production.post('/graphql', JSON.stringify({ query: '{ me { id } }' }));
    expect(await result.json()).toEqual({ data: { me: null } });
  });
});

describe('start-up with a bad configuration', () => {
  it.each([
    ['production without JWT_SECRET', { NODE_ENV: 'production' }, 'JWT_SECRET is required in production (at least 32 bytes)'],
    ['a JWT_SECRET under 32 bytes', { JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET must be at least 32 bytes long'],
    ['ADMIN_EMAIL without ADMIN_PASSWORD', { ADMIN_EMAIL: 'admin@example.com' }, 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together'],
    ['a PORT that is not a number', { PORT: 'http' }, 'PORT must be an integer between 0 and 65535, got "http"'],
    ['a PORT out of range', { PORT: '70000' }, 'PORT must be an integer between 0 and 65535, got "70000"'],
    [
      'an APP_URL that is not an http URL',
      { APP_URL: 'app.example.com/x' },
      'APP_URL must be an absolute http or https URL without query or fragment, got "app.example.com/x"',
    ],
  ])('exits with code 2 and says why, on %s', async (_case, env, message) => {
    const { code, stderr } = await runUntilExit(env);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`usergraph: configuration error: ${message}`);
  });
});
