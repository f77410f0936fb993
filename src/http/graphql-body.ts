// The JSON body parser of /graphql. A base64 avatar travels in the JSON body,
// so a signed-in caller may send up to what the largest avatar needs; but only
// that: beyond BODY_LIMIT, all but BODY_LIMIT bytes must be one JSON string
// (the image). Parsing is what costs (a 5 MB object of 300,000 keys took
// seconds), so a body of many small values over BODY_LIMIT is refused before
// it is parsed. An anonymous caller (no Authorization header) cannot upload an
// avatar and keeps BODY_LIMIT.
import express, { type RequestHandler } from 'express';
import { avatarBodyLimit, type Config } from '../config.js';

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
