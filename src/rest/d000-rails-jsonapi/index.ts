import { FORM, JSON_API, JSON_TYPE, MULTIPART } from '../framework/body.js';
import type { RestDialect } from '../framework/types.js';
import { errorSchema, jsonApiError } from './conventions.js';
import { routes } from './routes.js';

export const d000RailsJsonApi: RestDialect = {
  id: 'd000',
  title: '000 Rails JSON:API registration and session',
  description: 'A Rails + Devise + JSON:API app: /api/v1/users/registration, /api/v1/users/session and /api/v1/users/video (multipart).',
  contentType: JSON_API,
  bodyTypes: [FORM, JSON_TYPE, JSON_API, MULTIPART],
  routes,
  jsonApi: true,
  error: (error) => jsonApiError(error),
  errorSchema,
  commonErrors: {
    400: 'The body could not be read',
    413: 'The body is too large',
    415: 'Wrong content type',
    500: 'Internal server error',
  },
};
