// 001: PUT (and, as Rails routes it, PATCH) /v1/user: the nested profile and preferences update.
import { FORM, JSON_TYPE, MULTIPART } from '../framework/body.js';
import { signedIn } from '../framework/auth.js';
import type { RestRoute } from '../framework/types.js';
import { avatarBodyLimit } from '../../config.js';
import { beachUser, userOnlySchema } from './user.js';
import { updateUserVariables } from './update-user.mapper.js';
import { RestD001UpdateMeDocument, type RestD001UpdateMeMutation, type RestD001UpdateMeMutationVariables } from '../__generated__/operations.js';

const BODY = [FORM, JSON_TYPE];

export function updateRoute(method: 'PUT' | 'PATCH'): RestRoute<RestD001UpdateMeMutation, RestD001UpdateMeMutationVariables> {
  return {
    name: method === 'PUT' ? 'updateCurrentUser' : 'patchCurrentUser',
    method,
    path: '/v1/user',
    auth: [signedIn],
    uploads: { maxFileBytes: (config) => config.media.avatarMaxBytes, bodyLimit: avatarBodyLimit },
    // Serial mutations: the avatar first, so a refused image stops before the account changes.
    operation: RestD001UpdateMeDocument,
    variables: (req) => updateUserVariables(req.params),
    respond: ({ updateMe }) => ({ status: 200, body: { user: beachUser(updateMe, true) } }),
    doc: {
      summary: method === 'PUT' ? 'Update Current User' : 'Update Current User (PATCH, as Rails routes it)',
      description:
        'profile_attributes: first_name, last_name, sex (male|female), birth_date (YYYY-MM-DD), current_age (converted to Date.today - current_age.years - 1.day), time_zone, and any other key as a custom string field. ' +
        'A new password (user[password] or profile_attributes[password], with password_confirmation) needs current_password. ' +
        'user_preferences_attributes: an array of {id, preferences} replacing the preferences object with that id.',
      body: {
        contentTypes: [...BODY, MULTIPART],
        schema: {
          type: 'object',
          required: ['user'],
          properties: {
            user: {
              type: 'object',
              required: ['email'],
              properties: {
                email: { type: 'string' },
                username: { type: 'string' },
                password: { type: 'string' },
                password_confirmation: { type: 'string' },
                current_password: { type: 'string' },
                profile_attributes: {
                  type: 'object',
                  required: ['id'],
                  properties: {
                    id: { type: 'integer' },
                    first_name: { type: 'string' },
                    last_name: { type: 'string' },
                    sex: { enum: ['male', 'female'] },
                    birth_date: { type: 'string', format: 'date' },
                    current_age: { type: 'integer', minimum: 0, maximum: 150 },
                    time_zone: { type: 'string' },
                    current_password: { type: 'string' },
                    password: { type: 'string' },
                    password_confirmation: { type: 'string' },
                    avatar_attributes: {
                      type: 'object',
                      description: 'Exactly one of file (multipart/form-data) and base64 (a data: URL prefix is allowed); PNG, JPEG, WebP or GIF.',
                      properties: { file: { type: 'string', format: 'binary' }, base64: { type: 'string' } },
                    },
                  },
                  additionalProperties: { type: 'string', description: 'Any custom field' },
                },
                user_preferences_attributes: {
                  type: 'array',
                  items: { type: 'object', required: ['id', 'preferences'], properties: { id: { type: 'integer' }, preferences: { type: 'object' } } },
                },
              },
            },
          },
        },
      },
      responses: {
        200: { description: 'The updated user', schema: userOnlySchema },
        400: {
          description:
            'Missing or invalid parameters, a taken email or username, a missing or wrong current password, a missing or invalid Bearer token, or a preferences id that is not yours',
        },
      },
    },
  };
}
