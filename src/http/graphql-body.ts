// The JSON body parser of /graphql. A base64 avatar travels in the JSON body,
// so a signed-in caller may send up to what the largest avatar needs; an
// anonymous caller (no Authorization header) cannot upload one and keeps
// BODY_LIMIT, so a multi-megabyte body is refused before it is parsed.
import express, { type RequestHandler } from 'express';
import { avatarBodyLimit, type Config } from '../config.js';

export function graphqlJsonBody(config: Pick<Config, 'bodyLimit' | 'media'>): RequestHandler {
  const anonymous = express.json({ limit: config.bodyLimit });
  const signedIn = express.json({ limit: avatarBodyLimit(config) });
  return (req, res, next) => (req.headers.authorization ? signedIn : anonymous)(req, res, next);
}
