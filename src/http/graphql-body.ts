// The JSON body parser of /graphql. A base64 avatar travels in the JSON body,
// so a signed-in caller may send up to what the largest avatar needs; but only
// that: beyond BODY_LIMIT, all but BODY_LIMIT bytes must be one JSON string
// (the image). Parsing is what costs (a 5 MB object of 300,000 keys took
// seconds), so a body of many small values over BODY_LIMIT is refused before
// it is parsed. An anonymous caller (no Authorization header) cannot upload an
// avatar and keeps BODY_LIMIT.
import express, { type RequestHandler } from 'express';
import { avatarBodyLimit, type Config } from '../config.js';
import { splitContentType } from './content-type.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Length of the longest JSON string in the bytes, found with a linear scan of its quotes (a quote after an odd run of backslashes is escaped). */
export function longestJsonString(buf: Buffer): number {
  let longest = 0;
  let start = -1;
  for (let at = buf.indexOf(QUOTE); at >= 0; at = buf.indexOf(QUOTE, at + 1)) {
    let slashes = 0;
    while (at - slashes - 1 >= 0 && buf[at - slashes - 1] === BACKSLASH) slashes++;
    if (slashes % 2 === 1) continue;
    if (start < 0) start = at;
    else {
      longest = Math.max(longest, at - start - 1);
      start = -1;
    }
  }
  return longest;
}

class TooLarge extends Error {
  readonly status = 413;
  readonly type = 'entity.too.large';
  constructor() {
    super('request entity too large');
  }
}

export function graphqlJsonBody(config: Pick<Config, 'bodyLimit' | 'media'>): RequestHandler {
  const anonymous = express.json({ limit: config.bodyLimit });
  const signedIn = express.json({
    limit: avatarBodyLimit(config),
    // Runs on the raw bytes, before JSON.parse.
    verify: (_req, _res, buf) => {
      if (buf.length > config.bodyLimit && buf.length - longestJsonString(buf) > config.bodyLimit) throw new TooLarge();
    },
  });
  return (req, res, next) => (req.headers.authorization ? signedIn : anonymous)(req, res, next);
}

class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** body-parser's strict JSON parse: an empty body is `{}`, and the first character that is not whitespace must open an object or array. */
export function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  let at = 0;
  while (at < text.length && WHITESPACE.has(text[at])) at++;
  if (text[at] !== '{' && text[at] !== '[') throw new BodyError(`Unexpected token in JSON at position ${at}`, 400, 'entity.parse.failed');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError((error as Error).message, 400, 'entity.parse.failed');
  }
}

/**
 * The lean /graphql path's body reader: for the common request (a
 * Content-Length within BODY_LIMIT, no Content-Encoding, UTF-8) it reads and
 * parses the body itself, as `express.json()` would (strict, BOM dropped, an
 * empty body is `{}`, the same error types for the error handler), without
 * body-parser's per-request content-type parsing, charset lookup and stream
 * plumbing (5% of `me`'s CPU). Anything else, including every body that may be
 * over BODY_LIMIT, goes to `fallback` (graphqlJsonBody above) unchanged.
 */
export function leanJsonBody(config: Pick<Config, 'bodyLimit'>, fallback: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const length = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
    const encoding = req.headers['content-encoding'];
    const { parameters } = splitContentType(req.headers['content-type']);
    if (
      !(length >= 0 && length <= config.bodyLimit) ||
      (encoding !== undefined && encoding.toLowerCase() !== 'identity') ||
      (parameters !== '' && parameters !== 'charset=utf-8' && parameters !== 'charset="utf-8"')
    ) {
      fallback(req, res, next);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) return next(error);
      if (received !== length) return next(new BodyError('request size did not match content length', 400, 'request.size.invalid'));
      let text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received)).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      try {
        req.body = parseStrictJson(text);
      } catch (parseError) {
        return next(parseError);
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(new BodyError(error.message, 400, 'request.aborted'));
    const onClose = () => finish(new BodyError('request aborted', 400, 'request.aborted'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  };
}
