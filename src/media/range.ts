// The HTTP Range header of a media request (RFC 9110). Pure, so it is
// unit-tested in-process (test/unit/pure-functions.test.ts).
import type { ByteRange } from '../storage/storage.js';

/**
 * The single byte range asked for, `'unsatisfiable'`, or null to send the
 * whole file (no header, another unit, several ranges or bad syntax: RFC 9110
 * lets a server ignore those).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
