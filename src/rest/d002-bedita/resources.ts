// The two resources of dialect 002, as BEdita 4 shapes them: users (profile
// names as name/surname, uname, authorship, `password` kept for shape but
// always null) and roles, each with its relationship links.
import { JSON_API, JSON_TYPE } from '../framework/body.js';
import type { Hash } from '../framework/params.js';
import type { RestRequest } from '../framework/types.js';
import { timestamp, urlOf } from './conventions.js';
import type { RestD002UserFragment } from '../__generated__/operations.js';
import type { RestD002RoleFragment } from '../__generated__/operations.js';

/** The user as fragment RestD002User (operations.graphql) selects it. */
export type GqlUser = RestD002UserFragment;

/** The role as fragment RestD002Role (operations.graphql) selects it. */
export type GqlRole = RestD002RoleFragment;

const idNumber = (id: string | null) => (id === null ? null : Number(id));

/** Links of a relationship: the related collection and the relationship itself. */
function related(req: RestRequest, base: string, name: string): Hash {
  return { [name]: { links: { related: urlOf(req, `${base}/${name}`), self: urlOf(req, `${base}/relationships/${name}`) } } };
}

export function userResource(req: RestRequest, user: GqlUser): Hash {
  return {
    id: user.id,
    type: 'users',
    attributes: {
      username: user.username,
      uname: user.username,
      email: user.email,
      name: user.profile.firstName,
      surname: user.profile.lastName,
      password: null,
      created_by: idNumber(user.createdById),
      modified_by: idNumber(user.modifiedById),
      created: timestamp(user.createdAt),
      modified: timestamp(user.updatedAt),
    },
    relationships: related(req, `/users/${user.id}`, 'roles'),
  };
}

export function roleResource(req: RestRequest, role: GqlRole): Hash {
  return {
    id: role.id,
    type: 'roles',
    attributes: {
      name: role.name,
      description: role.description,
      unchangeable: role.unchangeable,
      created: timestamp(role.createdAt),
      modified: timestamp(role.updatedAt),
    },
    links: { self: urlOf(req, `/roles/${role.id}`) },
    relationships: related(req, `/roles/${role.id}`, 'users'),
  };
}

// ---- OpenAPI ----

const links = { type: 'object', properties: { related: { type: 'string' }, self: { type: 'string' } } };
const nullableString = { type: ['string', 'null'] };
const stamp = { type: 'string', format: 'date-time' };

export const userSchema = {
  type: 'object',
  required: ['id', 'type', 'attributes'],
  properties: {
    id: { type: 'string' },
    type: { const: 'users' },
    attributes: {
      type: 'object',
      properties: {
        username: nullableString,
        uname: nullableString,
        email: nullableString,
        name: nullableString,
        surname: nullableString,
        password: { type: 'null', description: 'Kept for shape; never a secret.' },
        created_by: { type: ['integer', 'null'] },
        modified_by: { type: ['integer', 'null'] },
        created: stamp,
        modified: stamp,
      },
    },
    relationships: { type: 'object', properties: { roles: { type: 'object', properties: { links } } } },
  },
};

export const roleSchema = {
  type: 'object',
  required: ['id', 'type', 'attributes'],
  properties: {
    id: { type: 'string' },
    type: { const: 'roles' },
    attributes: {
      type: 'object',
      properties: { name: { type: 'string' }, description: nullableString, unchangeable: { type: 'boolean' }, created: stamp, modified: stamp },
    },
    links: { type: 'object', properties: { self: { type: 'string' } } },
    relationships: { type: 'object', properties: { users: { type: 'object', properties: { links } } } },
  },
};

const documentLinks = { type: 'object', required: ['self', 'home'], properties: { self: { type: 'string' }, home: { type: 'string' } } };
const pageLink = { type: ['string', 'null'] };
const integer = { type: 'integer' };

export const documentSchema = (resource: object) => ({ type: 'object', required: ['data', 'links'], properties: { data: resource, links: documentLinks } });

/** The body of a create or update: one resource of `type` whose attributes have these properties, `required` of them required. */
export const resourceBody = (type: string, attributes: Record<string, object>, required: string[]) => ({
  contentTypes: [JSON_API, JSON_TYPE],
  schema: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        required: ['type'],
        properties: { id: { type: ['string', 'integer'] }, type: { const: type }, attributes: { type: 'object', required, properties: attributes } },
      },
    },
  },
});

export const collectionSchema = (resource: object) => ({
  type: 'object',
  required: ['data', 'links', 'meta'],
  properties: {
    data: { type: 'array', items: resource },
    links: { ...documentLinks, properties: { ...documentLinks.properties, first: pageLink, last: pageLink, prev: pageLink, next: pageLink } },
    meta: {
      type: 'object',
      properties: {
        pagination: { type: 'object', properties: { count: integer, page: integer, page_count: integer, page_items: integer, page_size: integer } },
      },
    },
  },
});

export const linksOnlySchema = { type: 'object', required: ['links'], properties: { links: documentLinks } };

export const PAGE_QUERY = {
  page: { description: 'Page number, from 1 (default 1). A page past the last is 404.', schema: { type: 'integer', minimum: 1 } },
  page_size: { description: 'Items per page, 1 to 100 (default 20).', schema: { type: 'integer', minimum: 1, maximum: 100 } },
};
