// Dialect 003 conventions (CodeIgniter Sprint/Bonfire API generator): errors
// are `{error, error_description}` with Sprint's error names; form validation
// problems are CodeIgniter's `<p>...</p>` paragraphs; browsers reach the edit
// form's PUT with a signed form token instead of an Authorization header.
import type { AuthScheme, RestError, RestResponse } from '../framework/types.js';

/** Sprint's error names by status (its ApiController's `$codes`). */
const ERROR_NAMES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'resource_not_found',
  409: 'resource_exists',
  410: 'resource_gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'server_error',
  503: 'temporarily_unavailable',
};

export const USERNAME_TAKEN = '<p>The username is already in use on this site.</p>';
export const EMAIL_TAKEN = 'A User with that email already exists.';

export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** CodeIgniter's validation_errors(): one `<p>` per problem. */
function paragraphs(error: RestError): string {
  const messages = error.fields.length ? error.fields.map((f) => f.message) : [error.message];
  return messages.map((m) => `<p>${escapeHtml(m)}</p>`).join('\n');
}

/** What a route says in place of the generic wording (the document's sentences). */
export interface SprintWording {
  /** `invalid_request` (create) or `bad_request` (update). */
  badRequest?: 'invalid_request' | 'bad_request';
  notFound?: string;
  gone?: string;
  serverError?: string;
}

export function sprintError(error: RestError, wording: SprintWording = {}): RestResponse {
  const badRequest = wording.badRequest ?? 'invalid_request';
  const body = (status: number, error_description: string, name = ERROR_NAMES[status] ?? 'server_error') => ({
    status,
    body: { error: name, error_description },
  });
  switch (error.code) {
    case 'BAD_USER_INPUT': {
      // "No data found to update." is the controller's own sentence, not a form validation error.
      const plain = error.fields.length > 0 && error.fields.every((f) => f.field === 'input');
      return body(400, plain ? error.message : paragraphs(error), badRequest);
    }
    case 'CONFLICT':
      if (error.fields.some((f) => /username$/.test(f.field))) return body(400, USERNAME_TAKEN, badRequest);
      if (error.fields.some((f) => /email$/.test(f.field))) return body(409, EMAIL_TAKEN);
      return body(409, error.message, 'conflict');
    case 'MALFORMED_BODY':
      return body(400, error.message, badRequest);
    case 'NOT_FOUND':
      return body(404, wording.notFound ?? error.message);
    case 'GONE':
      return body(410, wording.gone ?? error.message);
    case 'INTERNAL_SERVER_ERROR':
      return body(500, wording.serverError ?? error.message);
    default:
      return body(error.status, error.message);
  }
}

export const errorSchema = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: { error: { type: 'string' }, error_description: { type: 'string' } },
  example: { error: 'resource_not_found', error_description: 'Unable to find that user.' },
};

export const EDIT_FORM_PURPOSE = 'd003.users.edit';
/** How long an edit form may stay open before its token expires: 15 minutes. */
export const FORM_TOKEN_TTL = 15 * 60;

/**
 * HTML forms cannot send an Authorization header, and this server sets no
 * cookies, so the edit form (fetched with a Bearer token) embeds `form_token`:
 * a signed token for that session, that user id and the edit purpose only,
 * valid 15 minutes and dead with the session. Being unguessable and never
 * ambient (no cookie a cross-site page could ride on), it is also the CSRF
 * defence. A Bearer token, when sent, wins.
 */
export const formTokenAuth: AuthScheme = {
  name: 'formToken',
  // No OpenAPI security scheme: the token is a body field, documented in PUT /v1/users/{id}'s body schema.
  async authenticate(req, ctx) {
    const body = req.body as Record<string, unknown> | null;
    const token = body && typeof body === 'object' && !Buffer.isBuffer(body) ? body.form_token : undefined;
    if (ctx.viewer || typeof token !== 'string') return;
    const claims = ctx.tokens.forms.verify(token, EDIT_FORM_PURPOSE, req.pathParams.id ?? '');
    if (claims) ctx.viewer = await ctx.auth.viewerOfSession(claims.uid, claims.user_id);
  },
};
