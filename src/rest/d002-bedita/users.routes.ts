// 002 /users: list (with `?id=` and the `?id=&roles` form), create, read,
// modify, delete, and a user's roles. Writes need an admin; a user may read
// their own record (the services decide).
import { adminOnly, bearerAuth } from '../framework/auth.js';
import { ParamReader, type Hash } from '../framework/params.js';
import type { RestRequest, RestRoute } from '../framework/types.js';
import { collection, documentLinks, nullableString, readAttributes, readPage, readUsername, slicePage } from './conventions.js';
import { PAGE_QUERY, collectionSchema, documentSchema, resourceBody, roleResource, roleSchema, userResource, userSchema } from './resources.js';
import {
  RestD002ListUserRolesByQueryDocument,
  RestD002ListUserRolesDocument,
  type RestD002ListUserRolesQuery,
  type RestD002ListUserRolesQueryVariables,
  RestD002CreateUserDocument,
  type RestD002CreateUserMutation,
  type RestD002CreateUserMutationVariables,
  RestD002DeleteUserDocument,
  type RestD002DeleteUserMutation,
  type RestD002DeleteUserMutationVariables,
  RestD002UpdateUserDocument,
  type RestD002UpdateUserMutation,
  type RestD002UpdateUserMutationVariables,
  RestD002UserDocument,
  type RestD002UserQuery,
  type RestD002UserQueryVariables,
  RestD002UsersDocument,
  type RestD002UsersQuery,
  type RestD002UsersQueryVariables,
} from '../__generated__/operations.js';

const USER_ATTRIBUTES = ['username', 'uname', 'password', 'email', 'name', 'surname'];

