// Builds one Express router from the dialects' route declarations. Routes that
// share a method and path (two dialects claiming `POST /v1/users`) are served
// by one handler that picks the first route whose `when` holds.
import express, { type Request, type Response, type Router } from 'express';
import type { GraphQLSchema } from 'graphql';
import { buildContext, expressRequestInfo, type AppDeps, type Context } from '../../graphql/context.js';
import { acceptsType, mediaType, readBody, parseQuery, HttpProblem, FORM, MULTIPART } from './body.js';
import { readMultipart } from './multipart.js';
import { checkJsonApiMediaTypes } from './negotiation.js';
import { compileOperation, runOperation, toRestError, type CompiledOperation } from './executor.js';
import type { AnyRestRoute, HttpMethod, RestDialect, RestError, RestRequest, RestResponse } from './types.js';

interface MountedRoute {
  dialect: RestDialect;
  route: AnyRestRoute;
  operation: CompiledOperation;
}

/** Every route of the dialects, with its dialect. */
export function routesOf(dialects: RestDialect[]): Array<{ dialect: RestDialect; route: AnyRestRoute }> {
  return dialects.flatMap((dialect) => dialect.routes.map((route) => ({ dialect, route })));
}

/** The first route whose `when` holds, else the fallback; the request is built only when some route has a `when`. */
function pick(candidates: MountedRoute[], request: () => RestRequest): MountedRoute {
  if (candidates.some((c) => c.route.when !== undefined)) {
    const req = request();
    const matching = candidates.find((c) => c.route.when?.(req));
    if (matching) return matching;
  }
  return candidates.find((c) => !c.route.when) ?? candidates[0];
}

function send(res: Response, dialect: RestDialect, response: RestResponse): void {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
  if (response.body === undefined) {
    res.end();
    return;
  }
  const contentType = response.contentType ?? dialect.contentType;
  const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  // JSON:API forbids media type parameters; plain JSON, HTML and text say their charset.
  const withCharset = /^(application\/json|text\/)/.test(contentType) && !/charset=/i.test(contentType);
  res.setHeader('Content-Type', withCharset ? `${contentType}; charset=utf-8` : contentType);
  res.send(Buffer.from(text, 'utf8'));
}

