// Request bodies as legacy clients send them: Rails-style bracket forms
// (`user[profile_attributes][first_name]`, `user[prefs][][id]`), JSON and
// JSON:API, within the configured size limit. Failures are thrown as
// HttpProblem so each dialect shapes them.
import type { Request, Response } from 'express';
import express from 'express';
import qs from 'qs';
import { splitContentType } from '../../http/content-type.js';
import type { RestErrorCode } from './types.js';

export class HttpProblem extends Error {
  constructor(
    readonly code: RestErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const QS_OPTIONS = { depth: 10, arrayLimit: 100, parameterLimit: 1000, plainObjects: true, allowPrototypes: false, allowDots: false } as const;

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
export const JSON_API = 'application/vnd.api+json';
export const MULTIPART = 'multipart/form-data';

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new HttpProblem('MALFORMED_BODY', 400, 'The request body is not valid form data.');
  }
}

/**
 * `user[prefs][][id][x]` → prefix `user[prefs]`, first `id`, rest `[x]`: the
 * first `[][` followed by a closing bracket. Two index scans, so linear in
 * the key's length (a backtracking regex was quadratic on `[][x]` repeated).
 */
export function splitAtHashArray(key: string): { prefix: string; first: string; rest: string } | null {
  const open = key.indexOf('[][');
  if (open < 0) return null;
  const close = key.indexOf(']', open + 3);
  if (close < 0) return null;
  return { prefix: key.slice(0, open), first: key.slice(open + 3, close), rest: key.slice(close + 1) };
}

/**
 * Rails groups `list[][a]=1&list[][b]=2&list[][a]=3` into hashes, starting a
 * new one when a key repeats; qs would collect values per key instead. Turn
 * the empty brackets into indexes the way Rails does, then let qs nest.
 */
function indexRailsHashArrays(pairs: Array<[string, string]>): Array<[string, string]> {
  const current = new Map<string, { index: number; seen: Set<string> }>();
  return pairs.map(([key, value]) => {
    const match = splitAtHashArray(key);
    if (!match) return [key, value];
    const { prefix, first, rest } = match;
    const child = `[${first}]${rest}`;
    let state = current.get(prefix);
    if (!state) current.set(prefix, (state = { index: 0, seen: new Set() }));
    else if (state.seen.has(child)) {
      state.index += 1;
      state.seen.clear();
    }
    state.seen.add(child);
    return [`${prefix}[${state.index}]${child}`, value];
  });
}

/** Parses `a[b][c]=1&...` into nested objects and arrays, with Rails semantics for `[]`. */
export function parseRailsForm(text: string): Record<string, unknown> {
  if (!text) return {};
  const pairs = text
    .split('&')
    .filter(Boolean)
    .map((part): [string, string] => {
      const eq = part.indexOf('=');
      return eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
    });
  if (pairs.length > QS_OPTIONS.parameterLimit) throw new HttpProblem('PAYLOAD_TOO_LARGE', 413, 'The request has too many parameters.');
  const encoded = indexRailsHashArrays(pairs)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return qs.parse(encoded, QS_OPTIONS);
}

export function mediaType(req: Request): string | null {
  return splitContentType(req.headers['content-type']).type || null;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function isJsonType(type: string | null): boolean {
  return type === JSON_TYPE || (type?.endsWith('+json') ?? false);
}

/** Whether a body of this media type may be sent to a dialect accepting `accepted` (any +json counts as JSON). */
export function acceptsType(accepted: string[], type: string | null): boolean {
  return type !== null && (accepted.includes(type) || (isJsonType(type) && accepted.includes(JSON_TYPE)));
}

/** Whether lists and objects nest deeper than `max`; stops descending there, so deep input cannot overflow the stack. */
export function nestsDeeperThan(value: unknown, max: number, depth = 0): boolean {
  if (!value || typeof value !== 'object') return false;
  if (depth >= max) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (nestsDeeperThan(item, max, depth + 1)) return true;
  return false;
}

export interface BodyOptions {
  /** Largest body in bytes. */
  limit: number;
  /** Media types accepted. */
  accept: string[];
  /** Deepest nesting of a JSON body (INPUT_MAX_DEPTH); forms nest at most 10 deep. */
  maxDepth: number;
}

/** Reads and parses the body; `{}` (and contentType null) when there is none. */
export async function readBody(req: Request, res: Response, options: BodyOptions): Promise<{ body: unknown; contentType: string | null }> {
  if (!hasBody(req)) return { body: {}, contentType: null };
  const type = mediaType(req);
  const isJson = isJsonType(type);
  if (!acceptsType(options.accept, type)) {
    throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 415, `Content type ${type ?? '(none)'} is not accepted here; send ${options.accept.join(' or ')}.`);
  }
  const raw = await new Promise<Buffer>((resolve, reject) => {
    express.raw({ type: () => true, limit: options.limit })(req, res, (err?: unknown) => {
      if (!err) return resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      const e = err as { status?: number; type?: string };
      if (e.status === 413) reject(new HttpProblem('PAYLOAD_TOO_LARGE', 413, 'The request body is too large.'));
      else if (e.status === 415) reject(new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 415, 'The request body encoding is not supported.'));
      else reject(new HttpProblem('MALFORMED_BODY', 400, 'The request body could not be read.'));
    });
  });
  const text = raw.toString('utf8');
  if (type === FORM) return { body: parseRailsForm(text), contentType: type };
  if (isJson) {
    if (!text.trim()) return { body: {}, contentType: type };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpProblem('MALFORMED_BODY', 400, 'The request body is not valid JSON.');
    }
    if (nestsDeeperThan(body, options.maxDepth)) throw new HttpProblem('MALFORMED_BODY', 400, `The request body nests deeper than ${options.maxDepth} levels.`);
    return { body, contentType: type };
  }
  // Other accepted types (multipart, HTML forms of later dialects) are parsed by their routes.
  return { body: raw, contentType: type };
}

export function parseQuery(url: string): Record<string, unknown> {
  const q = url.indexOf('?');
  return q < 0 ? {} : parseRailsForm(url.slice(q + 1));
}
