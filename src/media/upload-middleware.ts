// GraphQL multipart requests (graphql-upload) on /graphql, with limits. The
// files stream through to the resolvers; nothing here buffers a whole file.
// A request the parser refuses (too many files, malformed multipart) gets a
// GraphQL-shaped JSON error with its HTTP status. Apollo's CSRF prevention
// still applies after this: a multipart request without the
// `apollo-require-preflight` header is refused by Apollo.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import graphqlUploadExpress from 'graphql-upload/graphqlUploadExpress.mjs';
import type { MediaConfig } from '../config.js';

export function uploadMiddleware(config: MediaConfig): [RequestHandler, ErrorRequestHandler] {
  const parse = graphqlUploadExpress({
    maxFileSize: Math.max(config.videoMaxBytes, config.avatarMaxBytes),
    maxFiles: config.uploadMaxFiles,
    maxFieldSize: 1_000_000,
  }) as RequestHandler;
  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    // Only the multipart parser's failures are ours to answer; JSON body
    // errors go on to the app's JSON error handler.
    if (!req.is('multipart/form-data')) return next(err);
    // Busboy's parse errors ("Unexpected end of form", "Malformed part header")
    // carry no status but are the client's; system errors (ENOSPC...) are ours.
    const fields = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; status?: unknown; expose?: unknown; message?: unknown };
    const systemError = typeof fields.code === 'string' && /^E[A-Z]+$/.test(fields.code);
    if (typeof fields.status !== 'number' && !systemError) {
      res.status(400).json({
        errors: [
          {
            message: `The multipart request is malformed: ${typeof fields.message === 'string' ? fields.message : 'unreadable body'}.`,
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      });
      return;
    }
    const status = typeof fields.status === 'number' ? fields.status : 0;
    if (!fields.expose || status < 400 || status >= 500) return next(err);
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    const message =
      status === 413 && /max file uploads/.test(String(fields.message))
        ? `Send at most ${config.uploadMaxFiles} file${config.uploadMaxFiles === 1 ? '' : 's'} per request.`
        : String(fields.message);
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
  return [parse, onError];
}
