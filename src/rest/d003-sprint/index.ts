import { FORM, JSON_TYPE } from '../framework/body.js';
import type { RestDialect } from '../framework/types.js';
import { errorSchema, sprintError } from './conventions.js';
import { editUserForm, newUserForm } from './forms.routes.js';
import { createUser, deleteUser, listUsers, showUser, updateUser } from './users.routes.js';

export const d003Sprint: RestDialect = {
  id: 'd003',
  title: '003 CodeIgniter Sprint/Bonfire users resource',
  description:
    'API Blueprint users resource: /v1/users (list, create), /v1/users/{id} (show, update, soft delete), and the HTML forms /v1/users/new and /v1/users/{id}/edit. ' +
    'Errors are {"error": "...", "error_description": "..."}.',
  contentType: 'application/json',
  bodyTypes: [FORM, JSON_TYPE],
  // `/new` before `/:id`: Express tries routes in order.
  routes: [listUsers, createUser, newUserForm, editUserForm, showUser, updateUser, deleteUser],
  error: (error) => sprintError(error),
  errorSchema,
  commonErrors: {
    400: 'invalid_request: bad input',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    500: 'server_error',
  },
  methodOverride: true,
};
