// Server-rendered HTML pages (templates/pages): the layout, and the headers
// that keep them safe: no script at all, styles and form posts only from this
// server, never framed, cached or sent on as a Referer (their URLs carry tokens).
import type { Response } from 'express';
import { templateEngine } from '../common/templates.js';

const pages = templateEngine('pages', 'html');

export const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex',
};

/** Sends templates/pages/<template>.eta (inside layout.eta) with the page headers. */
export function sendPage(res: Response, status: number, template: string, data: { title: string } & Record<string, unknown>): void {
  const html = pages.render(`${template}.eta`, data);
  res.status(status).set(PAGE_HEADERS).type('html').send(html);
}

/** A page that only says what happened, one paragraph per entry. */
export function sendOutcome(res: Response, status: number, title: string, ...paragraphs: string[]): void {
  sendPage(res, status, 'outcome', { title, paragraphs });
}
