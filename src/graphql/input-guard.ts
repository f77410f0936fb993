// Rejects text PostgreSQL cannot store: a NUL (\u0000) in any argument, at
// any depth (JSON object keys too), answers BAD_USER_INPUT naming the field,
// instead of failing in the database. Runs for every operation, so every REST
// dialect gets the same answer.
//
// It wraps the resolvers of fields that take arguments, after the schema is
// built, rather than being a type-graphql global middleware: a middleware
// runs for every field of every object, and makes each one asynchronous.
import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
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

/** Makes every field with arguments refuse a NUL in them before its resolver runs. Returns the schema. */
export function rejectNulCharacters(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const path = findNul(args, '');
        if (path) throw new ValidationError([{ field: path, message: 'Text may not contain NUL (\\u0000) characters.' }]);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
