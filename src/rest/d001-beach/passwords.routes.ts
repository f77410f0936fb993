// 001: password reset, as beach-api-core's PasswordsController (POST and PUT /v1/password).
import { FORM, JSON_TYPE } from '../framework/body.js';
import { ParamReader } from '../framework/params.js';
import type { RestRoute } from '../framework/types.js';
import { messageSchema } from './conventions.js';
import {
  RestD001ForgotPasswordDocument,
  type RestD001ForgotPasswordMutation,
  type RestD001ForgotPasswordMutationVariables,
  RestD001ResetPasswordDocument,
  type RestD001ResetPasswordMutation,
  type RestD001ResetPasswordMutationVariables,
} from '../__generated__/operations.js';

export const forgotPassword: RestRoute<RestD001ForgotPasswordMutation, RestD001ForgotPasswordMutationVariables> = {
  name: 'forgotPassword',
  method: 'POST',
  path: '/v1/password',
  operation: RestD001ForgotPasswordDocument,
  variables(req) {
    const params = new ParamReader();
    const email = params.string(req.params, 'email', 'email', { required: true });
    params.throwIfAny();
    return { email };
  },
  // The same answer whether or not the account exists.
  respond: () => ({ status: 200, body: { message: 'If an account with that email exists, password reset instructions have been sent to it.' } }),
  doc: {
    summary: 'Send password reset instructions',
    description: 'Mails a reset token when the account exists; answers the same either way.',
    body: {
      contentTypes: [FORM, JSON_TYPE],
      schema: { type: 'object', required: ['email'], properties: { email: { type: 'string' } } },
      example: { email: 'someone@example.com' },
    },
    responses: { 200: { description: 'Accepted', schema: messageSchema }, 400: { description: 'Missing email' } },
  },
};

export const resetPassword: RestRoute<RestD001ResetPasswordMutation, RestD001ResetPasswordMutationVariables> = {
  name: 'resetPassword',
  method: 'PUT',
  path: '/v1/password',
  operation: RestD001ResetPasswordDocument,
  variables(req) {
    const params = new ParamReader();
    const token = params.string(req.params, 'token', 'token', { required: true });
    const password = params.string(req.params, 'password', 'password', { required: true });
    const passwordConfirmation = params.string(req.params, 'password_confirmation', 'password_confirmation');
    params.throwIfAny();
    return { token, password, passwordConfirmation };
  },
  respond: () => ({ status: 200, body: { message: 'Your password has been changed; sign in with the new one.' } }),
  doc: {
    summary: 'Set a new password with a reset token',
    description: 'Every session of the user is signed out.',
    body: {
      contentTypes: [FORM, JSON_TYPE],
      schema: {
        type: 'object',
        required: ['token', 'password'],
        properties: { token: { type: 'string' }, password: { type: 'string' }, password_confirmation: { type: 'string' } },
      },
    },
    responses: { 200: { description: 'Changed', schema: messageSchema }, 400: { description: 'Invalid or expired token, or an unacceptable password' } },
  },
};

export const passwordRoutes = [forgotPassword, resetPassword];
