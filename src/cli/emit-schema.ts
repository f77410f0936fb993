// Writes schema.graphql from the type-graphql schema (`npm run generate`).
// With --check it only compares, for CI: a stale schema.graphql fails.
import fs from 'node:fs/promises';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { getSchema } from '../graphql/schema.js';
import { projectRoot } from '../db/database.js';

const header = '# Generated from the type-graphql resolvers by `npm run generate`. Do not edit by hand.\n\n';

const file = path.join(projectRoot, 'schema.graphql');
const printed = header + printSchema(lexicographicSortSchema(await getSchema())) + '\n';
if (process.argv.includes('--check')) {
  const current = await fs.readFile(file, 'utf8').catch(() => '');
  if (current !== printed) {
    console.error('schema.graphql is stale: run `npm run generate` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  await fs.writeFile(file, printed);
  console.log('Wrote schema.graphql');
}
