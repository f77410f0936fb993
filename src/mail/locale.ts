// The language of a mail: the user's `locale` preference, else the request's
// Accept-Language, else English. Only languages with templates are chosen.

export const MAIL_LOCALES = ['en', 'de'] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];
export const DEFAULT_LOCALE: MailLocale = 'en';

/** The supported locale a language tag (`de`, `de-AT`, `DE_ch`) names, or null. */
export function supportedLocale(tag: unknown): MailLocale | null {
  if (typeof tag !== 'string') return null;
  const primary = /^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$/.exec(tag.trim())?.[1].toLowerCase();
  return MAIL_LOCALES.find((locale) => locale === primary) ?? null;
}

/** Accept-Language entries read at most: a longer header is someone else's problem, not worth parsing. */
const MAX_RANGES = 20;

/**
 * The supported locale an Accept-Language header prefers (RFC 9110 12.5.4:
 * highest q first, ties in header order, `q=0` excluded, `*` matches the
 * default), or null when it names none of them.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): MailLocale | null {
  if (!header) return null;
  const ranges = header
    .split(',', MAX_RANGES)
    .map((part, index) => {
      const [tag, ...params] = part.split(';').map((s) => s.trim());
      const q = params.map((p) => /^q=([01](?:\.\d{0,3})?)$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.tag && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.tag === '*') return DEFAULT_LOCALE;
    const locale = supportedLocale(range.tag);
    if (locale) return locale;
  }
  return null;
}

/**
 * The `locale` a user set in their preferences (free-form JSON objects, so
 * the key needs no schema change): the most recently updated object that has
 * a supported one wins.
 */
export function localeFromPreferences(preferences: Array<{ preferences: unknown; updatedAt: Date }>): MailLocale | null {
  const newestFirst = [...preferences].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  for (const { preferences: object } of newestFirst) {
    if (!object || typeof object !== 'object' || Array.isArray(object)) continue;
    const locale = supportedLocale((object as Record<string, unknown>).locale);
    if (locale) return locale;
  }
  return null;
}