function restRequest(
  req: Request,
  method: HttpMethod,
  query: Record<string, unknown>,
  body: unknown,
  contentType: string | null,
  publicUrl: string,
): RestRequest {
  const pathParams = { ...(req.params as Record<string, string>) };
  const bodyParams = body && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
  return {
    method,
    path: req.path,
    pathParams,
    query,
    body,
    contentType,
    headers: req.headers,
    header: (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    params: { ...query, ...bodyParams, ...pathParams },
    publicUrl,
  };
}

export async function buildRestRouter(deps: AppDeps, schema: GraphQLSchema, dialects: RestDialect[]): Promise<Router> {
  const router = express.Router();
  const groups = new Map<string, MountedRoute[]>();
  for (const { dialect, route } of routesOf(dialects)) {
    const operation = compileOperation(schema, route.operation, `${dialect.id} ${route.method} ${route.path}`);
    const key = `${route.method} ${route.path}`;
    groups.set(key, [...(groups.get(key) ?? []), { dialect, route, operation }]);
  }
  for (const helper of dialects.flatMap((d) => d.helperOperations ?? [])) helper.compile(schema);

  // `_method` overrides: POST on a path also reaches the PUT/PATCH/DELETE routes of dialects that opt in.
  const overrides = new Map<string, Map<HttpMethod, MountedRoute[]>>();
  for (const [key, candidates] of groups) {
    const [method, path] = key.split(' ') as [HttpMethod, string];
    const overridable = candidates.filter((c) => c.dialect.methodOverride);
    if (!OVERRIDABLE.includes(method) || !overridable.length) continue;
    if (!overrides.has(path)) overrides.set(path, new Map());
    overrides.get(path)!.set(method, overridable);
  }
  for (const path of overrides.keys()) if (!groups.has(`POST ${path}`)) groups.set(`POST ${path}`, []);

  for (const [key, candidates] of groups) {
    const [method, path] = key.split(' ') as [HttpMethod, string];
    const targets = method === 'POST' ? overrides.get(path) : undefined;
    const everyone = [...candidates, ...[...(targets?.values() ?? [])].flat()];
    const mounted: MountedGroup = { method, own: candidates, overrides: targets, accept: [...new Set(everyone.flatMap((c) => c.dialect.bodyTypes))] };
    router[method.toLowerCase() as 'get'](path, (req: Request, res: Response) => serve(deps, schema, req, res, mounted));
  }
  return router;
}

const OVERRIDABLE: HttpMethod[] = ['PUT', 'PATCH', 'DELETE'];

/** What one Express route serves, worked out at start-up. */
interface MountedGroup {
  method: HttpMethod;
  /** Routes declared for this method and path (more than one when dialects share it). */
  own: MountedRoute[];
  /** On POST: the routes a `_method` override may reach. */
  overrides?: Map<HttpMethod, MountedRoute[]>;
  /** Body media types any of them accepts. */
  accept: string[];
}

/** The method a POSTed HTML form asks for with `_method`, when one of `targets` serves it. */
function overriddenMethod(body: unknown, contentType: string | null, targets: Map<HttpMethod, MountedRoute[]>): HttpMethod | null {
  if (contentType !== FORM || !body || typeof body !== 'object' || Buffer.isBuffer(body)) return null;
  const value = (body as Record<string, unknown>)._method;
  const method = typeof value === 'string' ? (value.trim().toUpperCase() as HttpMethod) : null;
  return method && targets.has(method) ? method : null;
}

async function serve(
  deps: AppDeps,
  schema: GraphQLSchema,
  req: Request,
  res: Response,
  { method: requested, own, overrides, accept }: MountedGroup,
): Promise<void> {
  const publicUrl = deps.publicUrl;
  let method = requested;
  let candidates = own.length ? own : [...overrides!.values()][0];
  let chosen = pick(candidates, () => restRequest(req, method, {}, {}, null, publicUrl));
  let rest: RestRequest | undefined;
  let ctx: Context | undefined;
  // A POST that names no overridden method has no route: the dialect answers, not a route's wording.
  let routeless = false;
  const fail = (error: RestError) => {
    const env = { req: rest ?? restRequest(req, method, {}, {}, null, publicUrl), ctx };
    const custom = routeless ? undefined : chosen.route.error?.(error, env);
    const response = custom ?? chosen.dialect.error(error, env);
    // Every dialect tells a throttled or waiting client when to come back.
    if (error.retryAfter) response.headers = { ...response.headers, 'Retry-After': String(error.retryAfter) };
    send(res, chosen.dialect, response);
  };
  try {
    const query = parseQuery(req.originalUrl);
    const uploads = chosen.route.uploads;
    // A multipart body is read only after the auth schemes ran (files are streamed: refuse a caller
    // before spooling anything they send); any other body is read first, and may pick the route.
    const multipart = mediaType(req) === MULTIPART;
    let body: unknown = {};
    let contentType: string | null = MULTIPART;
    if (multipart) {
      if (!uploads) {
        throw new HttpProblem(
          'UNSUPPORTED_MEDIA_TYPE',
          415,
          `Content type ${MULTIPART} is not accepted here; send ${chosen.dialect.bodyTypes.filter((t) => t !== MULTIPART).join(' or ')}.`,
        );
      }
    } else {
      const limit = uploads?.bodyLimit?.(deps.config) ?? deps.config.bodyLimit;
      ({ body, contentType } = await readBody(req, res, { limit, accept, maxDepth: deps.config.input.maxDepth }));
      const override = overrides ? overriddenMethod(body, contentType, overrides) : null;
      if (override) {
        method = override;
        candidates = overrides!.get(override)!;
      } else if (!own.length) {
        routeless = true;
        throw new HttpProblem('NOT_FOUND', 404, `No route for POST ${req.path}: send the form with _method=${[...overrides!.keys()].join(' or ')}.`);
      }
      const parsed = restRequest(req, method, query, body, contentType, publicUrl);
      rest = parsed;
      chosen = pick(candidates, () => parsed);
      if (contentType && !acceptsType(chosen.dialect.bodyTypes, contentType)) {
        throw new HttpProblem(
          'UNSUPPORTED_MEDIA_TYPE',
          415,
          `Content type ${contentType} is not accepted here; send ${chosen.dialect.bodyTypes.join(' or ')}.`,
        );
      }
    }
    if (chosen.dialect.jsonApi) checkJsonApiMediaTypes(req.headers);
    ctx = await buildContext(deps, expressRequestInfo(req));
    rest ??= restRequest(req, method, query, body, contentType, publicUrl);
    for (const scheme of chosen.route.auth ?? []) await scheme.authenticate?.(rest, ctx);
    if (multipart) {
      const files = await readMultipart(req, res, {
        maxFileBytes: uploads!.maxFileBytes(deps.config),
        maxFiles: deps.config.media.uploadMaxFiles,
        maxFieldBytes: uploads!.bodyLimit?.(deps.config) ?? deps.config.bodyLimit,
      });
      rest = restRequest(req, method, query, files, MULTIPART, publicUrl);
    }
    const variables = await chosen.route.variables(rest, ctx);
    const result = await runOperation(schema, chosen.operation, variables, ctx);
    if (!result.ok) return fail(result.errors[0]);
    send(res, chosen.dialect, chosen.route.respond(result.data, { req: rest, ctx }));
  } catch (error) {
    fail(toRestError(error, deps.logger));
  }
}
