// Reading request parameters in request mappers: type checks only (a string
// where a string is expected, a hash where a hash is), in the dialect's own
// parameter names. Business validation stays in the services.
import { FieldErrors } from '../../common/errors.js';

export type Hash = Record<string, unknown>;

export function isHash(value: unknown): value is Hash {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Rails form boilerplate that a browser or Rails helper adds; never an error. */
export const RAILS_BOILERPLATE = ['utf8', 'authenticity_token', 'commit', '_method', 'format', 'button'];

/** Collects parameter problems under the dialect's parameter names, then throws them together. */
export class ParamReader {
  readonly errors = new FieldErrors();

  /** A string parameter; numbers and booleans of a JSON body are refused like any other non-string. */
  string(source: Hash, key: string, name: string, options: { required?: boolean } = {}): string | undefined {
    const value = source[key];
    if (value === undefined || value === null) {
      if (options.required) this.errors.add(name, `Missing parameter ${name}`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.errors.add(name, `Invalid parameter ${name}: must be a string`);
      return undefined;
    }
    return value;
  }

  /** An integer, given as a JSON number or a string of digits. */
  integer(source: Hash, key: string, name: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const value = source[key];
    if (value === undefined || value === null || value === '') {
      if (options.required) this.errors.add(name, `Missing parameter ${name}`);
      return undefined;
    }
    const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,10}$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(number) || number < (options.min ?? -Infinity) || number > (options.max ?? Infinity)) {
      this.errors.add(
        name,
        `Invalid parameter ${name}: must be an integer${options.min !== undefined ? ` from ${options.min}` : ''}${options.max !== undefined ? ` to ${options.max}` : ''}`,
      );
      return undefined;
    }
    return number;
  }

  /** The outer hash of a request (`user`, `session`): without it nothing else is worth checking, so this throws at once. */
  root(source: Hash, key: string, name: string): Hash {
    const value = this.hash(source, key, name, { required: true });
    this.throwIfAny();
    return value!;
  }

  hash(source: Hash, key: string, name: string, options: { required?: boolean } = {}): Hash | undefined {
    const value = source[key];
    if (value === undefined || value === null) {
      if (options.required) this.errors.add(name, `Missing parameter ${name}`);
      return undefined;
    }
    if (!isHash(value)) {
      this.errors.add(name, `Invalid parameter ${name}: must be a hash`);
      return undefined;
    }
    return value;
  }

  /** A list of hashes: a JSON array, a form array, or Rails' `{ "0": {...}, "1": {...} }`. */
  hashes(source: Hash, key: string, name: string): Array<{ value: Hash; index: number }> | undefined {
    const value = source[key];
    if (value === undefined || value === null) return undefined;
    const items = Array.isArray(value) ? value : isHash(value) && Object.keys(value).every((k) => /^\d+$/.test(k)) ? Object.values(value) : null;
    if (!items || !items.every(isHash)) {
      this.errors.add(name, `Invalid parameter ${name}: must be an array of hashes`);
      return undefined;
    }
    return items.map((item, index) => ({ value: item, index }));
  }

  /** Refuses keys outside `allowed` (mass assignment, typos), naming each. */
  onlyKnown(source: Hash, allowed: readonly string[], nameOf: (key: string) => string): void {
    for (const key of Object.keys(source)) {
      if (!allowed.includes(key)) this.errors.add(nameOf(key), `Unknown parameter ${nameOf(key)}`);
    }
  }

  throwIfAny(): void {
    this.errors.throwIfAny();
  }
}
