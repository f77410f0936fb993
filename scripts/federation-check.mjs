// @ts-check
// `npm run federation:check` (CI, after generate:check): composes the
// committed schema.subgraph.graphql into a supergraph with @apollo/composition,
// alone and beside a small companion subgraph that extends User and
// references the other four entities by key, as a team running Apollo Router
// would. Fails on any composition error. Needs the dev dependencies.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const usergraph = {
  name: 'usergraph',
  url: 'http://usergraph:4000/graphql',
  typeDefs: parse(fs.readFileSync(path.join(root, 'schema.subgraph.graphql'), 'utf8')),
};

const companion = {
  name: 'companion',
  url: 'http://companion:4001/graphql',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

    type User @key(fields: "id") {
      id: ID!
      reviewCount: Int!
    }
    type Video @key(fields: "id", resolvable: false) { id: ID! }
    type Organisation @key(fields: "id", resolvable: false) { id: ID! }
    type Team @key(fields: "id", resolvable: false) { id: ID! }
    type Role @key(fields: "id", resolvable: false) { id: ID! }

    type Review {
      id: ID!
      author: User!
      video: Video
      organisation: Organisation
      team: Team
      role: Role
    }
    type Query {
      reviews: [Review!]!
    }
  `),
};

let failed = false;
for (const services of [[usergraph], [usergraph, companion]]) {
  const names = services.map((s) => s.name).join(' + ');
  const result = composeServices(services);
  if (result.errors) {
    failed = true;
    console.error(`Composition of ${names} failed:`);
    for (const error of result.errors) console.error(`  ${error.extensions?.code ?? 'ERROR'}: ${error.message}`);
    continue;
  }
  for (const hint of result.hints) console.log(`  hint (${hint.definition.code}): ${hint.message}`);
  console.log(`Composition of ${names}: ok.`);
}
if (failed) {
  console.error('schema.subgraph.graphql does not compose: fix the @key directives or the schema, then run `npm run generate`.');
  process.exit(1);
}
