// The shape of a REST dialect: routes declared as data. A route turns a
// request into variables for one GraphQL operation, and the operation's data
// (or errors) into the dialect's response. Nothing here knows a dialect.
import type { IncomingHttpHeaders } from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Context } from '../../graphql/context.js';
import type { ErrorCode, FieldError } from '../../common/errors.js';
import type { Config } from '../../config.js';
import type { HelperOperation } from './executor.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON Schema (OpenAPI 3.1 dialect), kept loose on purpose. */
export type JsonSchema = Record<string, unknown>;

/** What a request mapper sees: the HTTP request, already parsed. */
export interface RestRequest {
  method: HttpMethod;
  /** Path as requested, without the query string. */
  path: string;
  /** `:name` segments of the route path. */
  pathParams: Record<string, string>;
  /** Query string, parsed with Rails bracket nesting. */
  query: Record<string, unknown>;
  /** Parsed body: an object for forms, any JSON value for JSON; `{}` when there is none. */
  body: unknown;
  /** Media type of the body, lower-cased, without parameters; null when there is no body. */
  contentType: string | null;
  headers: IncomingHttpHeaders;
  /** One request header (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** Rails-style params: query, then body (when an object), then path params. */
  params: Record<string, unknown>;
  /** Base URL for links in responses (config PUBLIC_URL or the listening address). */
  publicUrl: string;
}

export interface RestResponse {
  status: number;
  headers?: Record<string, string>;
  /** Defaults to the dialect's content type. */
  contentType?: string;
  /** An object is sent as JSON, a string as is, undefined as no body. */
  body?: unknown;
}

/**
 * Every failure a dialect has to shape: errors of the GraphQL operation (by
 * `extensions.code`), errors thrown by mappers (the same typed errors), and the
 * framework's own (unreadable body, wrong content type, body too large).
 */
/**
 * The codes dialects map. Multi-factor codes never reach them: the legacy
 * documents know only these, so toRestError reads MFA_* as UNAUTHENTICATED and
 * REAUTH_REQUIRED as FORBIDDEN, keeping the message that says what to do.
 */
export type RestErrorCode =
  | Exclude<ErrorCode, 'MFA_REQUIRED' | 'MFA_TICKET_INVALID' | 'MFA_CODE_INVALID' | 'MFA_ENROLLMENT_REQUIRED' | 'REAUTH_REQUIRED'>
  | 'MALFORMED_BODY'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE';

export interface RestError {
  code: RestErrorCode;
  /** The usual HTTP status for the code; dialects may choose another. */
  status: number;
  message: string;
  /** Per-field problems, with GraphQL input paths (`input.email`) or mapper names. */
  fields: FieldError[];
  /** GraphQL response path of the failing field, when it came from the operation. */
  path?: ReadonlyArray<string | number>;
  /** The multi-factor code behind a legacy one (MFA_REQUIRED read as UNAUTHENTICATED, ...), for dialects that say more. */
  mfaCode?: string;
  /** Seconds to wait before trying again (rate limits, outages): sent as `Retry-After` by every dialect. */
  retryAfter?: number;
}

/** How a caller proves who they are: documented in OpenAPI, enforced before the operation runs. */
export interface AuthScheme {
  /** Key in components.securitySchemes. */
  name: string;
  /**
   * The OpenAPI security scheme. Omitted for a credential sent in the body (an
   * HTML form's token), which security schemes cannot describe: the route's
   * body schema documents it instead.
   */
  openapi?: Record<string, unknown>;
  /**
   * Runs before the operation, with the context already built (Bearer tokens are
   * resolved there). May add to the context, or throw an AppError. Default: nothing.
   */
  authenticate?(req: RestRequest, ctx: Context): Promise<void> | void;
  /** Wrong credentials count against a throttle, so a route using the scheme may answer 429. Default false. */
  throttled?: boolean;
}

