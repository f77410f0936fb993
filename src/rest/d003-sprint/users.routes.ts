// 003: the Sprint users resource: list, create, show, update, soft delete.
import { NotFoundError } from '../../common/errors.js';
import { FORM, JSON_TYPE } from '../framework/body.js';
import { bearerAuth } from '../framework/auth.js';
import { isHash, ParamReader, RAILS_BOILERPLATE, type Hash } from '../framework/params.js';
import type { RestRequest, RestRoute } from '../framework/types.js';
import { formTokenAuth, sprintError, type SprintWording } from './conventions.js';
import { listSchema, sprintUser, userSchema, userUrl } from './user.js';
import {
  RestD003CreateUserDocument,
  type RestD003CreateUserMutation,
  type RestD003CreateUserMutationVariables,
  RestD003DeleteUserDocument,
  type RestD003DeleteUserMutation,
  type RestD003DeleteUserMutationVariables,
  RestD003UpdateUserDocument,
  type RestD003UpdateUserMutation,
  type RestD003UpdateUserMutationVariables,
  RestD003UserDocument,
  type RestD003UserQuery,
  type RestD003UserQueryVariables,
  RestD003UsersDocument,
  type RestD003UsersQuery,
  type RestD003UsersQueryVariables,
} from '../__generated__/operations.js';

const BODY = [FORM, JSON_TYPE];
/** What browsers and CodeIgniter's form helper add to a form; never an error. */
const FORM_BOILERPLATE = [...RAILS_BOILERPLATE, 'submit', 'save'];

/** `:id` as Sprint routes it, `(:num)`: anything else is no user at all. */
export function userIdOf(req: RestRequest): string {
  const id = req.pathParams.id ?? '';
  if (!/^\d{1,10}$/.test(id) || Number(id) < 1 || Number(id) > 2_147_483_647) throw new NotFoundError('User');
  return String(Number(id));
}

function bodyOf(req: RestRequest): Hash {
  return isHash(req.body) ? req.body : {};
}

function wording(w: SprintWording) {
  return (error: Parameters<typeof sprintError>[0]) => sprintError(error, w);
}

const errorDoc = (description: string) => ({ description });

