// 003: the HTML forms a browser uses to create and edit a user. The new-user
// form posts the standard form to POST /v1/users (public). The edit form is
// fetched with a Bearer token and posts back with `_method=PUT` and a signed
// `form_token` (see formTokenAuth); both submissions answer the JSON record.
import { bearerAuth } from '../framework/auth.js';
import type { RestResponse, RestRoute, RouteEnv } from '../framework/types.js';
import { EDIT_FORM_PURPOSE, escapeHtml, FORM_TOKEN_TTL, sprintError } from './conventions.js';
import { userUrl, type GqlSprintUser } from './user.js';
import { userIdOf } from './users.routes.js';
import {
  RestD003EditUserFormDocument,
  type RestD003EditUserFormQuery,
  type RestD003EditUserFormQueryVariables,
  RestD003NewUserFormDocument,
  type RestD003NewUserFormQuery,
  type RestD003NewUserFormQueryVariables,
} from '../__generated__/operations.js';

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** A whole page: no scripts, forms may post only to this server, never framed, never cached. */
function page(title: string, form: string, publicUrl: string): RestResponse {
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:2rem auto}label{display:block;margin-top:.75rem}input,select{width:100%}button{margin-top:1rem}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${form}
</body>
</html>
`;
  return {
    status: 200,
    contentType: 'text/html',
    headers: {
      'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${origin(publicUrl)}; frame-ancestors 'none'; base-uri 'none'`,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    },
    body: html,
  };
}

interface Field {
  name: string;
  label: string;
  type?: string;
  value?: string | null;
  attrs?: string;
}

function input(field: Field): string {
  const id = `user_${field.name}`;
  const value = field.value != null ? ` value="${escapeHtml(field.value)}"` : '';
  return `<label for="${id}">${escapeHtml(field.label)}</label>\n<input type="${field.type ?? 'text'}" id="${id}" name="${field.name}"${value}${field.attrs ? ` ${field.attrs}` : ''}>`;
}

const PASSWORD_ATTRS = 'minlength="8" maxlength="72" autocomplete="new-password"';

export const newUserForm: RestRoute<RestD003NewUserFormQuery, RestD003NewUserFormQueryVariables> = {
  name: 'newUserForm',
  method: 'GET',
  path: '/v1/users/new',
  operation: RestD003NewUserFormDocument,
  variables: () => ({}),
  respond: (_data, { req }) =>
    page(
      'New User',
      `<form action="${escapeHtml(`${req.publicUrl.replace(/\/+$/, '')}/v1/users`)}" method="post" accept-charset="utf-8">
${input({ name: 'email', label: 'Email', type: 'email', attrs: 'required maxlength="254" autocomplete="email"' })}
${input({ name: 'username', label: 'Username', attrs: 'required minlength="3" maxlength="64" autocomplete="username"' })}
${input({ name: 'password', label: 'Password', type: 'password', attrs: `required ${PASSWORD_ATTRS}` })}
${input({ name: 'pass_confirm', label: 'Password (again)', type: 'password', attrs: `required ${PASSWORD_ATTRS}` })}
<button type="submit" name="submit" value="create">Create User</button>
</form>`,
      req.publicUrl,
    ),
  error: (error) => sprintError(error),
  doc: {
    summary: 'Creation Form',
    description: 'Public. An HTML form that posts email, username, password and pass_confirm to POST /v1/users.',
    responses: { 200: { description: 'The form', contentType: 'text/html', schema: { type: 'string' } } },
  },
};

function editForm({ user }: { user: GqlSprintUser }, { req, ctx }: RouteEnv): RestResponse {
  const viewer = ctx.viewer!;
  // Under an API key (no session) the form token names no session, so submitting it is refused.
  const token = ctx.tokens.forms.sign({ user_id: viewer.userId, uid: viewer.sessionId ?? '', subject: user.id, purpose: EDIT_FORM_PURPOSE }, FORM_TOKEN_TTL);
  const self = viewer.userId === Number(user.id);
  const adminFields = viewer.isAdmin
    ? `${input({ name: 'status', label: 'Status', value: user.status, attrs: 'maxlength="64"' })}
${input({ name: 'status_message', label: 'Status message', value: user.statusMessage, attrs: 'maxlength="255"' })}
<label for="user_active">Active</label>
<select id="user_active" name="active"><option value="1"${user.active ? ' selected' : ''}>Yes</option><option value="0"${user.active ? '' : ' selected'}>No</option></select>`
    : '';
  const currentPassword =
    self || !viewer.isAdmin
      ? `\n${input({ name: 'current_password', label: 'Current password (to change your email or password)', type: 'password', attrs: 'autocomplete="current-password"' })}`
      : '';
  return page(
    'Edit User',
    `<form action="${escapeHtml(userUrl(req.publicUrl, user.id))}" method="post" accept-charset="utf-8">
<input type="hidden" name="_method" value="PUT">
<input type="hidden" name="form_token" value="${escapeHtml(token)}">
${input({ name: 'email', label: 'Email', type: 'email', value: user.email, attrs: 'maxlength="254" autocomplete="email"' })}
${input({ name: 'username', label: 'Username', value: user.username, attrs: 'maxlength="64" autocomplete="username"' })}
${input({ name: 'password', label: 'New password (leave empty to keep it)', type: 'password', attrs: PASSWORD_ATTRS })}
${input({ name: 'pass_confirm', label: 'New password (again)', type: 'password', attrs: PASSWORD_ATTRS })}${currentPassword}
${adminFields}
<button type="submit" name="submit" value="save">Save User</button>
</form>`,
    req.publicUrl,
  );
}

export const editUserForm: RestRoute<RestD003EditUserFormQuery, RestD003EditUserFormQueryVariables> = {
  name: 'editUserForm',
  method: 'GET',
  path: '/v1/users/:id/edit',
  auth: [bearerAuth],
  operation: RestD003EditUserFormDocument,
  variables: (req) => ({ id: userIdOf(req) }),
  respond: editForm,
  error: (error) => sprintError(error, { notFound: 'User was not found.', gone: 'That User has been deleted.' }),
  doc: {
    summary: 'Editing Form',
    description:
      'Admin or the user themself, with a Bearer token. An HTML form that posts to the user with `_method=PUT` and a `form_token` ' +
      '(valid 15 minutes, for this user and the session that fetched the form), so a browser can submit it without the Bearer token.',
    pathParams: { id: { description: 'An integer that is the ID of the user', schema: { type: 'integer', minimum: 1 } } },
    responses: {
      200: { description: 'The form', contentType: 'text/html', schema: { type: 'string' } },
      401: { description: 'Missing or invalid Bearer token' },
      403: { description: 'Neither an admin nor that user' },
      404: { description: 'resource_not_found: "User was not found."' },
      410: { description: 'resource_gone: "That User has been deleted."' },
    },
  },
};
