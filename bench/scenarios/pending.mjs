// Scenarios that need routes other issues add (REST dialects, media). Each
// checks that its routes exist in this build; until they do it reports
// "not available in this build" rather than a number.
import fs from 'node:fs';
import path from 'node:path';

const has = (b, rel) => fs.existsSync(path.join(b.root, rel));

export default [
  {
    id: 'rest-shim',
    scenario: 'REST shim single-user GET',
    target: '>= 0.9x its GraphQL query',
    available: (b) => has(b, 'src/rest') || 'needs the REST dialects (src/rest/)',
  },
  {
    id: 'upload',
    scenario: '1 GB video upload RSS growth',
    target: '<= 64 MB',
    available: (b) => has(b, 'src/modules/videos') || 'needs media uploads (src/modules/videos/)',
  },
  {
    id: 'trim',
    scenario: 'trim wall time vs ffmpeg',
    target: '<= 1.2x',
    available: (b) => has(b, 'src/modules/videos') || 'needs media trimming (src/modules/videos/)',
  },
].map((s) => ({
  ...s,
  async run(b) {
    // Reached only when the routes exist but the scenario has not been written for them yet.
    return [{ id: s.id, scenario: s.scenario, target: s.target, unavailable: 'routes exist but the scenario is not written yet' }];
  },
}));
