// HTTP-level failures outside GraphQL: unknown paths and unreadable bodies.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}.` } });
};

export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const fields = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; type?: unknown };
    const status = typeof fields.status === 'number' && fields.status >= 400 && fields.status < 500 ? fields.status : 500;
    if (status === 500) logger.error({ err }, 'unhandled HTTP error');
    const messages: Record<string, string> = {
      'entity.parse.failed': 'The request body is not valid JSON.',
      'entity.too.large': 'The request body is too large.',
      'encoding.unsupported': 'The request body encoding is not supported.',
    };
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
    const message =
      (typeof fields.type === 'string' ? messages[fields.type] : undefined) ?? (status === 500 ? 'Internal server error.' : 'The request could not be read.');
    if (!res.headersSent) res.status(status).json({ error: { code, message } });
  };
}
