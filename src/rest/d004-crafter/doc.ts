// OpenAPI helpers for the Crafter routes: every answer is a message, some are data.
import type { ResponseDoc, RouteDoc } from '../framework/types.js';
import { messageSchema } from './conventions.js';

const LOCATION = { Location: { description: 'The user’s get.json URL' } };

export function ok(description: string, withLocation = true): ResponseDoc {
  return { description, schema: messageSchema, example: { message: 'OK' }, ...(withLocation ? { headers: LOCATION } : {}) };
}

export function fail(description: string, text: string): ResponseDoc {
  return { description, schema: messageSchema, example: { message: text } };
}

export const UNAUTHORIZED = fail('No valid access token', 'Unauthorized');
export const FORBIDDEN = fail('Signed in, but not allowed (not an admin, or not this user)', 'Forbidden');
export const NOT_FOUND = fail('No user has that username (or it was deleted)', 'User not found');
export const INVALID = fail('A parameter is missing, blank, unknown, of the wrong type, or refused by validation', 'Invalid parameter(s)');

export function jsonBodyDoc(properties: Record<string, string>, required: string[], example: Record<string, string>): RouteDoc['body'] {
  return {
    contentTypes: ['application/json'],
    required: true,
    schema: {
      type: 'object',
      required,
      additionalProperties: false,
      properties: Object.fromEntries(Object.entries(properties).map(([k, d]) => [k, { type: 'string', description: d }])),
    },
    example,
  };
}
