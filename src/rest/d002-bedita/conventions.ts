// Dialect 002 conventions (BEdita 4 API): JSON:API documents with string ids,
// `links` built on the gateway's public URL, `meta.pagination`, and errors as
// `{"error":{"status","title","code","detail"}}`. Bad input and taken names
// are 400 "Invalid data"; a document contradicting its URL (wrong `type`,
// another id) is 409, as BEdita and JSON:API answer.
import { AppError, ValidationError } from '../../common/errors.js';
import { isHash, ParamReader, type Hash } from '../framework/params.js';
import type { RestError, RestRequest, RestResponse } from '../framework/types.js';

export const PAGE_SIZE = 20;
export const PAGE_SIZE_MAX = 100;

const TITLES: Record<number, string> = {
  400: 'Invalid data',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** GraphQL input paths in this dialect's words: `input.profile.firstName` → `name`. */
const ATTRIBUTE_OF: Array<[RegExp, string]> = [
  [/^input\.profile\.firstName$/, 'name'],
  [/^input\.profile\.lastName$/, 'surname'],
  [/^input$/, 'data.attributes'],
  [/^input\./, ''],
  [/^filter\.ids\.\d+$/, 'id'],
  [/^(userIds|roleIds)(\.\d+)?$/, 'data.id'],
  [/^pageSize$/, 'page_size'],
];

function attributeName(field: string): string {
  for (const [pattern, name] of ATTRIBUTE_OF) if (pattern.test(field)) return field.replace(pattern, name);
  return field;
}

/** A document contradicting its URL is 409; any other conflict is a taken value, 400 like other invalid data. */
function statusOf(error: RestError): number {
  if (error.code === 'CONFLICT') return error.fields.some((f) => f.field.startsWith('data.')) ? 409 : 400;
  if (error.code === 'BAD_USER_INPUT') return 400;
  if (error.code === 'GONE') return 404;
  return error.status;
}

export function beditaError(error: RestError): RestResponse {
  const status = statusOf(error);
  const detail = error.fields.length ? error.fields.map((f) => `${attributeName(f.field)}: ${f.message}`).join(' ') : error.message;
  return { status, body: { error: { status: String(status), title: TITLES[status] ?? 'Error', code: error.code, detail } } };
}

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['status', 'title', 'code', 'detail'],
      properties: { status: { type: 'string' }, title: { type: 'string' }, code: { type: 'string' }, detail: { type: 'string' } },
    },
  },
  example: { error: { status: '400', title: 'Invalid data', code: 'BAD_USER_INPUT', detail: 'username: Missing parameter username' } },
};

// ---- links ----

export function urlOf(req: RestRequest, path: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `${req.publicUrl.replace(/\/$/, '')}${path}${search ? `?${search}` : ''}`;
}

