import 'reflect-metadata';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { resolvers } from '../modules/index.js';
import { authChecker } from './auth-checker.js';
import { rejectNulCharacters } from './input-guard.js';
import { noTopics } from '../modules/events/event-hub.js';

let schema: Promise<GraphQLSchema> | undefined;

/** The type-graphql schema, built once per process. */
export function getSchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({ resolvers, authChecker, validate: false, pubSub: noTopics }).then(rejectNulCharacters);
  return schema;
}
