// 002 /roles, the same shape as /users: list, create, read, modify, delete,
// and the users holding a role. Roles are readable by anyone signed in; the
// rest needs an admin.
import { adminOnly, bearerAuth } from '../framework/auth.js';
import { ParamReader, type Hash } from '../framework/params.js';
import type { RestRoute } from '../framework/types.js';
import { collection, documentLinks, nullableString, readAttributes, readPage } from './conventions.js';
import { PAGE_QUERY, collectionSchema, documentSchema, resourceBody, roleResource, roleSchema, userResource, userSchema } from './resources.js';
import {
  RestD002CreateRoleDocument,
  type RestD002CreateRoleMutation,
  type RestD002CreateRoleMutationVariables,
  RestD002DeleteRoleDocument,
  type RestD002DeleteRoleMutation,
  type RestD002DeleteRoleMutationVariables,
  RestD002RoleDocument,
  type RestD002RoleQuery,
  type RestD002RoleQueryVariables,
  RestD002RoleUsersDocument,
  type RestD002RoleUsersQuery,
  type RestD002RoleUsersQueryVariables,
  RestD002RolesDocument,
  type RestD002RolesQuery,
  type RestD002RolesQueryVariables,
  RestD002UpdateRoleDocument,
  type RestD002UpdateRoleMutation,
  type RestD002UpdateRoleMutationVariables,
} from '../__generated__/operations.js';

function roleInput(attributes: Hash, required: boolean): Hash {
  const params = new ParamReader();
  params.onlyKnown(attributes, ['name', 'description'], (k) => k);
  const name = params.string(attributes, 'name', 'name', { required });
  const description = nullableString(params, attributes, 'description');
  params.throwIfAny();
  return Object.fromEntries(Object.entries({ name, description }).filter(([, v]) => v !== undefined));
}

const roleBody = (required: string[]) =>
  resourceBody('roles', { name: { type: 'string', maxLength: 64 }, description: { type: ['string', 'null'], maxLength: 255 } }, required);

export const listRoles: RestRoute<RestD002RolesQuery, RestD002RolesQueryVariables> = {
  name: 'listRoles',
  method: 'GET',
  path: '/roles',
  auth: [bearerAuth],
  operation: RestD002RolesDocument,
  variables(req) {
    const params = new ParamReader();
    const id = params.string(req.query, 'id', 'id');
    params.throwIfAny();
    return { ...readPage(req), filter: id !== undefined ? { ids: [id] } : null };
  },
  respond: ({ roles }, { req }) => collection(req, roles, (role) => roleResource(req, role)),
  doc: {
    summary: 'Get roles',
    description: 'Anyone signed in. `?id=` narrows the collection to one role.',
    query: { ...PAGE_QUERY, id: { description: 'Only the role with this id', schema: { type: 'string' } } },
    responses: { 200: { description: 'A page of roles', schema: collectionSchema(roleSchema) }, 404: { description: 'A page past the last' } },
  },
};

export const createRole: RestRoute<RestD002CreateRoleMutation, RestD002CreateRoleMutationVariables> = {
  name: 'createRole',
  method: 'POST',
  path: '/roles',
  auth: [adminOnly],
  operation: RestD002CreateRoleDocument,
  variables: (req) => ({ input: roleInput(readAttributes(req, 'roles'), true) }),
  respond: ({ createRole }, { req }) => ({ status: 201, body: { data: roleResource(req, createRole), links: documentLinks(req) } }),
  doc: {
    summary: 'Create a role',
    description: 'Admin only.',
    body: roleBody(['name']),
    responses: {
      201: { description: 'The role just created', schema: documentSchema(roleSchema) },
      400: { description: 'Invalid data, or the name is taken' },
      403: { description: 'Not an admin' },
      409: { description: 'Wrong resource type' },
    },
  },
};

export const showRole: RestRoute<RestD002RoleQuery, RestD002RoleQueryVariables> = {
  name: 'getRole',
  method: 'GET',
  path: '/roles/:id',
  auth: [bearerAuth],
  operation: RestD002RoleDocument,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: ({ role }, { req }) => ({ status: 200, body: { data: roleResource(req, role), links: documentLinks(req) } }),
  doc: { summary: 'Get role data', responses: { 200: { description: 'The role', schema: documentSchema(roleSchema) }, 404: { description: 'No such role' } } },
};

export const updateRole: RestRoute<RestD002UpdateRoleMutation, RestD002UpdateRoleMutationVariables> = {
  name: 'updateRole',
  method: 'PATCH',
  path: '/roles/:id',
  auth: [adminOnly],
  operation: RestD002UpdateRoleDocument,
  variables: (req) => ({ id: req.pathParams.id, input: roleInput(readAttributes(req, 'roles', req.pathParams.id), false) }),
  respond: ({ updateRole }, { req }) => ({ status: 200, body: { data: roleResource(req, updateRole), links: documentLinks(req) } }),
  doc: {
    summary: 'Modify a role',
    description: 'Admin only; not an unchangeable role.',
    body: roleBody([]),
    responses: {
      200: { description: 'The modified role', schema: documentSchema(roleSchema) },
      400: { description: 'Invalid data, a taken name, or nothing to change' },
      403: { description: 'Not an admin, or an unchangeable role' },
      404: { description: 'No such role' },
      409: { description: "Wrong resource type, or data.id is not the URL's" },
    },
  },
};

export const deleteRole: RestRoute<RestD002DeleteRoleMutation, RestD002DeleteRoleMutationVariables> = {
  name: 'deleteRole',
  method: 'DELETE',
  path: '/roles/:id',
  auth: [adminOnly],
  operation: RestD002DeleteRoleDocument,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: () => ({ status: 204 }),
  doc: {
    summary: 'Remove a role',
    description: 'Admin only; not an unchangeable role. Its users lose it.',
    responses: { 204: { description: 'Removed' }, 403: { description: 'Not an admin, or an unchangeable role' }, 404: { description: 'No such role' } },
  },
};

export const roleUsers: RestRoute<RestD002RoleUsersQuery, RestD002RoleUsersQueryVariables> = {
  name: 'listRoleUsers',
  method: 'GET',
  path: '/roles/:id/users',
  auth: [bearerAuth],
  operation: RestD002RoleUsersDocument,
  variables: (req) => ({ id: req.pathParams.id, ...readPage(req) }),
  respond: ({ role }, { req }) => collection(req, role.users, (user) => userResource(req, user)),
  doc: {
    summary: 'Get role users',
    description: 'Admin only.',
    query: PAGE_QUERY,
    responses: {
      200: { description: 'The users holding the role', schema: collectionSchema(userSchema) },
      403: { description: 'Not an admin' },
      404: { description: 'No such role' },
    },
  },
};

export const roleRoutes = [listRoles, createRole, showRole, updateRole, deleteRole, roleUsers];
