// Dialect 001 conventions (beach-api-core on Doorkeeper): errors are
// `400 {"error":{"message":"..."}}`, as its document lists for every
// endpoint (a failed sign-in is "400 fail: 'Can not authorize user'"); only a
// throttled client (429) and an outage or crash (5xx) keep their status. API
// clients prove themselves with
// `AUTHORIZATION: application_id <uid>, client_secret <secret>`.
import { AuthenticationError } from '../../common/errors.js';
import { parseApplicationHeader, verifyApplicationCredentials } from '../../modules/applications/applications.service.js';
import type { AuthScheme, RestError, RestResponse } from '../framework/types.js';

/** Every client error is 400 in this dialect (bad input, taken names, failed sign-in, no access, not found). */
export function beachError(error: RestError): RestResponse {
  // Kept: the client should come back later (429, 503), or the server failed (500).
  const status = error.status === 429 || error.status >= 500 ? error.status : 400;
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
  // Wrong secrets count as token guesses (TOKEN_GUESSES_PER_IP).
  throttled: true,
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
