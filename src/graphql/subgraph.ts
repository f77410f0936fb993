// The schema as an Apollo Federation 2 subgraph (FEDERATION=true): the
// type-graphql schema printed with the directives its `@Directive`
// decorators apply (`@key` on User, Video, Organisation, Team, Role), rebuilt
// by @apollo/subgraph, which adds `_service { sdl }`, `_entities` and `_Any`,
// with the type-graphql resolvers and the entity references of
// entity-references.ts. The standalone schema (getSchema) is untouched.
import { Kind, isObjectType, lexicographicSortSchema, parse, printSchema, type DefinitionNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { createResolversMap } from 'type-graphql';
import { getSchema } from './schema.js';
import { checkRepresentations, entityReferences } from './entity-references.js';

/** The Federation version the SDL links, and the directives it uses. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

/**
 * Adds to each object type and field of the printed SDL the directives that
 * type-graphql keeps on its AST node (graphql's printSchema leaves them out).
 */
function withAppliedDirectives(document: DocumentNode, schema: GraphQLSchema): DocumentNode {
  const definitions = document.definitions.map((definition): DefinitionNode => {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) return definition;
    const type = schema.getType(definition.name.value);
    if (!isObjectType(type)) return definition;
    const fields = type.getFields();
    return {
      ...definition,
      directives: [...(definition.directives ?? []), ...(type.astNode?.directives ?? [])],
      fields: definition.fields?.map((field) => ({
        ...field,
        directives: [...(field.directives ?? []), ...(fields[field.name.value]?.astNode?.directives ?? [])],
      })),
    };
  });
  return { ...document, definitions };
}

/** What buildSubgraphSchema takes: SDL and a resolver map (which type-graphql types its own way). */
type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>;

/** Builds the subgraph from the type-graphql schema; types print in name order, as in schema.graphql. */
export function toSubgraphSchema(schema: GraphQLSchema): GraphQLSchema {
  const document = withAppliedDirectives(parse(printSchema(lexicographicSortSchema(schema))), schema);
  const resolvers: Record<string, object> = createResolversMap(schema);
  for (const [typeName, resolveReference] of Object.entries(entityReferences)) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference };
  }
  const subgraph = buildSubgraphSchema({ typeDefs: [parse(FEDERATION_LINK), document], resolvers } as SubgraphModule);
  const entities = subgraph.getQueryType()?.getFields()._entities;
  const resolveEntities = entities?.resolve;
  if (!entities || !resolveEntities) throw new Error('buildSubgraphSchema did not add Query._entities');
  entities.resolve = (source, args: { representations?: unknown }, ctx, info) => {
    checkRepresentations(args.representations);
    return resolveEntities(source, args, ctx, info);
  };
  return subgraph;
}

let subgraph: Promise<GraphQLSchema> | undefined;

/** The subgraph schema, built once per process from getSchema(). */
export function getSubgraphSchema(): Promise<GraphQLSchema> {
  subgraph ??= getSchema().then(toSubgraphSchema);
  return subgraph;
}

/**
 * Federated tracing (`ftv1`, for a router that reports to Apollo GraphOS),
 * installed explicitly so that error messages in traces stay masked.
 */
export function subgraphPlugins(): ApolloServerPlugin[] {
  return [ApolloServerPluginInlineTrace({ includeErrors: { masked: true } })];
}
