// Rejects text PostgreSQL cannot store: a NUL (\u0000) in any argument, at
// any depth (JSON object keys too), answers BAD_USER_INPUT naming the field,
// instead of failing in the database. Runs for every operation, so every REST
// dialect gets the same answer.
import type { MiddlewareFn } from 'type-graphql';
import { ValidationError } from '../common/errors.js';

function findNul(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findNul(item, `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return null; // uploads, dates
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return path;
      const found = findNul(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return null;
}

export const rejectNulCharacters: MiddlewareFn = ({ args }, next) => {
  const field = findNul(args, '');
  if (field) throw new ValidationError([{ field, message: 'Text may not contain NUL (\\u0000) characters.' }]);
  return next();
};
