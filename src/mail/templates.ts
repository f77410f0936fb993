// Mail bodies from templates/mail/<locale>/<kind>.{subject,text,html}.eta:
// a subject, a plain-text part and an HTML part (inside layout.html.eta) per
// kind and language. HTML interpolations are escaped; text ones are not.
import { templateEngine } from '../common/templates.js';
import { MAIL_LOCALES, type MailLocale } from './locale.js';

export const MAIL_KINDS = ['confirmation', 'password-reset', 'sign-in-code'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** What every template may use. */
export interface MailData {
  appName: string;
  /** The link that completes the action (APP_URL, or the gateway's own page). */
  link: string;
  /** The raw token, for clients that call the API themselves. */
  token: string;
  /** The user's id (the confirmUser mutation needs it). */
  userId: string;
  /** How long the link stays valid, in words of the mail's language ("48 hours"). */
  expiresIn: string;
  /** A code to type (sign-in-code); its link is empty when no front end (APP_URL) opens it. */
  code?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const text = templateEngine('mail', 'text');
const html = templateEngine('mail', 'html');

export function renderMail(kind: MailKind, locale: MailLocale, data: MailData): RenderedMail {
  const name = `${locale}/${kind}`;
  const subject = text.render(`${name}.subject.eta`, data).trim();
  return {
    subject,
    text: text.render(`${name}.text.eta`, data),
    html: html.render(`${name}.html.eta`, { ...data, locale, subject }),
  };
}

/** Mails that tell the user something happened to their account, with nothing to click. */
export const NOTICE_KINDS = ['mfa-factor-added', 'mfa-factor-removed'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface NoticeData {
  appName: string;
  /** What changed, in the mail's language ("authenticator app "Phone""); empty when all factors went (admin reset). */
  factor: string;
  /** When, as an ISO timestamp (UTC). */
  when: string;
  /** The address the request came from, or "unknown". */
  ip: string;
}

export function renderNotice(kind: NoticeKind, locale: MailLocale, data: NoticeData): RenderedMail {
  const name = `${locale}/${kind}`;
  const subject = text.render(`${name}.subject.eta`, data).trim();
  return { subject, text: text.render(`${name}.text.eta`, data), html: html.render(`${name}.html.eta`, { ...data, locale, subject }) };
}

/** A duration in whole hours (or minutes, under two hours) in the mail's language. */
export function describeDuration(seconds: number, locale: MailLocale): string {
  const [value, unit] = seconds >= 7200 ? [Math.round(seconds / 3600), 'hour'] : [Math.max(1, Math.round(seconds / 60)), 'minute'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/**
 * Renders every kind in every language once, so a missing or broken template
 * stops the start-up instead of the first registration.
 */
export function checkMailTemplates(): void {
  const sample: MailData = { appName: 'usergraph', link: 'http://localhost/x?a=1&b=2', token: 'token', userId: '1', expiresIn: '1 hour', code: '123456' };
  for (const locale of MAIL_LOCALES) for (const kind of MAIL_KINDS) renderMail(kind, locale, sample);
  const notice: NoticeData = { appName: 'usergraph', factor: 'x', when: new Date(0).toISOString(), ip: '127.0.0.1' };
  for (const locale of MAIL_LOCALES) for (const kind of NOTICE_KINDS) renderNotice(kind, locale, notice);
}
