// The staleness check that `npm start`, `npm test` and the jest global setup
// share (scripts/build-state.cjs), on a small project tree of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildState, sourceHash, writeStamp } = require('../scripts/build-state.cjs') as {
  buildState: (root: string) => { fresh: boolean; reason?: string };
  sourceHash: (root: string) => string;
  writeStamp: (root: string, hash: string) => void;
};

let root: string;
const write = (file: string, content: string) => {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), content);
};
const build = () => {
  write('dist/main.js', '// built');
  write('src/generated/prisma/client.ts', '// generated');
  writeStamp(root, sourceHash(root));
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'usergraph-build-state-'));
  write('src/main.ts', 'export {};');
  write('src/modules/users/users.service.ts', 'export const a = 1;');
  write('prisma/schema.prisma', 'model User { id Int @id }');
  write('tsconfig.json', '{}');
  write('package-lock.json', '{}');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

it('is stale without a build, and fresh right after one', () => {
  expect(buildState(root)).toEqual({ fresh: false, reason: 'dist/main.js is missing' });
  write('dist/main.js', '// compiled by hand');
  write('src/generated/prisma/client.ts', '// generated');
  expect(buildState(root)).toMatchObject({ fresh: false, reason: expect.stringMatching(/build-stamp is missing/) });
  build();
  expect(buildState(root)).toEqual({ fresh: true });
});

it.each([
  ['a source file changes', () => write('src/modules/users/users.service.ts', 'export const a = 2;')],
  ['a source file is added', () => write('src/modules/users/users.extra.ts', 'export {};')],
  ['a source file is removed', () => fs.rmSync(path.join(root, 'src/modules/users/users.service.ts'))],
  ['the Prisma schema changes', () => write('prisma/schema.prisma', 'model User { id Int @id name String }')],
  ['the dependencies change', () => write('package-lock.json', '{"lockfileVersion":3}')],
  ['the Prisma client is gone', () => fs.rmSync(path.join(root, 'src/generated'), { recursive: true })],
])('is stale when %s', (_, change) => {
  build();
  change();
  expect(buildState(root).fresh).toBe(false);
});

it('ignores modification times and the generated Prisma client', () => {
  build();
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(path.join(root, 'src/main.ts'), later, later);
  write('src/generated/prisma/client.ts', '// generated again');
  expect(buildState(root)).toEqual({ fresh: true });
});

it('finds this checkout built from its current sources (the suite would test stale code otherwise)', () => {
  expect(buildState(path.resolve(__dirname, '..'))).toEqual({ fresh: true });
});