export interface ParameterDoc {
  description?: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface ResponseDoc {
  description: string;
  /** Defaults to the dialect's content type. */
  contentType?: string;
  schema?: JsonSchema;
  example?: unknown;
  headers?: Record<string, ParameterDoc>;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  query?: Record<string, ParameterDoc>;
  headers?: Record<string, ParameterDoc>;
  /** Path parameters default to required strings. */
  pathParams?: Record<string, ParameterDoc>;
  body?: { contentTypes: string[]; schema: JsonSchema; required?: boolean; example?: unknown };
  /** Success and route-specific error responses; the dialect's common errors are added. */
  responses: Record<number, ResponseDoc>;
}

export interface RouteEnv {
  req: RestRequest;
  ctx: Context;
}

/**
 * A route that takes files. A multipart/form-data body is then streamed (each
 * file part becomes an `Upload` at its bracket place in the params, spooled to
 * a temp file), after the auth schemes have run. Routes without it answer
 * multipart with 415.
 */
export interface RouteUploads {
  /** Largest file part in bytes (413 above). */
  maxFileBytes(config: Config): number;
  /** Limit of a non-multipart body (e.g. a base64 file in a form); default the framework's BODY_LIMIT. */
  bodyLimit?(config: Config): number;
}

/**
 * A route whose GraphQL operation returns `Data` and takes `Variables`: both
 * come from the generated document (src/rest/__generated__/operations.ts), so
 * a schema change that breaks the route fails the type check.
 */
/**
 * What a route's mapper returns: the operation's variables by name (a
 * misspelt or renamed one fails the type check), with values as read from the
 * request. A missing or mistyped value is left to GraphQL's variable
 * coercion, which answers BAD_USER_INPUT naming the variable, as the dialects
 * document.
 */
export type RequestVariables<Variables> = { [Name in keyof Variables]?: unknown };

export interface RestRoute<Data, Variables> {
  /** Unique within the dialect; becomes the OpenAPI operationId. */
  name: string;
  method: HttpMethod;
  /** Express path syntax: `/v1/users/:id`. */
  path: string;
  /**
   * When two dialects claim one method and path, the first route whose
   * predicate holds serves the request; a route without one is the fallback.
   */
  when?(req: RestRequest): boolean;
  /** Authentication schemes the route accepts (documentation and pre-checks). */
  auth?: AuthScheme[];
  /** One generated GraphQL document (the dialect's operations.graphql), validated against the schema at start-up. */
  operation: TypedDocumentNode<Data, Variables>;
  /** Request to variables. Throw typed errors (ValidationError...) for bad input. */
  variables(req: RestRequest, ctx: Context): RequestVariables<Variables> | Promise<RequestVariables<Variables>>;
  /** Operation data to response. May throw typed errors (e.g. `me` is null). */
  respond(data: Data, env: RouteEnv): RestResponse;
  /**
   * Route-specific error shaping; return undefined to fall back to the
   * dialect's. `ctx` is missing when the request failed before the context was
   * built (unreadable body, wrong content type).
   */
  error?(error: RestError, env: { req: RestRequest; ctx?: Context }): RestResponse | undefined;
  uploads?: RouteUploads;
  doc: RouteDoc;
}

/**
 * A route of some operation, as a dialect lists it. Each route is type-checked
 * against its own operation where it is declared; a list of different routes
 * can only forget those types (the router treats data and variables opaquely).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an existential: see above.
export type AnyRestRoute = RestRoute<any, any>;

export interface RestDialect {
  /** Short id used in operationIds and tags, e.g. `d001`. */
  id: string;
  /** Human title: the system the style comes from. */
  title: string;
  description?: string;
  /** Content type of JSON responses. */
  contentType: string;
  /** Body media types accepted; others answer UNSUPPORTED_MEDIA_TYPE. */
  bodyTypes: string[];
  routes: AnyRestRoute[];
  /** Operations the request mappers run besides the routes' own; compiled with them at start-up. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of different operations, each typed where it is declared.
  helperOperations?: Array<HelperOperation<any, any>>;
  /** Shapes any failure into the dialect's error response. */
  error(error: RestError, env: { req: RestRequest; ctx?: Context }): RestResponse;
  /** OpenAPI schema of the dialect's error body. */
  errorSchema: JsonSchema;
  /** Error statuses every route of the dialect may answer (added to each operation's doc). */
  commonErrors: Record<number, string>;
  /**
   * Honour `_method=PUT|PATCH|DELETE` in a POSTed `application/x-www-form-urlencoded`
   * body (HTML forms cannot send those methods), as Rack::MethodOverride and
   * CodeIgniter do: the request is served by this dialect's route for that
   * method and path. Default false.
   */
  methodOverride?: boolean;
  /**
   * Speaks JSON:API 1.0: a request whose `application/vnd.api+json`
   * Content-Type has media type parameters answers 415, and one whose Accept
   * lists that media type only with parameters answers 406 (see
   * negotiation.ts); OpenAPI documents both. Default false.
   */
  jsonApi?: boolean;
}
