// Crafter's services for a user's own account (get and update: admin or
// self; change-password: self) and the anonymous password-reset flow
// (forgot-password, validate-token, set-password).
import type { RestRoute } from '../framework/types.js';
import { signedIn } from '../framework/auth.js';
import { AuthenticationError, ForbiddenError } from '../../common/errors.js';
import { requireViewer } from '../../common/access.js';
import { BASE, crafterUser, jsonBody, message, OK, userLocation, userSchema } from './conventions.js';
import { FORBIDDEN, INVALID, NOT_FOUND, UNAUTHORIZED, fail, jsonBodyDoc, ok } from './doc.js';
import { readParams } from './params.js';
import { userIdOf } from './lookup.js';
import {
  RestD004ChangePasswordDocument,
  type RestD004ChangePasswordMutation,
  type RestD004ChangePasswordMutationVariables,
  RestD004ForgotPasswordDocument,
  type RestD004ForgotPasswordMutation,
  type RestD004ForgotPasswordMutationVariables,
  RestD004GetDocument,
  type RestD004GetQuery,
  type RestD004GetQueryVariables,
  RestD004SetPasswordDocument,
  type RestD004SetPasswordMutation,
  type RestD004SetPasswordMutationVariables,
  RestD004UpdateDocument,
  type RestD004UpdateMutation,
  type RestD004UpdateMutationVariables,
  RestD004ValidateTokenDocument,
  type RestD004ValidateTokenQuery,
  type RestD004ValidateTokenQueryVariables,
} from '../__generated__/operations.js';

const USERNAME_QUERY = { username: { required: true, description: 'The user', schema: { type: 'string' } } };

export const getUser: RestRoute<RestD004GetQuery, RestD004GetQueryVariables> = {
  name: 'getUser',
  method: 'GET',
  path: `${BASE}/get.json`,
  auth: [signedIn],
  operation: RestD004GetDocument,
  variables: (req) => ({ username: readParams(req.query, ['username']).username }),
  respond: ({ userByUsername }) => ({ status: 200, body: crafterUser(userByUsername) }),
  doc: {
    summary: 'Get User',
    description: 'An admin may read anyone; another user only themself.',
    query: USERNAME_QUERY,
    responses: { 200: { description: 'The user', schema: userSchema }, 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND },
  },
};

export const updateUser: RestRoute<RestD004UpdateMutation, RestD004UpdateMutationVariables> = {
  name: 'updateUser',
  method: 'POST',
  path: `${BASE}/update.json`,
  auth: [signedIn],
  operation: RestD004UpdateDocument,
  async variables(req, ctx) {
    const p = readParams(jsonBody(req), ['username'], ['first_name', 'last_name', 'email']);
    const profile = { firstName: p.first_name, lastName: p.last_name };
    const input = {
      ...(p.email !== undefined ? { email: p.email } : {}),
      ...(p.first_name !== undefined || p.last_name !== undefined ? { profile } : {}),
    };
    return { id: await userIdOf(ctx, p.username!), input };
  },
  respond: (_data, { req }) => OK(userLocation(req, String(jsonBody(req).username))),
  doc: {
    summary: 'Update User',
    description: 'An admin may update anyone; another user only themself (changing one’s own email needs the password, so only an admin can do it here).',
    body: jsonBodyDoc({ username: 'The user to update', first_name: 'New first name', last_name: 'New last name', email: 'New email address' }, ['username'], {
      username: 'jane.doe',
      first_name: 'Jane',
      last_name: 'Smith',
      email: 'jane.smith@example.com',
    }),
    responses: { 200: ok('Updated'), 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND, 409: fail('The email is taken', 'User already exists') },
  },
};

