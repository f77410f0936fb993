// Crafter's admin-only user services: create, get-all, delete, enable,
// disable, status and reset-password. The adminOnly scheme answers 401/403
// before the body is looked at; the mutations check the role again.
import type { RestRoute } from '../framework/types.js';
import { adminOnly } from '../framework/auth.js';
import { ValidationError } from '../../common/errors.js';
import { BASE, crafterUser, jsonBody, message, OK, userLocation, userSchema } from './conventions.js';
import { FORBIDDEN, INVALID, NOT_FOUND, UNAUTHORIZED, fail, jsonBodyDoc, ok } from './doc.js';
import { readParams } from './params.js';
import { userIdOf } from './lookup.js';
import {
  RestD004DisableDocument,
  RestD004EnableDocument,
  type RestD004EnableMutation,
  type RestD004EnableMutationVariables,
  RestD004CreateDocument,
  type RestD004CreateMutation,
  type RestD004CreateMutationVariables,
  RestD004DeleteDocument,
  type RestD004DeleteMutation,
  type RestD004DeleteMutationVariables,
  RestD004GetAllDocument,
  type RestD004GetAllQuery,
  type RestD004GetAllQueryVariables,
  RestD004ResetPasswordDocument,
  type RestD004ResetPasswordMutation,
  type RestD004ResetPasswordMutationVariables,
  RestD004StatusDocument,
  type RestD004StatusQuery,
  type RestD004StatusQueryVariables,
} from '../__generated__/operations.js';

const USERNAME_BODY = jsonBodyDoc({ username: 'The user' }, ['username'], { username: 'jane.doe' });

export const createUser: RestRoute<RestD004CreateMutation, RestD004CreateMutationVariables> = {
  name: 'createUser',
  method: 'POST',
  path: `${BASE}/create.json`,
  auth: [adminOnly],
  operation: RestD004CreateDocument,
  variables(req) {
    const p = readParams(jsonBody(req), ['username', 'password', 'first_name', 'last_name', 'email']);
    // Crafter has no email confirmation: an account an admin creates can sign in at once.
    return {
      input: { username: p.username, password: p.password, email: p.email, confirmed: true, profile: { firstName: p.first_name, lastName: p.last_name } },
    };
  },
  respond: (_data, { req }) => message(201, 'OK', userLocation(req, String(jsonBody(req).username))),
  error(error, { req }) {
    if (error.code !== 'CONFLICT') return undefined;
    // As documented, a 409 points at get.json of the requested username (the email may be the taken one).
    const username = (req.body as { username?: unknown }).username;
    return message(409, 'User already exists', typeof username === 'string' ? userLocation(req, username) : undefined);
  },
  doc: {
    summary: 'Create User',
    body: jsonBodyDoc(
      {
        username: 'Username to use',
        password: 'Password (clear)',
        first_name: 'User’s first name',
        last_name: 'User’s last name',
        email: 'User’s email address',
      },
      ['username', 'password', 'first_name', 'last_name', 'email'],
      { username: 'jane.doe', password: 'SuperSecretPassword123#', first_name: 'Jane', last_name: 'Doe', email: 'jane@example.com' },
    ),
    responses: {
      201: { ...ok('Created'), example: { message: 'OK' } },
      400: INVALID,
      401: UNAUTHORIZED,
      403: FORBIDDEN,
      409: { ...fail('The username or the email is taken', 'User already exists'), headers: { Location: { description: 'The existing user’s get.json URL' } } },
    },
  },
};

/**
 * Crafter pages by offset (`start`, `number`); the API by page number. The
 * window [start, start + number) lies in at most two pages of size `number`.
 */
