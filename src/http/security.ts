// Security headers, CORS from an allowlist, and request ids on every log line.
import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

export function securityHeaders(config: Config): RequestHandler {
  // Apollo Sandbox's landing page runs inline scripts from Apollo's CDN; keep
  // CSP strict whenever the landing page is off (the production default).
  return helmet({ contentSecurityPolicy: config.landingPage ? false : undefined, crossOriginEmbedderPolicy: false });
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

export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId(req, res) {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0], remoteAddress: req.remoteAddress }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
