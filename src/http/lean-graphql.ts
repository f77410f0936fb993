// The lean path for the busiest request: a JSON POST to exactly `/graphql`.
// Express's router (path matching through every mounted layer, mount-path
// rewriting) and its Apollo integration cost 15-20% of a small query's CPU
// (bench/README.md). This path runs the same request handlers Express runs
// for such a request, in the same order (request id and logging, security
// headers, CORS, metrics, the JSON body limits of graphql-body.ts), gives the
// request and response Express's own prototypes (so `req.ip` honours
// `trust proxy`, and `res.status/json/send` are Express's), hands the body to
// `apollo.executeHTTPGraphQLRequest` as @as-integrations/express5 does, and
// sends failures to the same JSON error handler. Everything else (GET,
// multipart uploads, other content types, other paths, `/graphql/` variants,
// WebSocket upgrades) goes to the Express app unchanged.
import type http from 'node:http';
import type { Express, ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';
import type { ExpressContextFunctionArgument } from '@as-integrations/express5';
import { splitContentType } from './content-type.js';

const PATH = '/graphql';

/** Whether the request takes the lean path: POST to exactly /graphql (a query string allowed) with a JSON body. */
export function isLeanGraphqlRequest(req: http.IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (!url.startsWith(PATH) || (url.length > PATH.length && url.charCodeAt(PATH.length) !== 0x3f) /* ? */) return false;
  return splitContentType(req.headers['content-type']).type === 'application/json';
}

/** Runs connect-style handlers in order as Express does: an error (thrown, passed to next or a rejected promise) skips to `done(err)`. */
function runChain(handlers: RequestHandler[], req: Request, res: Response, done: (error?: unknown) => void): void {
  let at = 0;
  let finished = false;
  const finish = (error?: unknown) => {
    if (finished) return;
    finished = true;
    done(error);
  };
  const next = (error?: unknown): void => {
    if (finished) return;
    if (error) return finish(error);
    const handler = handlers[at++];
    if (!handler) return finish();
    try {
      const result: unknown = handler(req, res, next);
      if (result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
    } catch (e) {
      finish(e);
    }
  };
  next();
}

export interface LeanGraphqlOptions<TContext extends BaseContext> {
  app: Express;
  apollo: ApolloServer<TContext>;
  context: ContextFunction<[ExpressContextFunctionArgument], TContext>;
  /** The app-level handlers mounted before /graphql, in order (the same list the app mounts). */
  front: RequestHandler[];
  /** The /graphql handlers before Apollo that apply to a JSON body (the body parser). */
  body: RequestHandler[];
  /** The app's error handler for /graphql (what Express would reach for a JSON request). */
  onError: ErrorRequestHandler;
}

/** The HTTP server's request listener: lean JSON POSTs to /graphql, the Express app for everything else. */
export function leanGraphqlListener<TContext extends BaseContext>(options: LeanGraphqlOptions<TContext>): http.RequestListener {
  const { app, apollo, context, onError } = options;
  // The mount: Express strips `/graphql` from req.url for the handlers mounted there.
  const mount: RequestHandler = (req, _res, next) => {
    req.baseUrl = PATH;
    req.url = req.url.slice(PATH.length) || '/';
    if (req.url.startsWith('?')) req.url = `/${req.url}`;
    next();
  };
  const handlers = [...options.front, mount, ...options.body];

  const fail = (error: unknown, req: Request, res: Response) => {
    try {
      onError(error, req, res, (e?: unknown) => {
        // Express's final handler: nothing else would answer.
        if (!res.headersSent) res.status(500).end();
        else if (e) res.destroy();
      });
    } catch {
      if (!res.headersSent) res.status(500).end();
    }
  };

  const execute = (req: Request, res: Response) => {
    // As @as-integrations/express5 does, from here on.
    if (!req.body) {
      res.status(500);
      res.send('`req.body` is not set; this probably means you forgot to set up the `json` middleware before the Apollo Server middleware.');
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const query = req.url.indexOf('?');
    apollo
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers, search: query < 0 ? '' : req.url.slice(query), body: req.body },
        context: () => context({ req, res }),
      })
      .then(async (response) => {
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status || 200;
        if (response.body.kind === 'complete') {
          // What Express's res.send does for a POST answered with a string whose type already names UTF-8 (Apollo's
          // always do): Content-Length, then end. Anything else goes through res.send itself.
          const type = res.getHeader('content-type');
          if (typeof type === 'string' && type.endsWith('; charset=utf-8') && res.statusCode !== 204 && res.statusCode !== 304) {
            res.setHeader('content-length', Buffer.byteLength(response.body.string));
            res.end(response.body.string);
          } else res.send(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch((error: unknown) => fail(error, req, res));
  };

  return (rawReq, rawRes) => {
    if (!isLeanGraphqlRequest(rawReq)) {
      app(rawReq, rawRes);
      return;
    }
    // What Express's app.handle and router do before the first handler.
    const req = rawReq as Request;
    const res = rawRes as Response;
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    if (!res.locals) res.locals = Object.create(null) as typeof res.locals;
    req.originalUrl = req.url;
    req.baseUrl = '';
    runChain(handlers, req, res, (error) => (error ? fail(error, req, res) : execute(req, res)));
  };
}
