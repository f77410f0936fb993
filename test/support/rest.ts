// Plain fetch against the REST layer, as a legacy client would call it.
import type { TestServer } from './server';

/**
 * The parsed JSON body of an HTTP answer: untyped data by nature, read field by field and asserted with expect()
 * (the reason the no-unsafe-* family is off for tests in eslint.config.js).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one place tests name an untyped JSON body
export type JsonBody = any;

export interface RestResult<T = JsonBody> {
  status: number;
  headers: Headers;
  /** Media type of the answer, without parameters. */
  type: string | null;
  text: string;
  json: T;
}

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
export const JSON_BODY = { 'Content-Type': 'application/json' };

/** `headers` (a form body's by default) with the Bearer token, or without any Authorization when `token` is null. */
export function bearer(token: string | null, headers: Record<string, string> = FORM): Record<string, string> {
  return token ? { ...headers, Authorization: `Bearer ${token}` } : { ...headers };
}

export async function rest<T = JsonBody>(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<RestResult<T>> {
  const response = await fetch(`${server.url}${path}`, { method, headers: options.headers, body: options.body });
  const text = await response.text();
  let json: JsonBody;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const contentType = response.headers.get('content-type');
  return { status: response.status, headers: response.headers, type: contentType ? contentType.split(';')[0].trim() : null, text, json };
}

/** `a[b][c]=v` form encoding of nested objects and arrays, as Rails clients send it. */
export function railsForm(value: Record<string, unknown>, prefix = ''): string {
  const parts: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}[${key}]` : key;
    if (v === undefined) continue;
    if (Array.isArray(v))
      v.forEach((item, i) =>
        parts.push(
          typeof item === 'object'
            ? railsForm(item as Record<string, unknown>, `${name}[${i}]`)
            : `${encodeURIComponent(`${name}[]`)}=${encodeURIComponent(String(item))}`,
        ),
      );
    else if (v !== null && typeof v === 'object') parts.push(railsForm(v as Record<string, unknown>, name));
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects took the branch above; v is a scalar here
    else parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(v ?? ''))}`);
  }
  return parts.filter(Boolean).join('&');
}
