// Reading Crafter's flat JSON bodies and query strings: strings only, no
// unknown keys, required ones non-blank. Business validation stays in the services.
import { ParamReader, type Hash } from '../framework/params.js';

/** Required and optional string parameters of `source`; throws ValidationError (400) on any problem. */
export function readParams(source: Hash, required: readonly string[], optional: readonly string[] = []): Record<string, string | undefined> {
  const reader = new ParamReader();
  reader.onlyKnown(source, [...required, ...optional], (k) => k);
  const values: Record<string, string | undefined> = {};
  for (const key of required) {
    const value = reader.string(source, key, key, { required: true });
    if (value !== undefined && !value.trim()) reader.errors.add(key, `Missing parameter ${key}`);
    values[key] = value;
  }
  for (const key of optional) values[key] = reader.string(source, key, key);
  reader.throwIfAny();
  return values;
}
