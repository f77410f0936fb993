// `npm run build`: generates the Prisma client and compiles with tsc, then
// stamps dist/ with the hash of what it was built from (scripts/build-state.cjs).
// With --if-stale (npm start, npm test) it builds only when dist/ is missing
// or was built from other sources, so a start from a fresh build takes seconds.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import buildStateModule from './build-state.cjs';

const { buildState, sourceHash, writeStamp } = buildStateModule;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.argv.includes('--if-stale')) {
  const state = buildState(root);
  if (state.fresh) process.exit(0);
  console.error(`usergraph: building, because ${state.reason} (about a minute; later starts skip this).`);
}
const hash = sourceHash(root);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
run(bin('prisma'), ['generate', '--no-hints'], { PRISMA_SCHEMA_ENGINE_BINARY: 'prisma/schema.prisma' });
run(bin('tsc'), ['-p', 'tsconfig.json']);
writeStamp(root, hash);
