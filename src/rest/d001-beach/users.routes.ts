// 001: register, read and update the current user, confirm an email.
import { AuthenticationError } from '../../common/errors.js';
import { FORM, JSON_TYPE } from '../framework/body.js';
import { bearerAuth } from '../framework/auth.js';
import { isHash, ParamReader } from '../framework/params.js';
import type { RestRequest, RestRoute } from '../framework/types.js';
import { applicationAuth, messageSchema } from './conventions.js';
import { beachUser, userOnlySchema, userWithTokenSchema } from './user.js';
import { updateRoute } from './update-user.routes.js';
import {
  RestD001ConfirmDocument,
  type RestD001ConfirmMutation,
  type RestD001ConfirmMutationVariables,
  RestD001ConfirmUserByIdDocument,
  type RestD001ConfirmUserByIdMutation,
  type RestD001ConfirmUserByIdMutationVariables,
  RestD001MeDocument,
  type RestD001MeQuery,
  type RestD001MeQueryVariables,
  RestD001SignUpDocument,
  type RestD001SignUpMutation,
  type RestD001SignUpMutationVariables,
} from '../__generated__/operations.js';

const BODY = [FORM, JSON_TYPE];

/** `POST /v1/users` is also dialect 003's flat registration form: this one has `user[...]` or application credentials. */
export function isBeachRegistration(req: RestRequest): boolean {
  return isHash(req.params.user) || /^\s*application_id\s/i.test(req.header('authorization') ?? '');
}

export const signUp: RestRoute<RestD001SignUpMutation, RestD001SignUpMutationVariables> = {
  name: 'registerUser',
  method: 'POST',
  path: '/v1/users',
  when: isBeachRegistration,
  auth: [applicationAuth],
  // Serial root fields: when register fails, login never runs.
  operation: RestD001SignUpDocument,
  variables(req) {
    const params = new ParamReader();
    const user = params.root(req.params, 'user', 'user');
    params.onlyKnown(user, ['email', 'username', 'password', 'password_confirmation'], (k) => `user[${k}]`);
    const email = params.string(user, 'email', 'user[email]', { required: true });
    const username = params.string(user, 'username', 'user[username]', { required: true });
    const password = params.string(user, 'password', 'user[password]', { required: true });
    const passwordConfirmation = params.string(user, 'password_confirmation', 'user[password_confirmation]');
    params.throwIfAny();
    return { input: { email, username, password, passwordConfirmation }, identifier: email, password };
  },
  respond: ({ login }) => ({ status: 201, body: { user: beachUser(login.user, true), access_token: login.accessToken } }),
  // Registered, but this server signs in only confirmed users: the account exists, so say so rather than fail.
  error: (error) =>
    error.path?.[0] === 'login' && error.code === 'FORBIDDEN' ? { status: 201, body: { user: null, access_token: null, message: error.message } } : undefined,
  doc: {
    summary: 'Register a User',
    body: {
      contentTypes: BODY,
      schema: {
        type: 'object',
        required: ['user'],
        properties: {
          user: {
            type: 'object',
            required: ['email', 'username', 'password'],
            properties: { email: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, password_confirmation: { type: 'string' } },
          },
        },
      },
      example: { user: { email: 'someone@example.com', username: 'someone', password: 'correct-horse-1' } },
    },
    responses: {
      201: {
        description:
          'The new user, signed in. Where email confirmation is required before signing in: `{"user": null, "access_token": null, "message": "..."}`.',
        schema: {
          oneOf: [
            userWithTokenSchema,
            {
              type: 'object',
              required: ['user', 'access_token', 'message'],
              properties: { user: { type: 'null' }, access_token: { type: 'null' }, message: { type: 'string' } },
            },
          ],
        },
      },
      400: { description: 'Missing or invalid parameters, the email or username is taken, or missing or wrong application credentials' },
    },
  },
};

export const showUser: RestRoute<RestD001MeQuery, RestD001MeQueryVariables> = {
  name: 'getCurrentUser',
  method: 'GET',
  path: '/v1/user',
  auth: [bearerAuth],
  operation: RestD001MeDocument,
  variables: () => ({}),
  respond: ({ me }) => {
    if (!me) throw new AuthenticationError();
    return { status: 200, body: { user: beachUser(me, true) } };
  },
  doc: {
    summary: 'Get Current User',
    responses: { 200: { description: 'The signed-in user', schema: userOnlySchema }, 400: { description: 'Missing or invalid Bearer token' } },
  },
};

export const confirmUser: RestRoute<RestD001ConfirmMutation, RestD001ConfirmMutationVariables> = {
  name: 'confirmUser',
  method: 'POST',
  path: '/v1/users/:id/confirm',
  operation: RestD001ConfirmDocument,
  variables(req) {
    const params = new ParamReader();
    const header = req.header('confirmation_token');
    const token = header ?? params.string(req.params, 'confirmation_token', 'confirmation_token');
    if (!token) params.errors.add('confirmation_token', 'Missing header confirmation_token');
    params.throwIfAny();
    return { id: req.pathParams.id, token };
  },
  respond: ({ confirmUser }) => ({ status: 200, body: { user: beachUser(confirmUser.user, true), access_token: confirmUser.accessToken } }),
  doc: {
    summary: 'Confirm User',
    description: 'Confirms the email address with the mailed token and signs the user in.',
    headers: { confirmation_token: { required: true, description: 'The token from the confirmation mail' } },
    responses: {
      200: { description: 'The confirmed user, signed in', schema: userWithTokenSchema },
      400: { description: 'Missing, invalid or expired token' },
    },
  },
};

/** Admin: confirms a user's email address (`confirmUserById`). */
export const confirmUserById: RestRoute<RestD001ConfirmUserByIdMutation, RestD001ConfirmUserByIdMutationVariables> = {
  name: 'confirmUserById',
  method: 'PUT',
  path: '/v1/users/confirm_user/:id',
  auth: [bearerAuth],
  operation: RestD001ConfirmUserByIdDocument,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: ({ confirmUserById }) => ({ status: 200, body: { message: `User with id: ${confirmUserById.id} was successfully confirmed` } }),
  doc: {
    summary: 'Confirm User with indicated id',
    description: 'Admin only.',
    responses: {
      200: { description: 'Confirmed', schema: messageSchema, example: { message: 'User with id: 48 was successfully confirmed' } },
      400: { description: 'Missing or invalid Bearer token, not an admin, or no such user' },
    },
  },
};

export const userRoutes = [signUp, showUser, updateRoute('PUT'), updateRoute('PATCH'), confirmUser, confirmUserById];
