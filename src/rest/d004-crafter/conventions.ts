// Dialect 004 conventions (Crafter Studio 3 `api/1` user service): every
// answer that is not data is `{"message": "..."}` with Crafter's fixed
// wording; success points `Location` at the user's get.json. Access is
// Crafter's: admin-only services check the admin role before anything else.
import { ValidationError } from '../../common/errors.js';
import type { RestError, RestRequest, RestResponse } from '../framework/types.js';
import { isHash, type Hash } from '../framework/params.js';
import type { RestD004UserFragment } from '../__generated__/operations.js';

export const BASE = '/api/1/services/api/1/user';

/** Crafter's wording for each failure; the document fixes 400, 401, 409 and 500. */
const MESSAGES: Record<number, string> = {
  400: 'Invalid parameter(s)',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'User not found',
  409: 'User already exists',
  413: 'Request entity too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

/** A deleted user is simply not there for Crafter (no 410), and GraphQL input errors are bad parameters. */
function statusOf(error: RestError): number {
  if (error.code === 'GONE') return 404;
  if (error.code === 'MALFORMED_BODY') return 400;
  return MESSAGES[error.status] ? error.status : 500;
}

export function message(status: number, text: string, headers?: Record<string, string>): RestResponse {
  return { status, headers, body: { message: text } };
}

export function crafterError(error: RestError): RestResponse {
  const status = statusOf(error);
  return message(status, MESSAGES[status]);
}

export const OK = (headers?: Record<string, string>) => message(200, 'OK', headers);

/** `Location` of a user: its get.json, as Crafter answers. */
export function userLocation(req: RestRequest, username: string): Record<string, string> {
  return { Location: `${req.publicUrl}${BASE}/get.json?username=${encodeURIComponent(username)}` };
}

/** The JSON object of a POST, or 400. */
export function jsonBody(req: RestRequest): Hash {
  if (!isHash(req.body)) throw new ValidationError([{ field: 'body', message: 'The body must be a JSON object.' }]);
  return req.body;
}

export const messageSchema = { type: 'object', required: ['message'], properties: { message: { type: 'string' } }, additionalProperties: false };

export const userSchema = {
  type: 'object',
  required: ['username', 'first_name', 'last_name', 'email', 'enabled', 'externally_managed'],
  properties: {
    username: { type: ['string', 'null'] },
    first_name: { type: ['string', 'null'] },
    last_name: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    enabled: { type: 'boolean' },
    externally_managed: { type: 'boolean', description: 'Always false: every account is managed here.' },
  },
};

/** The user as fragment RestD004User (operations.graphql) selects it. */
export type GqlCrafterUser = RestD004UserFragment;

export function crafterUser(user: GqlCrafterUser) {
  return {
    username: user.username,
    first_name: user.profile.firstName,
    last_name: user.profile.lastName,
    email: user.email,
    enabled: user.active,
    externally_managed: false,
  };
}
