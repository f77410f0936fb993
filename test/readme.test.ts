// The README is the newcomer's entry point: it must give the two commands
// exactly, and document every environment variable src/config.ts reads.
import fs from 'node:fs';
import path from 'node:path';
import { configEnvNames, repoRoot } from './support/config-env';

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** Rows of the configuration table: `| \`NAME\` | default | meaning |`. */
function configurationRows(): Map<string, { defaultValue: string; meaning: string }> {
  const rows = new Map<string, { defaultValue: string; meaning: string }>();
  for (const line of readme.split('\n')) {
    const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|([^|]*)\|\s*$/.exec(line);
    if (match) rows.set(match[1], { defaultValue: match[2].trim(), meaning: match[3].trim() });
  }
  return rows;
}

it('gives the two set-up commands exactly, each as a code block of its own', () => {
  expect(readme).toContain('```sh\nnpm ci && npm start\n```');
  expect(readme).toContain('```sh\nnpm test\n```');
  expect(readme.indexOf('npm ci && npm start')).toBeLessThan(readme.indexOf('npm test'));
});

it('documents every environment variable src/config.ts reads, with a default and a meaning', () => {
  const rows = configurationRows();
  const names = configEnvNames();
  expect(names.length).toBeGreaterThanOrEqual(20);
  expect(names.filter((name) => !rows.has(name))).toEqual([]);
  for (const name of names) {
    expect({ name, ...rows.get(name) }).toEqual({ name, defaultValue: expect.stringMatching(/\S/), meaning: expect.stringMatching(/\S/) });
  }
});

it('documents no variable that src/config.ts does not read', () => {
  const names = configEnvNames();
  expect([...configurationRows().keys()].filter((name) => !names.includes(name))).toEqual([]);
});

it('can see every environment read in src/config.ts (only the helpers index env by a variable)', () => {
  const source = fs.readFileSync(path.join(repoRoot, 'src/config.ts'), 'utf8');
  expect(source.match(/\benv\[[^\]]*\]/g)?.filter((read) => read !== 'env[name]') ?? []).toEqual([]);
});

it('explains every dependency install script that package.json denies or allows', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const section = readme.slice(readme.indexOf('## Dependency install scripts'));
  const reviewed = Object.keys(pkg.allowScripts ?? {});
  expect(reviewed.length).toBeGreaterThan(0);
  expect(reviewed.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
});

it('names the defaults that matter to a newcomer', () => {
  const rows = configurationRows();
  expect(rows.get('PORT')?.defaultValue).toBe('`4000`');
  expect(rows.get('DATA_DIR')?.defaultValue).toBe('`./data`');
  expect(readme).toContain('http://localhost:4000/graphql');
});
