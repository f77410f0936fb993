// Template files live in templates/ at the repository root, beside src/ and
// dist/, so the same path works from the build without a copy step.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Eta } from 'eta';

/** templates/ at the repository root: two levels above this file in src/common/ and in dist/common/. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * An Eta engine over one folder of templates/, compiled templates cached.
 * `html` escapes every `<%= %>` for HTML; plain text (mail bodies, subjects)
 * is not escaped. Whitespace is kept as written.
 */
export function templateEngine(folder: string, kind: 'html' | 'text'): Eta {
  return new Eta({ views: path.join(TEMPLATES_DIR, folder), autoEscape: kind === 'html', autoTrim: false, cache: true });
}
