// GraphQL request limits from graphql-armor: depth, aliases, directives,
// tokens and cost, each with a default (see Config.graphql), and no field
// suggestions in production unless enabled.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from './context.js';
import type { Config } from '../config.js';

export function graphqlArmor(config: Config) {
  const g = config.graphql;
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: g.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: g.maxAliases, allowList: [] },
    maxDirectives: { n: g.maxDirectives },
    // Tokens are limited by Apollo's own parser (parseOptions.maxTokens), which answers 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    costLimit: { maxCost: g.maxCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: !g.fieldSuggestions },
  }).protect();
  // graphql-armor's typings name Apollo's CommonJS build; the runtime objects are the same.
  return { plugins: plugins as unknown as ApolloServerPlugin<Context>[], validationRules: validationRules };
}
