// Tells a user by mail that a second factor was added to or removed from
// their account: the mail is how they learn of a change they did not make.
import type { Context } from '../../graphql/context.js';
import type { MfaFactor as MfaFactorRow } from '../../generated/prisma/client.js';
import { mailLocale } from '../../mail/account-mail.js';
import { renderNotice, type NoticeKind } from '../../mail/templates.js';
import type { MailLocale } from '../../mail/locale.js';

const KIND_NAMES: Record<MailLocale, Record<MfaFactorRow['kind'], string>> = {
  en: { TOTP: 'authenticator app', WEBAUTHN: 'passkey' },
  de: { TOTP: 'Authenticator-App', WEBAUTHN: 'Passkey' },
};

/** `factor` null: every factor went (admin reset). Failures are logged, never thrown: the change itself stands. */
export async function sendFactorNotice(
  ctx: Pick<Context, 'db' | 'mailer' | 'request' | 'logger'>,
  userId: number,
  kind: NoticeKind,
  factor: Pick<MfaFactorRow, 'kind' | 'label'> | null,
): Promise<void> {
  try {
    const user = await ctx.db.user.findUnique({ where: { id: userId }, select: { email: true } });
    if (!user?.email) return;
    const locale = await mailLocale(ctx, userId);
    const name = factor ? `${KIND_NAMES[locale][factor.kind]}${factor.label ? ` "${factor.label}"` : ''}` : '';
    const mail = renderNotice(kind, locale, { appName: 'usergraph', factor: name, when: new Date().toISOString(), ip: ctx.request.ip ?? 'unknown' });
    await ctx.mailer.send({ to: user.email, ...mail });
  } catch (err) {
    ctx.logger.error({ err, userId, kind }, 'could not send the second-factor notice');
  }
}
