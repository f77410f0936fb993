// Runs once before the suite: the tests drive the built server (dist/), so it
// must exist. `npm test` builds first; this catches a bare `npx jest`.
import fs from 'node:fs';
import path from 'node:path';

export default function globalSetup(): void {
  const entry = path.resolve(__dirname, '../../dist/main.js');
  if (!fs.existsSync(entry)) {
    throw new Error('dist/main.js is missing: run `npm test` (it builds first) or `npm run build`.');
  }
}
