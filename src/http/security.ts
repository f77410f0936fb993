// Security headers, CORS from an allowlist, and request ids on every log line.
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id), set by requestLogging(). */
    id: string;
    /** A logger whose lines carry this request; made on first use. */
    log: Logger;
  }
}

/**
 * Helmet's headers. Helmet's defaults here depend on nothing in the request,
 * so its middleware runs once at start-up against a recording response and
 * each request gets the recorded headers in one step (helmet's chain of a
 * dozen middlewares per request cost measurable CPU on every request).
 */
export function securityHeaders(config: Config): RequestHandler {
  // Apollo Sandbox's landing page runs inline scripts from Apollo's CDN; keep
  // CSP strict whenever it is off (the production default, or GraphiQL, which
  // runs under the strict policy: src/http/explorer.ts).
  const sandbox = config.landingPage && config.graphqlExplorer === 'sandbox';
  const middleware = helmet({ contentSecurityPolicy: sandbox ? false : undefined, crossOriginEmbedderPolicy: false });
  const headers: [string, string][] = [];
  let done = false;
  const recorder = {
    setHeader: (name: string, value: string) => void headers.push([name, value]),
    removeHeader: () => {},
  };
  middleware({ headers: {} } as never, recorder as never, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('The security headers middleware failed.', { cause: error });
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously; its headers cannot be precomputed');
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** No CORS headers unless CORS_ORIGINS lists origins; `*` never goes with credentials. */
export function corsPolicy(config: Config): RequestHandler {
  const origins = config.corsOrigins;
  if (origins.length === 0) return (_req, _res, next) => next();
  if (origins.includes('*')) return cors({ origin: '*', credentials: false });
  const allowed = new Set(origins);
  return cors({ origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)), credentials: true, maxAge: 600 });
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives each request an id (a well-formed X-Request-Id is kept, otherwise a
 * UUID; echoed in the response), a `req.log` whose lines carry it, and one
 * line when the response is finished: `info`, or `error` for a 5xx. The
 * child logger is only made when something logs through it, and nothing is
 * measured when the level would drop the line.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    res.setHeader('x-request-id', id);
    req.id = id;
    const summary = () => ({ id, method: req.method, url: req.originalUrl.split('?')[0], remoteAddress: req.socket.remoteAddress });
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, get: () => (child ??= logger.child({ req: summary() })) });
    if (logger.isLevelEnabled('error')) {
      const started = performance.now();
      res.once('finish', () => {
        const level = res.statusCode >= 500 ? 'error' : 'info';
        if (!logger.isLevelEnabled(level)) return;
        const responseTime = Math.round(performance.now() - started);
        logger[level]({ req: summary(), res: { statusCode: res.statusCode }, responseTime }, 'request completed');
      });
    }
    next();
  };
}
