// Applies the `@Private()` rule (src/common/visibility.ts) to the built
// schema: a private field resolves to null unless the caller may see the
// private fields of the object it belongs to. Like the input guard, it wraps
// the resolvers after the schema is built rather than being a type-graphql
// middleware, which would make each such field asynchronous.
import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
import { canSeePrivate, PRIVATE_FIELD } from '../common/visibility.js';
import type { Context } from './context.js';

export function guardPrivateFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.extensions[PRIVATE_FIELD] !== true) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source: { id: number }, args, context: Context, info) => (canSeePrivate(context, source) ? resolve(source, args, context, info) : null);
    }
  }
  return schema;
}