export const changePassword: RestRoute<RestD004ChangePasswordMutation, RestD004ChangePasswordMutationVariables> = {
  name: 'changePassword',
  method: 'POST',
  path: `${BASE}/change-password.json`,
  auth: [signedIn],
  operation: RestD004ChangePasswordDocument,
  async variables(req, ctx) {
    const p = readParams(jsonBody(req), ['username', 'current', 'new']);
    // changePassword acts on the caller: the named user must be the caller, even for an admin.
    if ((await userIdOf(ctx, p.username!)) !== String(requireViewer(ctx).userId)) throw new ForbiddenError('You may only change your own password.');
    return { current: p.current, new: p.new };
  },
  respond: (_data, { req }) => OK(userLocation(req, String(jsonBody(req).username))),
  // A wrong current password is Crafter's 401; a refused new one stays 400.
  error: (error) => (error.fields.some((f) => f.field === 'currentPassword') ? message(401, 'Unauthorized') : undefined),
  doc: {
    summary: 'Change Password',
    description: 'Only for oneself; other sessions are signed out.',
    body: jsonBodyDoc({ username: 'Your username', current: 'Your current password', new: 'The new password' }, ['username', 'current', 'new'], {
      username: 'jane.doe',
      current: 'SuperSecretPassword123#',
      new: 'AnotherPassword456#',
    }),
    responses: {
      200: ok('Password changed'),
      400: INVALID,
      401: fail('No valid access token, or the current password is wrong', 'Unauthorized'),
      403: FORBIDDEN,
      404: NOT_FOUND,
    },
  },
};

export const forgotPassword: RestRoute<RestD004ForgotPasswordMutation, RestD004ForgotPasswordMutationVariables> = {
  name: 'forgotPassword',
  method: 'GET',
  path: `${BASE}/forgot-password.json`,
  operation: RestD004ForgotPasswordDocument,
  variables: (req) => ({ username: readParams(req.query, ['username']).username }),
  respond: () => OK(),
  doc: {
    summary: 'Forgot Password',
    description: 'Mails a reset token when the user exists; the answer is the same either way.',
    query: USERNAME_QUERY,
    responses: { 200: ok('Accepted', false), 400: INVALID, 429: fail('Too many requests from this network or for this user', 'Too many requests') },
  },
};

export const validateToken: RestRoute<RestD004ValidateTokenQuery, RestD004ValidateTokenQueryVariables> = {
  name: 'validateToken',
  method: 'GET',
  path: `${BASE}/validate-token.json`,
  operation: RestD004ValidateTokenDocument,
  variables: (req) => ({ token: readParams(req.query, ['token']).token }),
  respond({ validatePasswordResetToken: valid }) {
    if (!valid) throw new AuthenticationError('The reset token is invalid or has expired.');
    return OK();
  },
  doc: {
    summary: 'Validate Token',
    description: 'Checks a mailed reset token without using it up.',
    query: { token: { required: true, description: 'The mailed reset token', schema: { type: 'string' } } },
    responses: {
      200: ok('The token is valid', false),
      400: INVALID,
      401: fail('The token is invalid or has expired', 'Unauthorized'),
      429: fail('Too many invalid tokens from this network', 'Too many requests'),
    },
  },
};

export const setPassword: RestRoute<RestD004SetPasswordMutation, RestD004SetPasswordMutationVariables> = {
  name: 'setPassword',
  method: 'POST',
  path: `${BASE}/set-password.json`,
  operation: RestD004SetPasswordDocument,
  variables(req) {
    const p = readParams(jsonBody(req), ['token', 'new']);
    return { token: p.token, new: p.new };
  },
  respond: () => OK(),
  // An invalid or used token is unauthorised, as in validate-token; a refused password stays 400.
  error: (error) => (error.fields.some((f) => f.field === 'token') || /reset token/.test(error.message) ? message(401, 'Unauthorized') : undefined),
  doc: {
    summary: 'Set Password',
    description: 'Sets a new password with a mailed reset token; every session of the user is signed out.',
    body: jsonBodyDoc({ token: 'The mailed reset token', new: 'The new password' }, ['token', 'new'], { token: '…', new: 'AnotherPassword456#' }),
    responses: {
      200: ok('Password set', false),
      400: INVALID,
      401: fail('The token is invalid, used or expired', 'Unauthorized'),
      429: fail('Too many invalid tokens from this network', 'Too many requests'),
    },
  },
};

export const accountRoutes = [getUser, updateUser, changePassword, forgotPassword, validateToken, setPassword];
