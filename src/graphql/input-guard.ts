// Refuses arguments the services and the database cannot take, naming the
// field, before any resolver runs: text PostgreSQL cannot store (a NUL,
// \u0000, or a lone UTF-16 surrogate, in values or JSON keys), lists longer
// than INPUT_MAX_LIST_LENGTH (a JSON object's keys count as a list), nesting
// deeper than INPUT_MAX_DEPTH (deep JSON overflowed the stack further on), and
// a `__proto__` key (plain objects would drop it silently). Runs for every
// operation, so every REST dialect gets the same answer.
//
// The walk stops at the first problem and checks a list's length before
// visiting its items, so a huge input costs no more than the body limit lets
// in. It wraps the resolvers of fields that take arguments, after the schema
// is built, rather than being a type-graphql global middleware: a middleware
// runs for every field of every object, and makes each one asynchronous.
import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
import { ValidationError } from '../common/errors.js';
import type { Context } from './context.js';

export interface InputLimits {
  /** Most items in a list, or keys in a JSON object (`INPUT_MAX_LIST_LENGTH`). */
  maxListLength: number;
  /** Deepest nesting of lists and objects, counted from the field's arguments (`INPUT_MAX_DEPTH`). */
  maxDepth: number;
}

/** The defaults of the settings, for a context built without config. */
export const DEFAULT_INPUT_LIMITS: InputLimits = { maxListLength: 1000, maxDepth: 32 };

interface Problem {
  field: string;
  message: string;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'Text may not contain NUL (\\u0000) characters.';
  if (LONE_SURROGATE.test(text)) return 'Text may not contain unpaired UTF-16 surrogates (\\uD800-\\uDFFF).';
  return null;
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** The first problem in an argument value, or null. Recursion is bounded by `limits.maxDepth`. */
export function findInputProblem(value: unknown, limits: InputLimits, path = '', depth = 0): Problem | null {
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message ? { field: path, message } : null;
  }
  if (!value || typeof value !== 'object') return null;
  if (depth > limits.maxDepth) return { field: path, message: `Input may be nested at most ${limits.maxDepth} levels deep.` };
  if (Array.isArray(value)) {
    if (value.length > limits.maxListLength) return { field: path, message: `At most ${limits.maxListLength} items.` };
    for (let i = 0; i < value.length; i++) {
      const found = findInputProblem(value[i], limits, join(path, i), depth + 1);
      if (found) return found;
    }
    return null;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return null; // uploads, dates
  const keys = Object.keys(value);
  if (keys.length > limits.maxListLength) return { field: path, message: `At most ${limits.maxListLength} keys.` };
  for (const key of keys) {
    if (key === '__proto__') return { field: join(path, key), message: '__proto__ may not be used as a key.' };
    const keyMessage = textProblem(key);
    if (keyMessage) return { field: path, message: `Keys: ${keyMessage}` };
    const found = findInputProblem((value as Record<string, unknown>)[key], limits, join(path, key), depth + 1);
    if (found) return found;
  }
  return null;
}

/** Makes every field with arguments refuse the inputs above before its resolver runs. Returns the schema. */
export function guardInputs(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: Context, info) => {
        const problem = findInputProblem(args, context.config?.input ?? DEFAULT_INPUT_LIMITS);
        if (problem) throw new ValidationError([problem]);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
