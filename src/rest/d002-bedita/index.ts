import { JSON_API, JSON_TYPE } from '../framework/body.js';
import type { RestDialect } from '../framework/types.js';
import { beditaError, errorSchema } from './conventions.js';
import { relationshipRoutes } from './relationships.routes.js';
import { roleRoutes } from './roles.routes.js';
import { userRoutes } from './users.routes.js';

export const d002Bedita: RestDialect = {
  id: 'd002',
  title: '002 BEdita 4 JSON:API users and roles',
  description:
    'BEdita 4 API: /users and /roles as JSON:API documents with links and meta.pagination. Every endpoint needs a Bearer token; writes need an admin.',
  contentType: JSON_API,
  bodyTypes: [JSON_API, JSON_TYPE],
  routes: [...userRoutes, ...roleRoutes, ...relationshipRoutes],
  jsonApi: true,
  error: (error) => beditaError(error),
  errorSchema,
  commonErrors: {
    400: 'Invalid data or an unreadable body',
    401: 'Missing or invalid Bearer token',
    413: 'The body is too large',
    415: 'Wrong content type',
    500: 'Internal server error',
  },
};