/** The query as sent, flat (`roles` alone becomes `roles=`). */
function flatQuery(req: RestRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** `links` of a single document: the request itself and home. */
export function documentLinks(req: RestRequest): Hash {
  return { self: urlOf(req, req.path, flatQuery(req)), home: urlOf(req, '/home') };
}

/** BEdita's `2016-12-13T12:08:02+00:00`. */
export function timestamp(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

// ---- pagination ----

export interface PageAsked {
  page: number;
  pageSize: number;
}

export function readPage(req: RestRequest): PageAsked {
  const params = new ParamReader();
  const page = params.integer(req.query, 'page', 'page', { min: 1 }) ?? 1;
  const pageSize = params.integer(req.query, 'page_size', 'page_size', { min: 1, max: PAGE_SIZE_MAX }) ?? PAGE_SIZE;
  params.throwIfAny();
  return { page, pageSize };
}

export interface PageOf<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}

/** One page of an in-memory list (a user's roles), counted like a listing. */
export function slicePage<T>(items: T[], asked: PageAsked): PageOf<T> {
  const start = (asked.page - 1) * asked.pageSize;
  return { items: items.slice(start, start + asked.pageSize), total: items.length, ...asked, pageCount: Math.max(1, Math.ceil(items.length / asked.pageSize)) };
}

/** A collection document; a page past the last is 404, as CakePHP's paginator answers. */
export function collection<T>(req: RestRequest, page: PageOf<T>, resource: (item: T) => Hash): RestResponse {
  if (page.page > page.pageCount) throw new AppError('NOT_FOUND', `Page ${page.page} is out of range: the last page is ${page.pageCount}.`);
  const query = flatQuery(req);
  const pageUrl = (n: number) => {
    const { page: _page, ...rest } = query;
    return urlOf(req, req.path, n > 1 ? { ...rest, page: String(n) } : rest);
  };
  return {
    status: 200,
    body: {
      data: page.items.map(resource),
      links: {
        ...documentLinks(req),
        first: pageUrl(1),
        last: pageUrl(page.pageCount),
        prev: page.page > 1 ? pageUrl(page.page - 1) : null,
        next: page.page < page.pageCount ? pageUrl(page.page + 1) : null,
      },
      meta: { pagination: { count: page.total, page: page.page, page_count: page.pageCount, page_items: page.items.length, page_size: page.pageSize } },
    },
  };
}

// ---- request documents ----

function dataOf(req: RestRequest): unknown {
  if (!isHash(req.body) || !('data' in req.body)) throw new ValidationError([{ field: 'data', message: 'The body must be a JSON:API document with `data`.' }]);
  return req.body.data;
}

function checkType(data: Hash, type: string, at: string): void {
  if (typeof data.type !== 'string' || !data.type) throw new ValidationError([{ field: `${at}.type`, message: `Missing resource type: send "${type}".` }]);
  if (data.type !== type)
    throw new AppError('CONFLICT', `Unsupported resource type ${data.type}: send "${type}".`, {
      fields: [{ field: `${at}.type`, message: `Unsupported resource type ${data.type}: send "${type}".` }],
    });
}

/** The attributes of a `{data: {type, id?, attributes}}` document; `id`, when given, must be the URL's. */
export function readAttributes(req: RestRequest, type: string, id?: string): Hash {
  const data = dataOf(req);
  if (!isHash(data)) throw new ValidationError([{ field: 'data', message: '`data` must be a resource object.' }]);
  checkType(data, type, 'data');
  if (id !== undefined && data.id !== undefined && (typeof data.id === 'string' || typeof data.id === 'number' ? String(data.id) : null) !== id) {
    throw new AppError('CONFLICT', "IDs don't match.", { fields: [{ field: 'data.id', message: `IDs don't match: the URL names ${id}.` }] });
  }
  if (data.attributes === undefined) return {};
  if (!isHash(data.attributes)) throw new ValidationError([{ field: 'data.attributes', message: '`data.attributes` must be an object.' }]);
  return data.attributes;
}

/** The ids of a relationship body: one resource identifier or an array of them. */
export function readIdentifiers(req: RestRequest, type: string): string[] {
  const data = dataOf(req);
  const list = Array.isArray(data) ? data : [data];
  return list.map((item, i) => {
    const at = Array.isArray(data) ? `data.${i}` : 'data';
    if (!isHash(item)) throw new ValidationError([{ field: at, message: 'A resource identifier must be an object {type, id}.' }]);
    checkType(item, type, at);
    if (!((typeof item.id === 'string' && /^\d{1,10}$/.test(item.id)) || (typeof item.id === 'number' && Number.isSafeInteger(item.id) && item.id > 0))) {
      throw new ValidationError([{ field: `${at}.id`, message: 'Not a valid id.' }]);
    }
    return String(item.id);
  });
}

/** `null` clears, a string sets, absent keeps; anything else is refused. */
export function nullableString(params: ParamReader, source: Hash, key: string): string | null | undefined {
  if (source[key] === null) return null;
  return params.string(source, key, key);
}

/** usergraph keeps one name: `uname` is the username, so when both are sent they must agree. */
export function readUsername(params: ParamReader, attributes: Hash, required: boolean): string | undefined {
  const username = params.string(attributes, 'username', 'username');
  const uname = params.string(attributes, 'uname', 'uname');
  if (username !== undefined && uname !== undefined && username !== uname) params.errors.add('uname', 'uname must equal username.');
  const name = username ?? uname;
  if (required && attributes.username == null && attributes.uname == null) params.errors.add('username', 'Missing parameter username');
  return name;
}
