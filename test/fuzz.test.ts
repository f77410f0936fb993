// Property-based fuzzing (fast-check): thousands of random and malformed
// requests against every GraphQL query and mutation (found by introspection,
// so new operations are covered without editing this file) and against the
// HTTP layer itself. None may answer 5xx, none may surface an unexpected
// INTERNAL_SERVER_ERROR, and the process must stay up.
//
// Every run prints its seed; `FUZZ_SEED=<seed> npx jest test/fuzz.test.ts`
// replays exactly the same cases (each test derives its own seed from it).
import fc from 'fast-check';
import { startTestServer, type TestServer } from './support/server';
import { signInAsAdmin, signUp } from './support/fixtures';

let server: TestServer;
let tokens: { user: string; admin: string };
beforeAll(async () => {
  server = await startTestServer({
    // Keep the throttles out of the way of the fuzzer's volume; they have their own tests.
    LOGIN_FAILURES_PER_ACCOUNT: '100',
    LOGIN_FAILURES_PER_IP: '100000',
    RESET_REQUESTS_PER_ACCOUNT: '1000',
    RESET_REQUESTS_PER_IP: '100000',
    TOKEN_GUESSES_PER_IP: '100000',
  });
  tokens = { user: (await signUp(server)).accessToken, admin: (await signInAsAdmin(server)).accessToken };
});
afterAll(() => server.stop());

const baseSeed = Number.parseInt(process.env.FUZZ_SEED ?? '', 10);
const SEED = Number.isSafeInteger(baseSeed) ? baseSeed : Math.floor(Math.random() * 0x7fffffff);
// Printed up front (not only on a failure), so a run that crashes or times out can be replayed too.
process.stdout.write(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})\n`);

/** fast-check options for one property: its own seed derived from SEED, the failure reported with it. */
function runOptions(test: number, numRuns: number): fc.Parameters<unknown> {
  return { numRuns, seed: (SEED + test) | 0, endOnFailure: true };
}

/**
 * fetch, with a transport failure ("fetch failed") reported with its cause
 * chain (the socket error) and the request, instead of undici's bare TypeError.
 */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const causes: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(`${e.name}: ${e.message}${'code' in e ? ` (${String(e.code)})` : ''}`);
    throw new Error(`${init.method ?? 'GET'} ${url} failed in transport: ${causes.join(' <- ')}`, { cause: error });
  }
}

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface Arg {
  name: string;
  type: TypeRef;
}
interface Field {
  name: string;
  args: Arg[];
  type: TypeRef;
}
interface FullType {
  name: string;
  kind: string;
  inputFields: Arg[] | null;
  enumValues: { name: string }[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECTION = `{ __schema {
  queryType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
  mutationType { fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } }
  types { name kind enumValues { name } inputFields { name type { ${TYPE_REF} } } }
} }`;

async function post(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, token?: string) {
  const response = await send(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'apollo-require-preflight': 'true', ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  const text = await response.text();
  return { status: response.status, text };
}

function typeString(ref: TypeRef): string {
  if (ref.kind === 'NON_NULL') return `${typeString(ref.ofType!)}!`;
  if (ref.kind === 'LIST') return `[${typeString(ref.ofType!)}]`;
  return ref.name!;
}

function namedType(ref: TypeRef): TypeRef {
  return ref.ofType ? namedType(ref.ofType) : ref;
}

/** Values that fit the type, mostly; sometimes deliberately not. */
function valueFor(ref: TypeRef, types: Map<string, FullType>, depth = 0): fc.Arbitrary<unknown> {
  const wrong = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.boolean(), fc.constant({}), fc.constant([]));
  if (depth > 4) return fc.constant(null);
  if (ref.kind === 'NON_NULL') return valueFor(ref.ofType!, types, depth);
  if (ref.kind === 'LIST')
    return fc.oneof({ weight: 5, arbitrary: fc.array(valueFor(ref.ofType!, types, depth + 1), { maxLength: 4 }) }, { weight: 1, arbitrary: wrong });
  const strings = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.emailAddress(),
    fc.constantFrom(
      '',
      ' ',
      '0',
      '-1',
      '1',
      '2',
      '999999999999',
      "'; DROP TABLE users; --",
      '../../etc/passwd',
      '%00',
      '\u0000',
      'admin',
      '2020-02-30',
      '1990-01-01',
      'Europe/Paris',
    ),
    fc.string({ minLength: 300, maxLength: 5000 }),
  );
  let right: fc.Arbitrary<unknown>;
  switch (ref.name) {
    case 'String':
    case 'ID':
      right = strings;
      break;
    case 'Int':
      right = fc.oneof(fc.integer(), fc.integer({ min: -5, max: 200 }), fc.constantFrom(0, 2147483647, -2147483648));
      break;
    case 'Float':
      right = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308));
      break;
    case 'Boolean':
      right = fc.boolean();
      break;
    case 'DateTimeISO':
      right = fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        strings,
      );
      break;
    case 'JSONObject':
      right = fc.oneof(
        fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.constant(null), fc.jsonValue({ maxDepth: 2 })), {
          maxKeys: 60,
        }),
        fc.jsonValue({ maxDepth: 3 }),
      );
      break;
    default: {
      const type = types.get(ref.name!);
      if (type?.kind === 'ENUM') right = fc.oneof(fc.constantFrom(...type.enumValues!.map((v) => v.name)), fc.string());
      else if (type?.kind === 'INPUT_OBJECT') {
        right = fc.record(Object.fromEntries(type.inputFields!.map((f) => [f.name, valueFor(f.type, types, depth + 1)])), { requiredKeys: [] });
      } else right = wrong;
    }
  }
  return fc.oneof({ weight: 8, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

function expectHealthy(result: { status: number; text: string }, context: string): void {
  if (result.status >= 500 || result.text.includes('INTERNAL_SERVER_ERROR')) {
    throw new Error(`${context} answered ${result.status}: ${result.text.slice(0, 500)}`);
  }
}

it('answers every GraphQL operation with random and malformed arguments without a 5xx', async () => {
  const { text } = await post(JSON.stringify({ query: INTROSPECTION }));
  const schema = JSON.parse(text).data.__schema as { queryType: { fields: Field[] }; mutationType: { fields: Field[] }; types: FullType[] };
  const types = new Map(schema.types.map((t) => [t.name, t]));
  const operations = [
    ...schema.queryType.fields.map((f) => ({ kind: 'query', field: f })),
    ...schema.mutationType.fields.map((f) => ({ kind: 'mutation', field: f })),
  ]
    // Uploads need multipart requests; the media tests cover them. Logout would end the fuzzer's session.
    .filter(({ field }) => !field.args.some((a) => namedType(a.type).name === 'Upload') && field.name !== 'logout');
  expect(operations.length).toBeGreaterThan(30);

  const operation = fc.constantFrom(...operations).chain(({ kind, field }) =>
    fc.record({
      kind: fc.constant(kind),
      field: fc.constant(field),
      variables: fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueFor(a.type, types)])), { requiredKeys: [] }),
      who: fc.constantFrom('anonymous', 'user', 'admin'),
    }),
  );

  let runs = 0;
  await fc.assert(
    fc.asyncProperty(operation, async ({ kind, field, variables, who }) => {
      runs++;
      const declared = field.args.map((a) => `$${a.name}: ${typeString(a.type)}`).join(', ');
      const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const selection = ['OBJECT', 'INTERFACE', 'UNION'].includes(namedType(field.type).kind) ? '{ __typename }' : '';
      const query = `${kind} Fuzz${declared ? `(${declared})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection} }`;
      const token = who === 'anonymous' ? undefined : tokens[who];
      expectHealthy(await post(JSON.stringify({ query, variables }), undefined, token), `${field.name}(${JSON.stringify(variables).slice(0, 300)}) as ${who}`);
    }),
    runOptions(1, 1500),
  );
  expect(runs).toBe(1500);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});