export const listUsers: RestRoute<RestD003UsersQuery, RestD003UsersQueryVariables> = {
  name: 'listUsers',
  method: 'GET',
  path: '/v1/users',
  auth: [bearerAuth],
  operation: RestD003UsersDocument,
  variables(req, ctx) {
    const params = new ParamReader();
    const page = params.integer(req.query, 'page', 'page', { min: 1, max: 2_147_483_647 });
    const pageSize = params.integer(req.query, 'per_page', 'per_page', { min: 1, max: ctx.config.maxPageSize });
    params.throwIfAny();
    return { page: page ?? 1, pageSize: pageSize ?? 20 };
  },
  respond({ users }, { req }) {
    if (!users.items.length) throw new NotFoundError('Users');
    const offset = (users.page - 1) * users.pageSize;
    const link = (page: number) => `${req.publicUrl.replace(/\/+$/, '')}/v1/users?page=${page}&per_page=${users.pageSize}`;
    return {
      status: 200,
      body: {
        total: users.total,
        first: offset + 1,
        last: offset + users.items.length,
        prev_url: users.page > 1 ? link(users.page - 1) : null,
        next_url: offset + users.items.length < users.total ? link(users.page + 1) : null,
        users: users.items.map((u) => sprintUser(u, req.publicUrl)),
      },
    };
  },
  error: wording({ notFound: 'Unable to find any users that match your request.' }),
  doc: {
    summary: 'List Users',
    description: 'Admin only. `first` and `last` are the positions (from 1) of the first and last user of the page.',
    query: {
      page: { description: 'Page number, from 1', schema: { type: 'integer', minimum: 1, default: 1 } },
      per_page: { description: 'Users a page', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
    },
    responses: {
      200: { description: 'One page of users', schema: listSchema },
      400: errorDoc('Bad page or per_page'),
      401: errorDoc('Missing or invalid Bearer token'),
      403: errorDoc('Not an admin'),
      404: errorDoc('No users on that page: resource_not_found'),
    },
  },
};

export const createUser: RestRoute<RestD003CreateUserMutation, RestD003CreateUserMutationVariables> = {
  name: 'createUser',
  method: 'POST',
  path: '/v1/users',
  // A flat form (email, username, password, pass_confirm). The fallback of this shared method and path:
  // dialect 001's route takes `user[...]` or application credentials (its `when`).
  operation: RestD003CreateUserDocument,
  variables(req) {
    const body = bodyOf(req);
    const params = new ParamReader();
    params.onlyKnown(body, ['email', 'username', 'password', 'pass_confirm', ...FORM_BOILERPLATE], (k) => k);
    const email = params.string(body, 'email', 'email', { required: true });
    const username = params.string(body, 'username', 'username', { required: true });
    const password = params.string(body, 'password', 'password', { required: true });
    const passwordConfirmation = params.string(body, 'pass_confirm', 'pass_confirm', { required: true });
    if (username !== undefined && !username.trim()) params.errors.add('username', 'The Username field is required.');
    params.throwIfAny();
    return { input: { email, username, password, passwordConfirmation } };
  },
  respond: ({ register }, { req }) => ({ status: 201, headers: { Location: userUrl(req.publicUrl, register.id) }, body: sprintUser(register, req.publicUrl) }),
  error: wording({ badRequest: 'invalid_request', serverError: 'Unknown error creating user.' }),
  doc: {
    summary: 'Create a new User',
    description: 'Public (a registration form). Sent as a standard form submittal; a body with `user[...]` fields belongs to dialect 001.',
    body: {
      contentTypes: BODY,
      schema: {
        type: 'object',
        required: ['email', 'username', 'password', 'pass_confirm'],
        properties: {
          email: { type: 'string', description: "The user's email address" },
          username: { type: 'string', description: "The user's desired username" },
          password: { type: 'string', description: "The user's desired password" },
          pass_confirm: { type: 'string', description: 'Verification of the password' },
        },
      },
      example: { email: 'someone@example.com', username: 'someone', password: 'correct-horse-1', pass_confirm: 'correct-horse-1' },
    },
    responses: {
      201: { description: 'The new user', schema: userSchema, headers: { Location: { description: 'The URL of the new user' } } },
      400: errorDoc('invalid_request: missing or invalid fields (`<p>` paragraphs), or "<p>The username is already in use on this site.</p>"'),
      409: errorDoc('resource_exists: "A User with that email already exists."'),
    },
  },
};

export const showUser: RestRoute<RestD003UserQuery, RestD003UserQueryVariables> = {
  name: 'getUser',
  method: 'GET',
  path: '/v1/users/:id',
  auth: [bearerAuth],
  operation: RestD003UserDocument,
  variables: (req) => ({ id: userIdOf(req) }),
  respond: ({ user }, { req }) => ({ status: 200, body: sprintUser(user, req.publicUrl) }),
  error: wording({ notFound: 'Unable to find that user.', gone: 'That user has been deleted.' }),
  doc: {
    summary: 'Get a Single User',
    description: 'Admin or the user themself.',
    pathParams: { id: { description: 'An integer that is the ID of the user', schema: { type: 'integer', minimum: 1 } } },
    responses: {
      200: { description: 'The user', schema: userSchema },
      401: errorDoc('Missing or invalid Bearer token'),
      403: errorDoc('Neither an admin nor that user'),
      404: errorDoc('resource_not_found: "Unable to find that user."'),
      410: errorDoc('resource_gone: "That user has been deleted."'),
    },
  },
};

const UPDATE_FIELDS = ['email', 'username', 'password', 'pass_confirm', 'current_password', 'status', 'status_message', 'active', 'deleted'];

/** A 0/1 flag as forms (`"1"`), JSON (`1`, `true`) or checkboxes send it. */
function flag(params: ParamReader, source: Hash, key: string): boolean | undefined {
  const value = source[key];
  if (value === undefined) return undefined;
  if (value === 1 || value === '1' || value === true || value === 'true') return true;
  if (value === 0 || value === '0' || value === false || value === 'false') return false;
  params.errors.add(key, `The ${key} field must be 0 or 1.`);
  return undefined;
}

/** PUT fields to UpdateUserInput. Empty form fields mean "unchanged" for secrets and email, "cleared" for the rest. */
export function updateInput(body: Hash): Record<string, unknown> {
  const params = new ParamReader();
  params.onlyKnown(body, [...UPDATE_FIELDS, 'form_token', ...FORM_BOILERPLATE], (k) => k);
  const text = (key: string) => params.string(body, key, key);
  const secret = (key: string) => text(key) || undefined;
  const cleared = (key: string) => {
    const value = text(key);
    return value === undefined ? undefined : value.trim() === '' ? null : value;
  };
  const input: Record<string, unknown> = {
    email: secret('email'),
    username: cleared('username'),
    password: secret('password'),
    passwordConfirmation: secret('pass_confirm'),
    currentPassword: secret('current_password'),
    status: cleared('status'),
    statusMessage: cleared('status_message'),
    active: flag(params, body, 'active'),
  };
  if (flag(params, body, 'deleted') === true) params.errors.add('deleted', 'To delete a user, send DELETE to the user.');
  params.throwIfAny();
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

export const updateUser: RestRoute<RestD003UpdateUserMutation, RestD003UpdateUserMutationVariables> = {
  name: 'updateUser',
  method: 'PUT',
  path: '/v1/users/:id',
  auth: [bearerAuth, formTokenAuth],
  operation: RestD003UpdateUserDocument,
  variables: (req) => ({ id: userIdOf(req), input: updateInput(bodyOf(req)) }),
  respond: ({ updateUser }, { req }) => ({ status: 200, body: sprintUser(updateUser, req.publicUrl) }),
  error(error, { ctx }) {
    const w: SprintWording = {
      badRequest: 'bad_request',
      notFound: 'Unable to find that User.',
      gone: 'That User has been deleted.',
      serverError: 'Unknown error saving user.',
    };
    // Signed in but refused: only a wrong current password, which is bad input here.
    if (error.code === 'UNAUTHENTICATED' && ctx?.viewer) return sprintError({ ...error, code: 'BAD_USER_INPUT', status: 400 }, w);
    return sprintError(error, w);
  },
  doc: {
    summary: 'Update a User',
    description:
      'Admin or the user themself; status, status_message and active are for admins. Changing your own email or password needs current_password. ' +
      'Browsers submit the edit form as POST with `_method=PUT` and its `form_token` instead of a Bearer token.',
    pathParams: { id: { description: 'An integer that is the ID of the user', schema: { type: 'integer', minimum: 1 } } },
    body: {
      contentTypes: BODY,
      schema: {
        type: 'object',
        properties: {
          email: { type: 'string' },
          username: { type: 'string' },
          password: { type: 'string' },
          pass_confirm: { type: 'string' },
          current_password: { type: 'string', description: 'Needed to change your own email or password' },
          status: { type: 'string' },
          status_message: { type: 'string' },
          active: { enum: [0, 1, '0', '1'] },
          deleted: { enum: [0, '0'], description: 'Only 0: delete with DELETE' },
          form_token: { type: 'string', description: 'From the edit form, in place of a Bearer token' },
          _method: { enum: ['PUT'], description: 'Method override for HTML forms, sent with POST' },
        },
      },
    },
    responses: {
      200: { description: 'The updated user', schema: userSchema },
      400: errorDoc('bad_request: "No data found to update.", "<p>The username is already in use on this site.</p>" or other invalid fields'),
      401: errorDoc('Missing or invalid Bearer token or form token'),
      403: errorDoc('Neither an admin nor that user, or an admin-only field'),
      404: errorDoc('resource_not_found: "Unable to find that User."'),
      409: errorDoc('resource_exists: "A User with that email already exists."'),
      410: errorDoc('resource_gone: "That User has been deleted."'),
    },
  },
};

export const deleteUser: RestRoute<RestD003DeleteUserMutation, RestD003DeleteUserMutationVariables> = {
  name: 'deleteUser',
  method: 'DELETE',
  path: '/v1/users/:id',
  auth: [bearerAuth],
  operation: RestD003DeleteUserDocument,
  variables: (req) => ({ id: userIdOf(req) }),
  respond: () => ({ status: 200, body: { response: 'User was deleted' } }),
  error: wording({ notFound: 'Unable to find that User.', gone: 'That User has been deleted.', serverError: 'Unknown database error.' }),
  doc: {
    summary: 'Delete A User',
    description: 'Admin or the user themself. A soft delete: afterwards the user answers 410 resource_gone.',
    pathParams: { id: { description: 'An integer that is the ID of the user', schema: { type: 'integer', minimum: 1 } } },
    responses: {
      200: { description: 'Deleted', schema: { type: 'object', required: ['response'], properties: { response: { const: 'User was deleted' } } } },
      401: errorDoc('Missing or invalid Bearer token'),
      403: errorDoc('Neither an admin nor that user'),
      404: errorDoc('resource_not_found: "Unable to find that User."'),
      409: errorDoc('conflict: the last admin cannot be deleted'),
      410: errorDoc('resource_gone: already deleted'),
    },
  },
};
