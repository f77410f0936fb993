import { FORM, JSON_TYPE, MULTIPART } from '../framework/body.js';
import type { RestDialect } from '../framework/types.js';
import { authRoutes } from './auth.routes.js';
import { beachError, errorSchema } from './conventions.js';
import { passwordRoutes } from './passwords.routes.js';
import { userRoutes } from './users.routes.js';

export const d001Beach: RestDialect = {
  id: 'd001',
  title: '001 beach-api-core (Doorkeeper) users and auth',
  description:
    'Apipie-documented Rails API: /v1/auth, /v1/users, /v1/user, /v1/password. Errors are 400 {"error":{"message":"..."}} (429 and 503 when throttled or unavailable).',
  contentType: 'application/json',
  bodyTypes: [FORM, JSON_TYPE, MULTIPART],
  routes: [...authRoutes, ...userRoutes, ...passwordRoutes],
  error: (error) => beachError(error),
  errorSchema,
  commonErrors: {
    400: 'Any client error (bad input, failed authentication or authorisation, an unknown record, a wrong content type, a body too large): {"error":{"message":"..."}}',
    500: 'Internal server error',
  },
};
