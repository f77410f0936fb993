// The environment variables src/config.ts reads, taken from its source, so
// the README and docker-compose.yml can be checked against the code.
import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');

export function configEnvNames(): string[] {
  const source = fs.readFileSync(path.join(repoRoot, 'src/config.ts'), 'utf8');
  const names = new Set<string>();
  // `env.NODE_ENV` and any helper that takes the environment and a name:
  // `int(env, 'PORT', ...)`, `str(env, 'HOST')`, `commaList(env, 'CORS_ORIGINS')`.
  for (const match of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(match[1]);
  for (const match of source.matchAll(/\b[a-zA-Z]+\(env, '([A-Z][A-Z0-9_]*)'/g)) names.add(match[1]);
  return [...names].sort();
}