it('answers malformed HTTP requests to /graphql with 4xx, never 5xx', async () => {
  const contentTypes = fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/graphql',
    '',
    'application/json; charset=latin1',
  );
  const bodies = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .record({
        query: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        variables: fc.jsonValue({ maxDepth: 2 }),
        operationName: fc.oneof(fc.string(), fc.integer()),
      })
      .map((v) => JSON.stringify(v)),
    fc.constantFrom(
      '{"query": "{ me { id } "}',
      '{"query": "query { __typename }", "variables": "x"}',
      '[]',
      'null',
      '{',
      '{"query": "mutation { logout }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "x"}}}',
    ),
  );
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(contentTypes, bodies, async (contentType, body) => {
      runs++;
      const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
      expectHealthy(await post(body, headers), `POST /graphql (${contentType}) ${body.slice(0, 200)}`);
    }),
    runOptions(2, 500),
  );
  expect(runs).toBe(500);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});

it('answers random paths, methods and query strings without a 5xx', async () => {
  const spec = await fetch(`${server.url}/rest/openapi.json`);
  const paths: string[] = spec.status === 200 ? Object.keys(((await spec.json()) as { paths: Record<string, unknown> }).paths) : [];
  const knownPaths = ['/graphql', '/healthz', '/readyz', '/metrics', ...paths.map((p) => p.replace(/\{[^}]+\}/g, '1'))];
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.constantFrom(...knownPaths), fc.webPath()),
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
      fc.webQueryParameters(),
      fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      ),
      fc.constantFrom('application/json', 'application/vnd.api+json', 'application/x-www-form-urlencoded', 'text/plain'),
      async (path, method, query, body, contentType) => {
        runs++;
        const url = `${server.url}${path.startsWith('/') ? path : `/${path}`}${query ? `?${query}` : ''}`;
        const response = await send(url, { method, headers: { 'content-type': contentType }, body: ['GET', 'HEAD'].includes(method) ? undefined : body });
        const text = await response.text();
        expectHealthy({ status: response.status, text }, `${method} ${url} ${body.slice(0, 100)}`);
      },
    ),
    runOptions(3, 800),
  );
  expect(runs).toBe(800);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});