export const getAllUsers: RestRoute<RestD004GetAllQuery, RestD004GetAllQueryVariables> = {
  name: 'getAllUsers',
  method: 'GET',
  path: `${BASE}/get-all.json`,
  auth: [adminOnly],
  operation: RestD004GetAllDocument,
  variables(req, ctx) {
    const p = readParams(req.query, [], ['start', 'number']);
    const start = p.start === undefined ? 0 : /^\d{1,9}$/.test(p.start) ? Number(p.start) : NaN;
    const number = p.number === undefined ? 25 : /^\d{1,9}$/.test(p.number) ? Number(p.number) : NaN;
    const problems = [];
    if (!Number.isSafeInteger(start)) problems.push({ field: 'start', message: 'Invalid parameter start: must be an integer from 0' });
    if (!Number.isSafeInteger(number) || number < 1 || number > ctx.config.maxPageSize) {
      problems.push({ field: 'number', message: `Invalid parameter number: must be an integer from 1 to ${ctx.config.maxPageSize}` });
    }
    if (problems.length) throw new ValidationError(problems);
    const page = Math.floor(start / number) + 1;
    return { page, next: page + 1, size: number, straddles: start % number !== 0 };
  },
  respond({ first, second }, { req }) {
    const p = req.query as { start?: string; number?: string };
    const number = p.number === undefined ? 25 : Number(p.number);
    const offset = Number(p.start ?? 0) % number;
    const users = [...first.items, ...(second?.items ?? [])].slice(offset, offset + number).map(crafterUser);
    return { status: 200, body: { users, total: first.total } };
  },
  doc: {
    summary: 'Get All Users',
    query: {
      start: { description: 'Offset of the first user (default 0)', schema: { type: 'integer', minimum: 0 } },
      number: { description: 'How many users (default 25)', schema: { type: 'integer', minimum: 1 } },
    },
    responses: {
      200: {
        description: 'A window of users, by id, and the total',
        schema: { type: 'object', required: ['users', 'total'], properties: { users: { type: 'array', items: userSchema }, total: { type: 'integer' } } },
      },
      400: INVALID,
      401: UNAUTHORIZED,
      403: FORBIDDEN,
    },
  },
};

export const deleteUser: RestRoute<RestD004DeleteMutation, RestD004DeleteMutationVariables> = {
  name: 'deleteUser',
  method: 'POST',
  path: `${BASE}/delete.json`,
  auth: [adminOnly],
  operation: RestD004DeleteDocument,
  variables: async (req, ctx) => ({ id: await userIdOf(ctx, readParams(jsonBody(req), ['username']).username!) }),
  respond: () => ({ status: 204 }),
  doc: {
    summary: 'Delete User',
    body: USERNAME_BODY,
    responses: { 204: { description: 'Deleted' }, 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND },
  },
};

function setActive(
  name: string,
  summary: string,
  active: boolean,
  operation: typeof RestD004EnableDocument,
): RestRoute<RestD004EnableMutation, RestD004EnableMutationVariables> {
  return {
    name,
    method: 'POST',
    path: `${BASE}/${active ? 'enable' : 'disable'}.json`,
    auth: [adminOnly],
    operation,
    variables: async (req, ctx) => ({ id: await userIdOf(ctx, readParams(jsonBody(req), ['username']).username!), input: { active } }),
    respond: (_data, { req }) => OK(userLocation(req, String(jsonBody(req).username))),
    doc: {
      summary,
      body: USERNAME_BODY,
      responses: { 200: ok(summary.replace(' User', 'd')), 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND },
    },
  };
}

export const enableUser = setActive('enableUser', 'Enable User', true, RestD004EnableDocument);
export const disableUser = setActive('disableUser', 'Disable User', false, RestD004DisableDocument);

export const userStatus: RestRoute<RestD004StatusQuery, RestD004StatusQueryVariables> = {
  name: 'getUserStatus',
  method: 'GET',
  path: `${BASE}/status.json`,
  auth: [adminOnly],
  operation: RestD004StatusDocument,
  variables: (req) => ({ username: readParams(req.query, ['username']).username }),
  respond: ({ userByUsername: user }) => ({ status: 200, body: { username: user.username, enabled: user.active } }),
  doc: {
    summary: 'Get User Status',
    query: { username: { required: true, description: 'The user', schema: { type: 'string' } } },
    responses: {
      200: {
        description: 'Whether the user may sign in',
        schema: { type: 'object', required: ['username', 'enabled'], properties: { username: { type: 'string' }, enabled: { type: 'boolean' } } },
      },
      400: INVALID,
      401: UNAUTHORIZED,
      403: FORBIDDEN,
      404: NOT_FOUND,
    },
  },
};

export const resetPassword: RestRoute<RestD004ResetPasswordMutation, RestD004ResetPasswordMutationVariables> = {
  name: 'resetPassword',
  method: 'POST',
  path: `${BASE}/reset-password.json`,
  auth: [adminOnly],
  operation: RestD004ResetPasswordDocument,
  async variables(req, ctx) {
    const p = readParams(jsonBody(req), ['username', 'new']);
    return { id: await userIdOf(ctx, p.username!), input: { password: p.new } };
  },
  respond: (_data, { req }) => OK(userLocation(req, String(jsonBody(req).username))),
  doc: {
    summary: 'Reset Password (admin)',
    body: jsonBodyDoc({ username: 'The user', new: 'The new password' }, ['username', 'new'], { username: 'jane.doe', new: 'AnotherPassword456#' }),
    responses: { 200: ok('Password set'), 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND },
  },
};

export const adminRoutes = [createUser, getAllUsers, deleteUser, enableUser, disableUser, userStatus, resetPassword];
