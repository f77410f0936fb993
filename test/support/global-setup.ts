// Runs once before the suite: the tests drive the built server (dist/), so it
// must exist and be built from the sources as they are now. `npm test` builds
// first when needed; this catches a bare `npx jest` after an edit. The check is
// the one `npm start` uses (scripts/build-state.cjs).
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildState } = require('../../scripts/build-state.cjs') as { buildState: (root: string) => { fresh: boolean; reason?: string } };

export default function globalSetup(): void {
  const state = buildState(path.resolve(__dirname, '../..'));
  if (!state.fresh) {
    throw new Error(`dist/ is stale: ${state.reason}. Run \`npm test\` (it builds when needed) or \`npm run build\`.`);
  }
}
