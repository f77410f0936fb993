// Page-number pagination shared by every listing.
import { ValidationError } from './errors.js';

export interface PageRequest {
  page: number;
  pageSize: number;
  skip: number;
  take: number;
}

/** Validates page (from 1) and page size (1..max, default 20). */
export function pageRequest(page: number | null | undefined, pageSize: number | null | undefined, max: number): PageRequest {
  const p = page ?? 1;
  const size = pageSize ?? Math.min(20, max);
  const problems = [];
  if (!Number.isInteger(p) || p < 1) problems.push({ field: 'page', message: 'page must be 1 or more.' });
  if (!Number.isInteger(size) || size < 1 || size > max) problems.push({ field: 'pageSize', message: `pageSize must be between 1 and ${max}.` });
  if (problems.length) throw new ValidationError(problems);
  return { page: p, pageSize: size, skip: (p - 1) * size, take: size };
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

/** One page of a listing, with the counts every page answer carries. */
export function pageOf<T>(items: T[], total: number, request: PageRequest) {
  return { items, total, page: request.page, pageSize: request.pageSize, pageCount: pageCount(total, request.pageSize) };
}
