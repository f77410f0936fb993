// Dialect 000: POST /api/v1/users/registration and /session (and /video,
// in video.routes.ts).
import { FORM, JSON_API, JSON_TYPE } from '../framework/body.js';
import { ParamReader, RAILS_BOILERPLATE } from '../framework/params.js';
import type { RestRoute } from '../framework/types.js';
import { attributesOf, jsonApiError, railsUtc, resource } from './conventions.js';
import { video } from './video.routes.js';
import {
  RestD000RegisterDocument,
  type RestD000RegisterMutation,
  type RestD000RegisterMutationVariables,
  RestD000SessionDocument,
  type RestD000SessionMutation,
  type RestD000SessionMutationVariables,
} from '../__generated__/operations.js';

const BODY_TYPES = [FORM, JSON_TYPE, JSON_API];

function credentialsSchema(extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    required: ['email', 'password'],
    properties: { email: { type: 'string', format: 'email', maxLength: 254 }, password: { type: 'string', minLength: 8, maxLength: 72 }, ...extra },
  };
}

function resourceSchema(type: string, attributes: Record<string, unknown>) {
  return {
    type: 'object',
    required: ['data', 'jsonapi'],
    properties: {
      data: {
        type: 'object',
        required: ['id', 'type', 'attributes'],
        properties: { id: { type: 'string' }, type: { const: type }, attributes: { type: 'object', properties: attributes } },
      },
      jsonapi: { type: 'object', properties: { version: { const: '1.0' } } },
    },
  };
}

export const registration: RestRoute<RestD000RegisterMutation, RestD000RegisterMutationVariables> = {
  name: 'createRegistration',
  method: 'POST',
  path: '/api/v1/users/registration',
  operation: RestD000RegisterDocument,
  variables(req) {
    const attributes = attributesOf(req.body);
    const params = new ParamReader();
    params.onlyKnown(attributes, ['email', 'password', 'password_confirmation', ...RAILS_BOILERPLATE], (k) => k);
    const email = params.string(attributes, 'email', 'email') ?? '';
    const password = params.string(attributes, 'password', 'password') ?? '';
    const passwordConfirmation = params.string(attributes, 'password_confirmation', 'password_confirmation');
    params.throwIfAny();
    return { input: { email, password, passwordConfirmation } };
  },
  respond: ({ register }) => ({ status: 201, body: resource('users', register.id, { email: register.email }) }),
  doc: {
    summary: 'Create a new user',
    body: {
      contentTypes: BODY_TYPES,
      schema: credentialsSchema({ password_confirmation: { type: 'string' } }),
      example: { email: 'jovita@hettinger.info', password: '!1password', password_confirmation: '!1password' },
    },
    responses: {
      201: { description: 'The created user', schema: resourceSchema('users', { email: { type: 'string' } }) },
      422: { description: 'Invalid or taken attributes, one error per attribute with its source pointer' },
    },
  },
};

export const session: RestRoute<RestD000SessionMutation, RestD000SessionMutationVariables> = {
  name: 'createSession',
  method: 'POST',
  path: '/api/v1/users/session',
  operation: RestD000SessionDocument,
  variables(req) {
    const attributes = attributesOf(req.body);
    const params = new ParamReader();
    params.onlyKnown(attributes, ['email', 'password', ...RAILS_BOILERPLATE], (k) => k);
    const identifier = params.string(attributes, 'email', 'email') ?? '';
    const password = params.string(attributes, 'password', 'password') ?? '';
    params.throwIfAny();
    return { identifier, password };
  },
  respond: ({ login }) => ({ status: 201, body: resource('tokens', railsUtc(login.session.createdAt), { access: login.accessToken }) }),
  error: (error) => jsonApiError(error, { identifier: 'email' }),
  doc: {
    summary: 'Create a new user session',
    description: 'The token id is the creation time of the session; `attributes.access` is the JWT to send as `Authorization: Bearer`.',
    body: { contentTypes: BODY_TYPES, schema: credentialsSchema(), example: { email: 'peggie.kassulke@schneider.biz', password: 'password' } },
    responses: {
      201: { description: 'The access token', schema: resourceSchema('tokens', { access: { type: 'string', description: 'JWT access token' } }) },
      401: { description: 'Wrong email or password' },
      403: { description: 'The account is deactivated (or not confirmed, where confirmation is required)' },
      422: { description: 'Missing email or password' },
    },
  },
};

export const routes = [registration, session, video];
