// Writes schema.graphql from the type-graphql schema, and
// schema.subgraph.graphql, the same schema as the Apollo Federation 2
// subgraph that FEDERATION=true serves (`npm run generate`).
// With --check it only compares, for CI: a stale file fails.
import fs from 'node:fs/promises';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { printSubgraphSchema } from '@apollo/subgraph';
import { getSchema } from '../graphql/schema.js';
import { getSubgraphSchema } from '../graphql/subgraph.js';
import { projectRoot } from '../db/database.js';

const header = '# Generated from the type-graphql resolvers by `npm run generate`. Do not edit by hand.\n\n';

const files = [
  { name: 'schema.graphql', printed: header + printSchema(lexicographicSortSchema(await getSchema())) + '\n' },
  { name: 'schema.subgraph.graphql', printed: header + printSubgraphSchema(await getSubgraphSchema()) + '\n' },
];

let stale = false;
for (const { name, printed } of files) {
  const file = path.join(projectRoot, name);
  if (process.argv.includes('--check')) {
    const current = await fs.readFile(file, 'utf8').catch(() => '');
    if (current !== printed) {
      console.error(`${name} is stale: run \`npm run generate\` and commit the result.`);
      stale = true;
    } else {
      console.log(`${name} is up to date.`);
    }
  } else {
    await fs.writeFile(file, printed);
    console.log(`Wrote ${name}`);
  }
}
if (stale) process.exit(1);
