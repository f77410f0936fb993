// Dialect 001 conventions (beach-api-core on Doorkeeper): errors are
// `{"error":{"message":"..."}}` (400 for bad input, 401/403 for failed
// authentication or authorisation); API clients prove themselves with
// `AUTHORIZATION: application_id <uid>, client_secret <secret>`.
import { AuthenticationError } from '../../common/errors.js';
import { parseApplicationHeader, verifyApplicationCredentials } from '../../modules/applications/applications.service.js';
import type { AuthScheme, RestError, RestResponse } from '../framework/types.js';

/** Bad input and taken emails or usernames are all 400 in this dialect, as beach answers invalid records. */
export function beachError(error: RestError): RestResponse {
  const status = error.code === 'BAD_USER_INPUT' || error.code === 'CONFLICT' ? 400 : error.status;
  // One problem: the error's own sentence; several: each field's, in order.
  const message = error.fields.length > 1 ? error.fields.map((f) => f.message).join(' ') : error.message;
  return { status, body: { error: { message } } };
}

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } } },
  example: { error: { message: 'Missing parameter session[email]' } },
};

/**
 * Checks the application credentials and puts the application on the context,
 * so that a login run by the route records it on the new session. The
 * messages are beach-api-core's.
 */
export const applicationAuth: AuthScheme = {
  name: 'applicationCredentials',
  openapi: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'API client credentials issued by an admin: `application_id <uid>, client_secret <secret>`.',
  },
  async authenticate(req, ctx) {
    const header = req.header('authorization');
    if (!header?.trim()) throw new AuthenticationError('Require Application ID and secret');
    const credentials = parseApplicationHeader(header);
    const application = credentials ? await verifyApplicationCredentials(ctx, credentials.uid, credentials.secret) : null;
    if (!application) throw new AuthenticationError('Application ID and/or secret are not correct');
    ctx.application = { id: application.id, name: application.name };
  },
};

export const messageSchema = { type: 'object', required: ['message'], properties: { message: { type: 'string' } } };