/** Account fields of a users document, in GraphQL input terms (profile names included). */
function accountInput(attributes: Hash, required: boolean): Hash {
  const params = new ParamReader();
  params.onlyKnown(attributes, USER_ATTRIBUTES, (k) => k);
  const username = readUsername(params, attributes, required);
  const password = params.string(attributes, 'password', 'password', { required });
  const email = params.string(attributes, 'email', 'email');
  const firstName = nullableString(params, attributes, 'name');
  const lastName = nullableString(params, attributes, 'surname');
  params.throwIfAny();
  const profile = Object.fromEntries(Object.entries({ firstName, lastName }).filter(([, v]) => v !== undefined));
  const input = { username, password, email, profile: Object.keys(profile).length ? profile : undefined };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

const USER_ATTRIBUTE_DOCS = {
  username: { type: 'string' },
  uname: { type: 'string', description: 'The username again: when both are sent they must be equal.' },
  password: { type: 'string' },
  email: { type: 'string' },
  name: { type: ['string', 'null'] },
  surname: { type: ['string', 'null'] },
};
const userBody = (required: string[]) => resourceBody('users', USER_ATTRIBUTE_DOCS, required);

const hasIdQuery = (req: RestRequest) => req.query.id !== undefined;

/** GET /users answers users, or with `?id=&roles` that user's roles: one OpenAPI operation, either body. */
const usersOrRoles = { anyOf: [collectionSchema(userSchema), collectionSchema(roleSchema)] };

export const listUsers: RestRoute<RestD002UsersQuery, RestD002UsersQueryVariables> = {
  name: 'listUsers',
  method: 'GET',
  path: '/users',
  auth: [bearerAuth],
  operation: RestD002UsersDocument,
  variables(req) {
    const params = new ParamReader();
    const id = params.string(req.query, 'id', 'id');
    params.throwIfAny();
    return { ...readPage(req), filter: id !== undefined ? { ids: [id] } : null };
  },
  respond: ({ users }, { req }) => collection(req, users, (user) => userResource(req, user)),
  doc: {
    summary: 'Get users',
    description: "Admin only. `?id=` narrows the collection to one user; `?id=<id>&roles` answers that user's roles instead.",
    query: {
      ...PAGE_QUERY,
      id: { description: 'Only the user with this id', schema: { type: 'string' } },
      roles: { description: 'With id: the roles of that user', schema: { type: 'string' } },
    },
    responses: {
      200: { description: "A page of users (with `?id=&roles`: of that user's roles)", schema: usersOrRoles },
      403: { description: 'Not an admin' },
      404: { description: 'A page past the last' },
    },
  },
};

function userRolesRoute(
  name: string,
  path: string,
  idOf: (req: RestRequest) => string,
  operation: typeof RestD002ListUserRolesDocument,
  when?: (req: RestRequest) => boolean,
): RestRoute<RestD002ListUserRolesQuery, RestD002ListUserRolesQueryVariables> {
  return {
    name,
    method: 'GET',
    path,
    ...(when ? { when } : {}),
    auth: [bearerAuth],
    operation,
    variables: (req) => {
      readPage(req); // a bad page is refused before the lookup
      return { id: idOf(req) };
    },
    respond: ({ user }, { req }) => collection(req, slicePage(user.roles, readPage(req)), (role) => roleResource(req, role)),
    doc: {
      summary: when ? 'Get user roles by id query' : 'Get user roles',
      description: 'An admin, or the user themself.',
      query: when
        ? {
            ...PAGE_QUERY,
            id: { required: true, schema: { type: 'string' } },
            roles: { required: true, description: 'A token without value', schema: { type: 'string' } },
          }
        : PAGE_QUERY,
      responses: {
        200: { description: 'The roles of the user', schema: when ? usersOrRoles : collectionSchema(roleSchema) },
        403: { description: 'Another user' },
        404: { description: 'No such user' },
      },
    },
  };
}

export const userRoles = userRolesRoute('listUserRoles', '/users/:id/roles', (req) => req.pathParams.id, RestD002ListUserRolesDocument);
export const userRolesByQuery = userRolesRoute(
  'listUserRolesByQuery',
  '/users',
  (req) => String(req.query.id),
  RestD002ListUserRolesByQueryDocument,
  (req) => hasIdQuery(req) && 'roles' in req.query,
);

export const createUser: RestRoute<RestD002CreateUserMutation, RestD002CreateUserMutationVariables> = {
  name: 'createUser',
  method: 'POST',
  path: '/users',
  auth: [adminOnly],
  operation: RestD002CreateUserDocument,
  variables: (req) => ({ input: accountInput(readAttributes(req, 'users'), true) }),
  respond: ({ createUser }, { req }) => ({ status: 201, body: { data: userResource(req, createUser), links: documentLinks(req) } }),
  doc: {
    summary: 'Create a user',
    description: 'Admin only. username and password are required; an email is optional.',
    body: userBody(['username', 'password']),
    responses: {
      201: { description: 'The user just created', schema: documentSchema(userSchema) },
      400: { description: 'Invalid data, or the user already exists' },
      403: { description: 'Not an admin' },
      409: { description: 'Wrong resource type' },
    },
  },
};

export const showUser: RestRoute<RestD002UserQuery, RestD002UserQueryVariables> = {
  name: 'getUser',
  method: 'GET',
  path: '/users/:id',
  auth: [bearerAuth],
  operation: RestD002UserDocument,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: ({ user }, { req }) => ({ status: 200, body: { data: userResource(req, user), links: documentLinks(req) } }),
  doc: {
    summary: 'Get user data',
    description: 'An admin, or the user themself.',
    responses: {
      200: { description: 'The user', schema: documentSchema(userSchema) },
      403: { description: 'Another user' },
      404: { description: 'No such user' },
    },
  },
};

export const updateUser: RestRoute<RestD002UpdateUserMutation, RestD002UpdateUserMutationVariables> = {
  name: 'updateUser',
  method: 'PATCH',
  path: '/users/:id',
  auth: [adminOnly],
  operation: RestD002UpdateUserDocument,
  variables: (req) => ({ id: req.pathParams.id, input: accountInput(readAttributes(req, 'users', req.pathParams.id), false) }),
  respond: ({ updateUser }, { req }) => ({ status: 200, body: { data: userResource(req, updateUser), links: documentLinks(req) } }),
  doc: {
    summary: 'Modify a user',
    description: 'Admin only.',
    body: userBody([]),
    responses: {
      200: { description: 'The modified user', schema: documentSchema(userSchema) },
      400: { description: 'Invalid data, a taken username or email, or nothing to change' },
      403: { description: 'Not an admin' },
      404: { description: 'No such user' },
      409: { description: "Wrong resource type, or data.id is not the URL's" },
    },
  },
};

export const deleteUser: RestRoute<RestD002DeleteUserMutation, RestD002DeleteUserMutationVariables> = {
  name: 'deleteUser',
  method: 'DELETE',
  path: '/users/:id',
  auth: [adminOnly],
  operation: RestD002DeleteUserDocument,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: () => ({ status: 204 }),
  doc: {
    summary: 'Remove a user',
    description: 'Admin only. The last admin cannot be removed.',
    responses: { 204: { description: 'Removed' }, 403: { description: 'Not an admin, or the last admin' }, 404: { description: 'No such user' } },
  },
};

export const userRoutes = [listUsers, userRolesByQuery, createUser, showUser, updateUser, deleteUser, userRoles];
