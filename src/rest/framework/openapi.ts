// The OpenAPI 3.1 document of the REST layer, generated from the same route
// declarations the router mounts, so it cannot drift from what is served.
import { Kind, print } from 'graphql';
import { FORM } from './body.js';
import { routesOf } from './router.js';
import type { JsonSchema, ParameterDoc, ResponseDoc, RestDialect, AnyRestRoute } from './types.js';

type Json = Record<string, unknown>;
interface MediaTypeObject {
  schema?: unknown;
  example?: unknown;
  encoding?: Json;
}
interface ResponseObject {
  description: string;
  headers?: Json;
  content?: Record<string, MediaTypeObject>;
}
interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: unknown;
}
interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters?: ParameterObject[];
  requestBody?: { required: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
  security: Json[];
  'x-dialect': string;
  'x-graphql-operation'?: string;
  'x-dispatch'?: string;
  'x-alternatives'?: { dialect: string; graphql?: string }[];
}

function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}

function parameter(name: string, location: 'path' | 'query' | 'header', doc: ParameterDoc): ParameterObject {
  return {
    name,
    in: location,
    required: location === 'path' ? true : (doc.required ?? false),
    ...(doc.description ? { description: doc.description } : {}),
    schema: doc.schema ?? { type: 'string' },
  };
}

/** Form bodies nest with brackets: OpenAPI's deepObject style, for each object property. */
function formEncoding(schema: JsonSchema): Json | undefined {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const nested = Object.entries(properties).filter(([, s]) => s.type === 'object' || s.type === 'array');
  return nested.length ? Object.fromEntries(nested.map(([name]) => [name, { style: 'deepObject', explode: true }])) : undefined;
}

function response(doc: ResponseDoc, dialect: RestDialect): ResponseObject {
  const contentType = doc.contentType ?? dialect.contentType;
  const hasContent = doc.schema !== undefined || doc.example !== undefined;
  return {
    description: doc.description,
    ...(doc.headers
      ? {
          headers: Object.fromEntries(Object.entries(doc.headers).map(([n, h]) => [n, { description: h.description, schema: h.schema ?? { type: 'string' } }])),
        }
      : {}),
    ...(hasContent
      ? { content: { [contentType]: { ...(doc.schema ? { schema: doc.schema } : {}), ...(doc.example !== undefined ? { example: doc.example } : {}) } } }
      : {}),
  };
}

/**
 * Root fields whose services count attempts against a throttle
 * (src/security/throttle.ts) or a queue limit, and so may answer
 * RATE_LIMITED: a route running one of them may answer 429. `register` is
 * listed for the registration rate limit.
 */
export const THROTTLED_FIELDS = new Set([
  'login',
  'register',
  'confirmUser',
  'resendConfirmation',
  'requestPasswordReset',
  'validatePasswordResetToken',
  'resetPassword',
  'refreshSession',
  'uploadVideo',
]);

/** Whether the route can answer 429: its operation runs a throttled field, or one of its auth schemes is throttled. */
function mayThrottle(route: AnyRestRoute): boolean {
  if (route.auth?.some((scheme) => scheme.throttled)) return true;
  return route.operation.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.selectionSet.selections.some((s) => s.kind === Kind.FIELD && THROTTLED_FIELDS.has(s.name.value)),
  );
}

const RETRY_AFTER: Record<string, ParameterDoc> = {
  'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } },
};

/** Answers every route of the dialect may give besides its own: outages, throttling, JSON:API negotiation. */
function frameworkErrors(dialect: RestDialect, route: AnyRestRoute): Record<number, ResponseDoc> {
  const errors: Record<number, ResponseDoc> = {};
  if (dialect.jsonApi) {
    errors[406] = { description: 'Accept lists application/vnd.api+json only with media type parameters (JSON:API 1.0)' };
    errors[415] = { description: 'Wrong content type, or application/vnd.api+json with media type parameters (JSON:API 1.0)' };
  }
  if (mayThrottle(route)) errors[429] = { description: 'Too many attempts: try again after Retry-After seconds', headers: RETRY_AFTER };
  errors[503] = { description: 'The database is unavailable: try again after Retry-After seconds', headers: RETRY_AFTER };
  return errors;
}

