// Mail content: every kind the gateway sends has a subject, a plain-text part
// and an HTML part rendered from templates/mail, in the user's `locale`
// preference, else the request's Accept-Language, else English; its link
// points under APP_URL when that is set.
import {
  ConfirmUserDocument,
  LoginDocument,
  RequestPasswordResetDocument,
  ResendConfirmationDocument,
  ResetPasswordDocument,
  UpdateMeDocument,
} from './__generated__/graphql';
import { startTestServer, tokenFromMail, type TestServer } from './support/server';
import { parseMail, type ParsedMail } from './support/mail';
import { PASSWORD, signIn, dataOf, registerUser } from './support/fixtures';

const APP_URL = 'https://app.example.test/account';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ APP_URL: `${APP_URL}/` });
});
afterAll(() => server.stop());

/** What each kind says in each language (the defaults: confirmation 48 hours, reset 1 hour). */
const EXPECTED = {
  en: {
    confirmation: {
      subject: 'Confirm your email address',
      text: 'Confirm your email address by opening:',
      button: 'Confirm my email address',
      expires: 'The link expires in 48 hours.',
    },
    'password-reset': {
      subject: 'Reset your password',
      text: 'Choose a new one by opening:',
      button: 'Choose a new password',
      expires: 'The link expires in 60 minutes.',
    },
  },
  de: {
    confirmation: {
      subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
      text: 'Bestätigen Sie Ihre E-Mail-Adresse, indem Sie diesen Link öffnen:',
      button: 'E-Mail-Adresse bestätigen',
      expires: 'Der Link ist 48 Stunden lang gültig.',
    },
    'password-reset': {
      subject: 'Setzen Sie Ihr Passwort zurück',
      text: 'Wählen Sie ein neues, indem Sie diesen Link öffnen:',
      button: 'Neues Passwort wählen',
      expires: 'Der Link ist 60 Minuten lang gültig.',
    },
  },
} as const;
type Locale = keyof typeof EXPECTED;
type Kind = keyof (typeof EXPECTED)['en'];

/** Registers a user whose request asked for `acceptLanguage`. */
const register = (acceptLanguage?: string) => registerUser(server, { headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} });

async function lastMail(email: string): Promise<{ raw: string; mail: ParsedMail }> {
  const raw = (await server.mails(email)).at(-1)!;
  expect(raw).toBeDefined();
  return { raw, mail: parseMail(raw) };
}

function expectMail(mail: ParsedMail, kind: Kind, locale: Locale, link: string, token: string) {
  const expected = EXPECTED[locale][kind];
  expect(mail.subject).toBe(expected.subject);
  // Text: the link, the raw token for API clients, and no markup.
  expect(mail.text).toContain(`${expected.text}\n${link}\n`);
  expect(mail.text).toContain(`  token: ${token}\n`);
  expect(mail.text).toContain(expected.expires);
  expect(mail.text).not.toMatch(/<\/?[a-z]/i);
  // HTML: a whole document in the mail's language, the link escaped once for the attribute.
  expect(mail.html).toMatch(/^<!DOCTYPE html>\n<html lang="([a-z]+)">/);
  expect(mail.html).toContain(`<html lang="${locale}">`);
  expect(mail.html).toContain(`<title>${expected.subject}</title>`);
  expect(mail.html).toContain(`<h1>${expected.subject}</h1>`);
  expect(mail.html).toContain(`<a href="${link.replace(/&/g, '&amp;')}"`);
  expect(mail.html).toContain(`>${expected.button}</a>`);
  expect(mail.html).toContain(expected.expires);
  if (link.includes('&')) expect(mail.html).not.toContain(`href="${link}"`);
}

describe.each(['en', 'de'] as const)('mails in %s', (locale) => {
  const acceptLanguage = locale === 'de' ? 'fr-FR, de-AT;q=0.8, en;q=0.5' : 'en-GB,en;q=0.9';

  it('sends the confirmation with both parts, and its token confirms the user', async () => {
    const { email, id } = await register(acceptLanguage);
    const { raw, mail } = await lastMail(email);
    const token = tokenFromMail(raw);
    expect(mail.to).toBe(email);
    expectMail(mail, 'confirmation', locale, `${APP_URL}/confirm?id=${id}&token=${token}`, token);
    const confirmed = await server.gql(ConfirmUserDocument, { id, token });
    expect(confirmed.errors).toBeUndefined();
    expect(dataOf(confirmed).confirmUser.user.confirmed).toBe(true);
  });

  it('sends the password reset with both parts, and its token resets the password', async () => {
    const { email } = await register();
    const asked = await server.gql(RequestPasswordResetDocument, { email }, { headers: { 'accept-language': acceptLanguage } });
    expect(asked.data).toEqual({ requestPasswordReset: true });
    const { raw, mail } = await lastMail(email);
    const token = tokenFromMail(raw);
    expectMail(mail, 'password-reset', locale, `${APP_URL}/reset-password?token=${token}`, token);
    const reset = await server.gql(ResetPasswordDocument, { token, password: 'a-new-password-2', passwordConfirmation: 'a-new-password-2' });
    expect(reset.data).toEqual({ resetPassword: true });
    expect((await server.gql(LoginDocument, { identifier: email, password: 'a-new-password-2' })).errors).toBeUndefined();
  });
});

describe('choosing the language', () => {
  it('falls back to English when Accept-Language names no language the templates have, or is missing', async () => {
    for (const header of ['fr-FR, es;q=0.8', '', 'de;q=0']) {
      const { email } = await register(header || undefined);
      expect((await lastMail(email)).mail.subject).toBe(EXPECTED.en.confirmation.subject);
    }
  });

  it('prefers the user’s locale preference to the request’s Accept-Language', async () => {
    const { email } = await register('en');
    const session = await signIn(server, email, PASSWORD);
    const updated = await server.gql(
      UpdateMeDocument,
      { input: { preferences: [{ preferences: { theme: 'dark', locale: 'de-DE' } }] } },
      { token: session.accessToken },
    );
    expect(updated.errors).toBeUndefined();

    const resent = await server.gql(ResendConfirmationDocument, {}, { token: session.accessToken, headers: { 'accept-language': 'en-US' } });
    expect(resent.data).toEqual({ resendConfirmation: true });
    const { raw, mail } = await lastMail(email);
    const token = tokenFromMail(raw);
    expectMail(mail, 'confirmation', 'de', `${APP_URL}/confirm?id=${session.user.id}&token=${token}`, token);

    await server.gql(RequestPasswordResetDocument, { email }, { headers: { 'accept-language': 'en' } });
    expect((await lastMail(email)).mail.subject).toBe(EXPECTED.de['password-reset'].subject);
  });

  it('ignores a locale preference it has no templates for', async () => {
    const { email } = await register('de');
    const session = await signIn(server, email, PASSWORD);
    await server.gql(UpdateMeDocument, { input: { preferences: [{ preferences: { locale: 'xx' } }] } }, { token: session.accessToken });
    await server.gql(ResendConfirmationDocument, {}, { token: session.accessToken, headers: { 'accept-language': 'de' } });
    expect((await lastMail(email)).mail.subject).toBe(EXPECTED.de.confirmation.subject);
  });
});
