// The mails an account receives (confirmation, password reset, sign-in code): where their
// links point, which language they are in, and sending them.
import type { Context } from '../graphql/context.js';
import type { User as UserRow } from '../generated/prisma/client.js';
import { DEFAULT_LOCALE, localeFromAcceptLanguage, localeFromPreferences, type MailLocale } from './locale.js';
import { describeDuration, renderMail, type MailKind } from './templates.js';

type Ctx = Pick<Context, 'db' | 'mailer' | 'publicUrl' | 'config' | 'request'>;

/** Paths of the links, under APP_URL or the gateway's own pages (src/pages). */
export const LINK_PATHS: Record<MailKind, string> = {
  confirmation: '/confirm',
  'password-reset': '/reset-password',
  'sign-in-code': '/sign-in',
};

/** The link a mail of this kind carries. */
export function mailLink(base: string, kind: MailKind, userId: number, token: string): string {
  const query = kind === 'confirmation' ? `id=${userId}&token=${encodeURIComponent(token)}` : `token=${encodeURIComponent(token)}`;
  return `${base.replace(/\/+$/, '')}${LINK_PATHS[kind]}?${query}`;
}

/** The user's `locale` preference, else the request's Accept-Language, else English. */
export async function mailLocale(ctx: Pick<Context, 'db' | 'request'>, userId: number): Promise<MailLocale> {
  const preferences = await ctx.db.userPreference.findMany({ where: { userId }, select: { preferences: true, updatedAt: true } });
  return localeFromPreferences(preferences) ?? localeFromAcceptLanguage(ctx.request.acceptLanguage) ?? DEFAULT_LOCALE;
}

/**
 * Mails `user` a link (and the raw token) that confirms their email, resets
 * their password, or signs them in (with `code`, the code to type; its link
 * only when APP_URL names a front end to open it, the gateway has no page
 * that could keep a session).
 */
export async function sendAccountMail(ctx: Ctx, user: UserRow, kind: MailKind, token: string, code?: string): Promise<void> {
  if (!user.email) return;
  const locale = await mailLocale(ctx, user.id);
  const ttl = kind === 'confirmation' ? ctx.config.confirmationTokenTtl : kind === 'sign-in-code' ? ctx.config.signInCode.ttlSeconds : ctx.config.resetTokenTtl;
  const mail = renderMail(kind, locale, {
    appName: 'usergraph',
    link: kind === 'sign-in-code' && !ctx.config.appUrl ? '' : mailLink(ctx.config.appUrl ?? ctx.publicUrl, kind, user.id, token),
    token,
    userId: String(user.id),
    expiresIn: describeDuration(ttl, locale),
    code,
  });
  await ctx.mailer.send({ to: user.email, ...mail });
}