function operation(dialect: RestDialect, route: AnyRestRoute): OperationObject {
  const doc = route.doc;
  const pathNames = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  const parameters = [
    ...pathNames.map((name) => parameter(name, 'path', doc.pathParams?.[name] ?? {})),
    ...Object.entries(doc.query ?? {}).map(([name, p]) => parameter(name, 'query', p)),
    ...Object.entries(doc.headers ?? {}).map(([name, p]) => parameter(name, 'header', p)),
  ];
  const responses: Record<string, ResponseObject> = {};
  // Error answers without their own schema have the dialect's error body.
  for (const [status, r] of Object.entries(doc.responses)) {
    responses[status] = response(Number(status) >= 400 && !r.schema ? { ...r, schema: dialect.errorSchema } : r, dialect);
  }
  for (const [status, description] of Object.entries(dialect.commonErrors)) {
    responses[status] ??= response({ description, schema: dialect.errorSchema }, dialect);
  }
  for (const [status, doc] of Object.entries(frameworkErrors(dialect, route))) {
    responses[status] ??= response({ ...doc, schema: dialect.errorSchema }, dialect);
  }
  return {
    operationId: `${dialect.id}_${route.name}`,
    tags: [dialect.title],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: doc.body.required ?? true,
            content: Object.fromEntries(
              doc.body.contentTypes.map((type) => {
                const encoding = type === FORM ? formEncoding(doc.body!.schema) : undefined;
                return [
                  type,
                  { schema: doc.body!.schema, ...(encoding ? { encoding } : {}), ...(doc.body!.example !== undefined ? { example: doc.body!.example } : {}) },
                ];
              }),
            ),
          },
        }
      : {}),
    responses,
    security: (route.auth ?? []).filter((scheme) => scheme.openapi).map((scheme) => ({ [scheme.name]: [] })),
    'x-dialect': dialect.id,
    'x-graphql-operation': print(route.operation),
    ...(route.when ? { 'x-dispatch': 'Shares this method and path with another dialect; chosen by the request body and headers.' } : {}),
  };
}

/** One status answered by two dialects: either description, either body. */
function mergeResponse(a: ResponseObject, b: ResponseObject): ResponseObject {
  const description = a.description === b.description ? a.description : `${a.description} | ${b.description}`;
  const content: Record<string, MediaTypeObject> = { ...(a.content ?? {}) };
  for (const [type, media] of Object.entries(b.content ?? {})) {
    const mine = content[type];
    content[type] = !mine ? media : JSON.stringify(mine.schema) === JSON.stringify(media.schema) ? mine : { schema: { oneOf: [mine.schema, media.schema] } };
  }
  return { ...a, description, ...(Object.keys(content).length ? { content } : {}) };
}

/** Two dialects on one method and path become one operation whose bodies and answers are alternatives. */
function merge(a: OperationObject, b: OperationObject): OperationObject {
  const content: Record<string, MediaTypeObject> = { ...(a.requestBody?.content ?? {}) };
  for (const [type, media] of Object.entries(b.requestBody?.content ?? {})) {
    const encoding = { ...(content[type]?.encoding ?? {}), ...(media.encoding ?? {}) };
    content[type] = content[type] ? { schema: { oneOf: [content[type].schema, media.schema] }, ...(Object.keys(encoding).length ? { encoding } : {}) } : media;
  }
  // Security alternatives; a route without any accepts anonymous callers (`{}`).
  const security = (op: OperationObject): Json[] => (op.security.length ? op.security : [{}]);
  const responses: Record<string, ResponseObject> = { ...a.responses };
  for (const [status, r] of Object.entries(b.responses)) {
    if (!responses[status]) responses[status] = r;
    else responses[status] = mergeResponse(responses[status], r);
  }
  return {
    ...a,
    operationId: `${a.operationId}__${b.operationId}`,
    tags: [...new Set([...a.tags, ...b.tags])],
    summary: `${a.summary} | ${b.summary}`,
    parameters: [...(a.parameters ?? []), ...(b.parameters ?? []).filter((p) => !(a.parameters ?? []).some((q) => q.name === p.name && q.in === p.in))],
    ...(Object.keys(content).length ? { requestBody: { required: true, content } } : {}),
    responses,
    security: [...security(a), ...security(b)],
    'x-dialect': `${a['x-dialect']} ${b['x-dialect']}`,
    'x-alternatives': [
      ...(a['x-alternatives'] ?? [{ dialect: a['x-dialect'], graphql: a['x-graphql-operation'] }]),
      { dialect: b['x-dialect'], graphql: b['x-graphql-operation'] },
    ],
    'x-dispatch': 'Shared by two dialects; the request body and headers choose one.',
  };
}

export function buildOpenApiDocument(dialects: RestDialect[], serverUrl: string): Json {
  const paths: Record<string, Record<string, OperationObject>> = {};
  const securitySchemes: Json = {};
  for (const { dialect, route } of routesOf(dialects)) {
    const path = openApiPath(route.path);
    const method = route.method.toLowerCase();
    const op = operation(dialect, route);
    paths[path] ??= {};
    paths[path][method] = paths[path][method] ? merge(paths[path][method], op) : op;
    for (const scheme of route.auth ?? []) if (scheme.openapi) securitySchemes[scheme.name] = scheme.openapi;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'usergraph REST compatibility layer',
      version: '1.0.0',
      description: 'Legacy REST dialects served on the same GraphQL operations as /graphql. Each operation names its GraphQL document in x-graphql-operation.',
    },
    servers: [{ url: serverUrl }],
    tags: dialects.map((d) => ({ name: d.title, description: d.description ?? d.title })),
    paths,
    components: { securitySchemes },
  };
}
