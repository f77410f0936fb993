// 002 /roles, the same shape as /users: list, create, read, modify, delete,
// and the users holding a role. Roles are readable by anyone signed in; the
// rest needs an admin.
import { adminOnly, bearerAuth } from '../framework/auth.js';
import { JSON_API, JSON_TYPE } from '../framework/body.js';
import { ParamReader, type Hash } from '../framework/params.js';
import type { RestRoute } from '../framework/types.js';
import { collection, documentLinks, nullableString, readAttributes, readPage, type PageOf } from './conventions.js';
import {
  PAGE_QUERY,
  ROLE_FRAGMENT,
  USER_FRAGMENT,
  collectionSchema,
  documentSchema,
  roleResource,
  roleSchema,
  userResource,
  userSchema,
  type GqlRole,
  type GqlUser,
} from './resources.js';

function roleInput(attributes: Hash, required: boolean): Hash {
  const params = new ParamReader();
  params.onlyKnown(attributes, ['name', 'description'], (k) => k);
  const name = params.string(attributes, 'name', 'name', { required });
  const description = nullableString(params, attributes, 'description');
  params.throwIfAny();
  return Object.fromEntries(Object.entries({ name, description }).filter(([, v]) => v !== undefined));
}

const roleBody = (required: string[]) => ({
  contentTypes: [JSON_API, JSON_TYPE],
  schema: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['type'],
        properties: {
          id: { type: ['string', 'integer'] },
          type: { const: 'roles' },
          attributes: { type: 'object', required, properties: { name: { type: 'string', maxLength: 64 }, description: { type: ['string', 'null'], maxLength: 255 } } },
        },
      },
    },
  },
});

export const listRoles: RestRoute<{ roles: PageOf<GqlRole> }> = {
  name: 'listRoles',
  method: 'GET',
  path: '/roles',
  auth: [bearerAuth],
  operation: /* GraphQL */ `
    query RestD002Roles($page: Int, $pageSize: Int, $filter: RolesFilter) {
      roles(page: $page, pageSize: $pageSize, filter: $filter) { total page pageSize pageCount items { ...RestD002Role } }
    }
    ${ROLE_FRAGMENT}`,
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

export const createRole: RestRoute<{ createRole: GqlRole }> = {
  name: 'createRole',
  method: 'POST',
  path: '/roles',
  auth: [adminOnly],
  operation: /* GraphQL */ `
    mutation RestD002CreateRole($input: RoleInput!) { createRole(input: $input) { ...RestD002Role } }
    ${ROLE_FRAGMENT}`,
  variables: (req) => ({ input: roleInput(readAttributes(req, 'roles'), true) }),
  respond: ({ createRole }, { req }) => ({ status: 201, body: { data: roleResource(req, createRole), links: documentLinks(req) } }),
  doc: {
    summary: 'Create a role',
    description: 'Admin only.',
    body: roleBody(['name']),
    responses: { 201: { description: 'The role just created', schema: documentSchema(roleSchema) }, 400: { description: 'Invalid data, or the name is taken' }, 403: { description: 'Not an admin' }, 409: { description: 'Wrong resource type' } },
  },
};

export const showRole: RestRoute<{ role: GqlRole }> = {
  name: 'getRole',
  method: 'GET',
  path: '/roles/:id',
  auth: [bearerAuth],
  operation: /* GraphQL */ `
    query RestD002Role($id: ID!) { role(id: $id) { ...RestD002Role } }
    ${ROLE_FRAGMENT}`,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: ({ role }, { req }) => ({ status: 200, body: { data: roleResource(req, role), links: documentLinks(req) } }),
  doc: { summary: 'Get role data', responses: { 200: { description: 'The role', schema: documentSchema(roleSchema) }, 404: { description: 'No such role' } } },
};

export const updateRole: RestRoute<{ updateRole: GqlRole }> = {
  name: 'updateRole',
  method: 'PATCH',
  path: '/roles/:id',
  auth: [adminOnly],
  operation: /* GraphQL */ `
    mutation RestD002UpdateRole($id: ID!, $input: RoleUpdateInput!) { updateRole(id: $id, input: $input) { ...RestD002Role } }
    ${ROLE_FRAGMENT}`,
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
      409: { description: 'Wrong resource type, or data.id is not the URL\'s' },
    },
  },
};

export const deleteRole: RestRoute<{ deleteRole: boolean }> = {
  name: 'deleteRole',
  method: 'DELETE',
  path: '/roles/:id',
  auth: [adminOnly],
  operation: /* GraphQL */ `mutation RestD002DeleteRole($id: ID!) { deleteRole(id: $id) }`,
  variables: (req) => ({ id: req.pathParams.id }),
  respond: () => ({ status: 204 }),
  doc: {
    summary: 'Remove a role',
    description: 'Admin only; not an unchangeable role. Its users lose it.',
    responses: { 204: { description: 'Removed' }, 403: { description: 'Not an admin, or an unchangeable role' }, 404: { description: 'No such role' } },
  },
};

export const roleUsers: RestRoute<{ role: { users: PageOf<GqlUser> } }> = {
  name: 'listRoleUsers',
  method: 'GET',
  path: '/roles/:id/users',
  auth: [bearerAuth],
  operation: /* GraphQL */ `
    query RestD002RoleUsers($id: ID!, $page: Int, $pageSize: Int) {
      role(id: $id) { users(page: $page, pageSize: $pageSize) { total page pageSize pageCount items { ...RestD002User } } }
    }
    ${USER_FRAGMENT}`,
  variables: (req) => ({ id: req.pathParams.id, ...readPage(req) }),
  respond: ({ role }, { req }) => collection(req, role.users, (user) => userResource(req, user)),
  doc: {
    summary: 'Get role users',
    description: 'Admin only.',
    query: PAGE_QUERY,
    responses: { 200: { description: 'The users holding the role', schema: collectionSchema(userSchema) }, 403: { description: 'Not an admin' }, 404: { description: 'No such role' } },
  },
};

export const roleRoutes = [listRoles, createRole, showRole, updateRole, deleteRole, roleUsers];
