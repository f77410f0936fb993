import { JSON_TYPE } from '../framework/body.js';
import type { RestDialect } from '../framework/types.js';
import { accountRoutes } from './account.routes.js';
import { adminRoutes } from './admin.routes.js';
import { crafterError, messageSchema } from './conventions.js';
import { userIdByUsername } from './lookup.js';

export const d004Crafter: RestDialect = {
  id: 'd004',
  title: '004 Crafter Studio 3 user service',
  description:
    'Crafter Studio 3.x `api/1` user API under /api/1/services/api/1/user/. Every answer that is not data is {"message":"..."}; success sets Location to the user’s get.json.',
  contentType: 'application/json',
  bodyTypes: [JSON_TYPE],
  routes: [...adminRoutes, ...accountRoutes],
  helperOperations: [userIdByUsername],
  error: (error) => crafterError(error),
  errorSchema: messageSchema,
  commonErrors: {
    400: 'Invalid parameter(s) (also an unreadable body)',
    413: 'The body is too large',
    415: 'Wrong content type (send application/json)',
    500: 'Internal server error',
  },
};
