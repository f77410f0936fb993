// Dialect 000 conventions (a Rails + Devise + JSON:API app): documents with
// `jsonapi.version "1.0"`, string ids, errors as JSON:API `errors` arrays
// whose `source.pointer` names the attribute.
import type { RestError, RestResponse } from '../framework/types.js';
import { isHash, type Hash } from '../framework/params.js';

export const JSON_API_VERSION = { version: '1.0' } as const;

export function resource(type: string, id: string | number, attributes: Hash, extra: Hash = {}): Hash {
  return { data: { id: String(id), type, attributes, ...extra }, jsonapi: JSON_API_VERSION };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `input.passwordConfirmation` → `/data/attributes/password_confirmation`. */
export function pointer(field: string, renames: Record<string, string> = {}): string {
  const path = field.replace(/^input\./, '');
  // Own keys only: a client's attribute may be named `constructor` or `__proto__`.
  const named = Object.hasOwn(renames, path) ? renames[path] : path;
  return `/data/attributes/${named.split('.').map(snake).join('/')}`;
}

/** Rails answers invalid records with 422; everything else keeps its HTTP status. */
export function jsonApiError(error: RestError, renames: Record<string, string> = {}): RestResponse {
  const invalid = error.code === 'BAD_USER_INPUT' || error.code === 'CONFLICT';
  const status = invalid ? 422 : error.status;
  const title = TITLES[status] ?? 'Error';
  const errors =
    invalid && error.fields.length
      ? error.fields.map((f) => ({ status: String(status), title, detail: f.message, source: { pointer: pointer(f.field, renames) } }))
      : [{ status: String(status), title, detail: error.message }];
  return { status, body: { errors, jsonapi: JSON_API_VERSION } };
}

/** The attributes of a request: a flat form or JSON object, or a JSON:API `data.attributes`. */
export function attributesOf(body: unknown): Hash {
  if (!isHash(body)) return {};
  const data = body.data;
  if (isHash(data) && isHash(data.attributes)) return data.attributes;
  return body;
}

export const errorSchema = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'title'],
        properties: {
          status: { type: 'string' },
          title: { type: 'string' },
          detail: { type: 'string' },
          source: { type: 'object', properties: { pointer: { type: 'string', examples: ['/data/attributes/email'] } } },
        },
      },
    },
    jsonapi: { type: 'object', properties: { version: { const: '1.0' } } },
  },
};

/** `2019-07-25 06:44:32 UTC`, as Rails prints a UTC time. */
export function railsUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
