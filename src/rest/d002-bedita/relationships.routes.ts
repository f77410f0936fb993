// 002 relationship endpoints: POST adds, DELETE removes, on either side
// (`/users/:id/relationships/roles`, `/roles/:id/relationships/users`). The
// body is one resource identifier or an array of them; all or nothing.
import { adminOnly } from '../framework/auth.js';
import { JSON_API, JSON_TYPE } from '../framework/body.js';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { RestRoute } from '../framework/types.js';
import {
  RestD002AddRoleUsersDocument,
  RestD002AddUserRolesDocument,
  RestD002RemoveRoleUsersDocument,
  RestD002RemoveUserRolesDocument,
  type RestD002AddUserRolesMutationVariables,
} from '../__generated__/operations.js';
import { documentLinks, readIdentifiers } from './conventions.js';
import { linksOnlySchema } from './resources.js';

type Side = { owner: 'users' | 'roles'; other: 'users' | 'roles' };

type RelationshipDocument = TypedDocumentNode<unknown, RestD002AddUserRolesMutationVariables>;

function relationshipRoute(
  { owner, other }: Side,
  method: 'POST' | 'DELETE',
  operation: RelationshipDocument,
): RestRoute<unknown, RestD002AddUserRolesMutationVariables> {
  const ownerIds = owner === 'users' ? 'userIds' : 'roleIds';
  const otherIds = owner === 'users' ? 'roleIds' : 'userIds';
  const verb = method === 'POST' ? 'Add' : 'Remove';
  const one = other.slice(0, -1);
  return {
    name: `${verb.toLowerCase()}${owner === 'users' ? 'UserRoles' : 'RoleUsers'}`,
    method,
    path: `/${owner}/:id/relationships/${other}`,
    auth: [adminOnly],
    operation,
    variables: (req) => ({ [otherIds]: readIdentifiers(req, other), [ownerIds]: [req.pathParams.id] }),
    respond: (_data, { req }) => ({ status: 200, body: { links: documentLinks(req) } }),
    doc: {
      summary: `${verb} a ${one}`,
      description: `Admin only. The body is one \`{"type": "${other}", "id": ...}\` or an array of them.`,
      body: {
        contentTypes: [JSON_API, JSON_TYPE],
        schema: {
          type: 'object',
          required: ['data'],
          properties: {
            data: (() => {
              const identifier = { type: 'object', required: ['type', 'id'], properties: { type: { const: other }, id: { type: ['string', 'integer'] } } };
              return { oneOf: [identifier, { type: 'array', items: identifier }] };
            })(),
          },
        },
        example: { data: { type: other, id: 7 } },
      },
      responses: {
        200: { description: 'Done (also when nothing changed)', schema: linksOnlySchema },
        400: { description: 'Not a resource identifier, or a malformed id' },
        403: { description: 'Not an admin, or the last admin would lose the admin role' },
        404: { description: `No such ${owner.slice(0, -1)} or ${one}` },
        409: { description: 'Wrong resource type' },
      },
    },
  };
}

const USERS_ROLES: Side = { owner: 'users', other: 'roles' };
const ROLES_USERS: Side = { owner: 'roles', other: 'users' };

export const relationshipRoutes = [
  relationshipRoute(USERS_ROLES, 'POST', RestD002AddUserRolesDocument),
  relationshipRoute(USERS_ROLES, 'DELETE', RestD002RemoveUserRolesDocument),
  relationshipRoute(ROLES_USERS, 'POST', RestD002AddRoleUsersDocument),
  relationshipRoute(ROLES_USERS, 'DELETE', RestD002RemoveRoleUsersDocument),
];
