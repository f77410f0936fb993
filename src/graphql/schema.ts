import 'reflect-metadata';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from '../modules/index.js';
import { guardInputs } from './input-guard.js';
import { guardPrivateFields } from './private-fields.js';
import { noTopics } from '../modules/events/event-hub.js';

let schema: Promise<GraphQLSchema> | undefined;

/** The type-graphql schema, built once per process. */
export function getSchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({ resolvers, validate: false, pubSub: noTopics }).then(guardPrivateFields).then(guardInputs);
  return schema;
}
