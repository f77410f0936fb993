// 001: sign in with application credentials, and revoke an access token.
import jwt from 'jsonwebtoken';
import { FORM, JSON_TYPE } from '../framework/body.js';
import { bearerAuth } from '../framework/auth.js';
import { ParamReader } from '../framework/params.js';
import type { RestRoute } from '../framework/types.js';
import { applicationAuth, beachError, messageSchema } from './conventions.js';
import { beachUser, userWithTokenSchema } from './user.js';
import {
  RestD001RevokeTokenDocument,
  type RestD001RevokeTokenMutation,
  type RestD001RevokeTokenMutationVariables,
  RestD001SignInDocument,
  type RestD001SignInMutation,
  type RestD001SignInMutationVariables,
} from '../__generated__/operations.js';

export const signIn: RestRoute<RestD001SignInMutation, RestD001SignInMutationVariables> = {
  name: 'authorizeUser',
  method: 'POST',
  path: '/v1/auth',
  auth: [applicationAuth],
  operation: RestD001SignInDocument,
  variables(req) {
    const params = new ParamReader();
    const session = params.root(req.params, 'session', 'session');
    params.onlyKnown(session, ['email', 'password', 'otp'], (k) => `session[${k}]`);
    const identifier = params.string(session, 'email', 'session[email]', { required: true });
    const password = params.string(session, 'password', 'session[password]', { required: true });
    // The code of an authenticator app (or a recovery code), for accounts with a second factor.
    const otp = params.string(session, 'otp', 'session[otp]') ?? null;
    params.throwIfAny();
    return { identifier, password, otp };
  },
  respond: ({ login }) => ({ status: 200, body: { user: beachUser(login.user, true), access_token: login.accessToken } }),
  error: (error) =>
    error.mfaCode === 'MFA_REQUIRED'
      ? beachError({
          ...error,
          message: 'A second factor is required for this account: send session[otp] with the code from your authenticator app (or a recovery code).',
        })
      : beachError(error),
  doc: {
    summary: 'Authorize User',
    description: 'Signs in with email and password; the session records the application whose credentials were sent.',
    body: {
      contentTypes: [FORM, JSON_TYPE],
      schema: {
        type: 'object',
        required: ['session'],
        properties: {
          session: {
            type: 'object',
            required: ['email', 'password'],
            properties: {
              email: { type: 'string' },
              password: { type: 'string' },
              otp: { type: 'string', description: 'For an account with a second factor: the code from its authenticator app, or a recovery code.' },
            },
          },
        },
      },
      example: { session: { email: 'someone@example.com', password: 'correct-horse-1' } },
    },
    responses: {
      200: { description: 'The user and an access token', schema: userWithTokenSchema },
      400: {
        description:
          "fail: 'Can not authorize user': missing or malformed parameters, a wrong email or password, missing or wrong application credentials, a deactivated or unconfirmed account, or an account with a second factor and no (or a wrong) session[otp]",
      },
    },
  },
};

/** The session id (`uid` claim) of an access token, read without trusting it: the service checks ownership. */
function sessionIdOf(token: string): string {
  const claims = jwt.decode(token, { json: true });
  return typeof claims?.uid === 'string' ? claims.uid : 'not-a-session';
}

export const revokeToken: RestRoute<RestD001RevokeTokenMutation, RestD001RevokeTokenMutationVariables> = {
  name: 'revokeToken',
  method: 'DELETE',
  path: '/v1/auth/:token',
  auth: [bearerAuth],
  operation: RestD001RevokeTokenDocument,
  variables: (req) => ({ id: sessionIdOf(req.pathParams.token) }),
  respond: () => ({ status: 200, body: { message: 'Access token was successfully revoked' } }),
  // An unreadable token, or one of another user's sessions, is simply not found.
  error: (error) =>
    error.code === 'BAD_USER_INPUT' || error.code === 'NOT_FOUND' ? { status: 404, body: { error: { message: 'Access token not found' } } } : beachError(error),
  doc: {
    summary: 'Revoke an access token',
    description: "Ends the session the token belongs to (the caller's own; an admin may end any); its tokens stop working at once.",
    pathParams: { token: { description: 'The access token to revoke (may be the Bearer token itself)' } },
    responses: {
      200: { description: 'Revoked', schema: messageSchema },
      400: { description: 'Missing or invalid Bearer token' },
      404: { description: 'Not an access token of yours' },
    },
  },
};

export const authRoutes = [signIn, revokeToken];
