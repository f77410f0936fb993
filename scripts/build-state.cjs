// Is dist/ built from the sources as they are now? A build records a hash of
// everything it reads (src/ without the generated Prisma client, the Prisma
// schema and config, the TypeScript config and the dependency lock file) in
// dist/.build-stamp; dist/ is fresh when that hash still matches. Contents,
// not modification times, so a checkout, a copy or a touched file decides
// nothing on its own. CommonJS, so both the ESM build script and the jest
// global setup load it.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const STAMP = path.join('dist', '.build-stamp');
const INPUT_FILES = ['prisma/schema.prisma', 'prisma.config.ts', 'tsconfig.json', 'package-lock.json'];
const INPUT_DIRS = ['src'];
const SKIPPED_DIRS = new Set(['src/generated']);

function listFiles(root, dir) {
  const entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIPPED_DIRS.has(relative) ? [] : listFiles(root, relative);
    return entry.isFile() ? [relative] : [];
  });
}

/** The hash of every build input under `root`, by path and content. */
function sourceHash(root) {
  const files = [...INPUT_FILES.filter((file) => fs.existsSync(path.join(root, file))), ...INPUT_DIRS.flatMap((dir) => listFiles(root, dir))].sort();
  const hash = crypto.createHash('sha256');
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0');
  return hash.digest('hex');
}

/** `{ fresh: true }`, or `{ fresh: false, reason }` saying why dist/ must be rebuilt. */
function buildState(root) {
  if (!fs.existsSync(path.join(root, 'dist', 'main.js'))) return { fresh: false, reason: 'dist/main.js is missing' };
  if (!fs.existsSync(path.join(root, 'src', 'generated', 'prisma'))) return { fresh: false, reason: 'the Prisma client (src/generated/prisma) is missing' };
  let stamp;
  try {
    stamp = fs.readFileSync(path.join(root, STAMP), 'utf8').trim();
  } catch {
    return { fresh: false, reason: `${STAMP} is missing (dist/ was not built by npm run build)` };
  }
  if (stamp !== sourceHash(root)) return { fresh: false, reason: 'sources, the Prisma schema or the dependencies changed since the last build' };
  return { fresh: true };
}

/** Records `hash` (taken before the build read the sources) as what dist/ was built from. */
function writeStamp(root, hash) {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(root, STAMP), `${hash}\n`);
}

module.exports = { buildState, sourceHash, writeStamp, STAMP };
