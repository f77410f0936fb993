// The pages mailed links open when APP_URL does not send them to a front end:
// GET /confirm?id=&token= and GET /reset-password?token= show a form, which
// posts back with a signed form token (the CSRF defence dialect 003's edit
// form uses: see FormTokens). They work without JavaScript, say the same for
// an unknown, expired or used token, and call the same services as the API.
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { buildContext, expressRequestInfo, type AppDeps, type Context } from '../graphql/context.js';
import { AppError, type FieldError } from '../common/errors.js';
import { hashToken } from '../auth/tokens.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from '../auth/passwords.js';
import { TEMPLATES_DIR } from '../common/templates.js';
import { isDatabaseUnavailable } from '../graphql/format-error.js';
import { confirmUser, resetPassword, validatePasswordResetToken } from '../modules/users/users.service.js';
import { logout } from '../modules/sessions/sessions.service.js';
import { LINK_PATHS } from '../mail/account-mail.js';
import { sendOutcome, sendPage } from './html-page.js';

/** How long a page's form may stay open before it must be opened again from the mail: 15 minutes. */
export const PAGE_FORM_TTL = 15 * 60;
const CONFIRM_PURPOSE = 'pages.confirm';
const RESET_PURPOSE = 'pages.reset-password';
/** Longest token or id read from a link or form; real ones are far shorter. */
const MAX_FIELD = 512;

const UNUSABLE_LINK = 'This link cannot be used';
const CONFIRM_LINK_INVALID =
  'The confirmation link is not valid: it is incomplete, has expired, or has already been used. ' +
  'If you have already confirmed your address, simply sign in. Otherwise sign in and ask for a new confirmation mail.';
const RESET_LINK_INVALID =
  'The password reset link is not valid: it is incomplete, has expired, or has already been used. ' +
  'Ask for a new one where you sign in; each link works once.';

function field(source: unknown, name: string): string {
  const value = source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value.length <= MAX_FIELD ? value : '';
}

/**
 * The form token for a page: no session stands behind it (the mailed token is
 * the credential), so it is bound to the mailed token by its hash as the subject.
 */
function signForm(deps: AppDeps, purpose: string, subject: string): string {
  return deps.tokens.forms.sign({ user_id: 0, uid: '', subject: hashToken(subject), purpose }, PAGE_FORM_TTL);
}

function formIsValid(deps: AppDeps, body: unknown, purpose: string, subject: string): boolean {
  const token = field(body, 'form_token');
  return token !== '' && deps.tokens.forms.verify(token, purpose, hashToken(subject)) !== null;
}

function context(deps: AppDeps, req: Request): Promise<Context> {
  // The account pages (HTML forms with their own form tokens) never take credentials from an Authorization header.
  return buildContext(deps, { ...expressRequestInfo(req), authorization: undefined });
}

function sendFormExpired(res: Response, again: string): void {
  sendOutcome(res, 400, 'This form has expired', `For your security the form works for ${PAGE_FORM_TTL / 60} minutes. ${again}`);
}

/** Throttling, an outage or a fault, as a page; false when the error is the caller's to explain. */
function sendFailure(req: Request, res: Response, error: unknown): boolean {
  if (error instanceof AppError && error.code === 'RATE_LIMITED') {
    const retryAfter = error.extensions.retryAfter;
    res.set('Retry-After', typeof retryAfter === 'number' || typeof retryAfter === 'string' ? String(retryAfter) : '60');
    sendOutcome(res, 429, 'Too many attempts', error.message);
    return true;
  }
  if (isDatabaseUnavailable(error)) {
    req.log.error({ err: error }, 'database unavailable on an account page');
    res.set('Retry-After', '5');
    sendOutcome(res, 503, 'Temporarily unavailable', 'The service is temporarily unavailable. Please try again in a moment.');
    return true;
  }
  if (error instanceof AppError) return false;
  req.log.error({ err: error }, 'unexpected error on an account page');
  sendOutcome(res, 500, 'Something went wrong', 'Your request could not be completed. Please try again later.');
  return true;
}

interface PasswordField {
  id: 'password' | 'passwordConfirmation';
  label: string;
  hint?: string;
  error?: string;
  describedBy?: string;
}

function sendResetForm(deps: AppDeps, res: Response, status: number, token: string, errors: FieldError[] = []): void {
  const fields: PasswordField[] = [
    {
      id: 'password',
      label: 'New password',
      hint: `At least ${PASSWORD_MIN_BYTES} characters, and at most ${PASSWORD_MAX_BYTES} bytes (letters outside English count as more than one).`,
    },
    { id: 'passwordConfirmation', label: 'New password again' },
  ];
  for (const f of fields) {
    f.error = errors.find((e) => e.field === f.id)?.message;
    f.describedBy = [f.hint && `${f.id}-hint`, f.error && `${f.id}-error`].filter(Boolean).join(' ') || undefined;
  }
  sendPage(res, status, 'reset-password', {
    title: 'Choose a new password',
    token,
    formToken: signForm(deps, RESET_PURPOSE, token),
    minLength: PASSWORD_MIN_BYTES,
    fields,
    errors: fields.filter((f) => f.error).map((f) => ({ id: f.id, message: f.error })),
  });
}

export function accountPageRoutes(deps: AppDeps): Router {
  const router = Router();
  const stylesheet = fs.readFileSync(path.join(TEMPLATES_DIR, 'pages', 'account-pages.css'));
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.get('/account-pages.css', (_req, res) => {
    res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' }).type('css').send(stylesheet);
  });

  router.get(LINK_PATHS.confirmation, (req, res) => {
    const id = field(req.query, 'id');
    const token = field(req.query, 'token');
    if (!id || !token) return sendOutcome(res, 400, UNUSABLE_LINK, CONFIRM_LINK_INVALID);
    // Confirming takes a press of the button: mail scanners that open links must not use them up.
    sendPage(res, 200, 'confirm', { title: 'Confirm your email address', id, token, formToken: signForm(deps, CONFIRM_PURPOSE, `${id}\n${token}`) });
  });

  router.post(LINK_PATHS.confirmation, form, async (req, res) => {
    const id = field(req.body, 'id');
    const token = field(req.body, 'token');
    if (!id || !token) return sendOutcome(res, 400, UNUSABLE_LINK, CONFIRM_LINK_INVALID);
    if (!formIsValid(deps, req.body, CONFIRM_PURPOSE, `${id}\n${token}`)) return sendFormExpired(res, 'Open the link from your mail again.');
    try {
      const ctx = await context(deps, req);
      const session = await confirmUser(ctx, id, token);
      // confirmUser signs the user in; this page has nowhere to keep the session, so it ends it at once.
      ctx.viewer = { userId: session.userId, sessionId: session.sessionId, roles: [], isAdmin: false, amr: [], authenticatedAt: null };
      await logout(ctx);
      sendOutcome(res, 200, 'Email address confirmed', 'Thank you: your email address is confirmed. You can close this page and sign in.');
    } catch (error) {
      if (sendFailure(req, res, error)) return;
      const code = (error as AppError).code;
      // Confirmed; signing in would need the second factor, and this page signs out anyway.
      if (code === 'MFA_REQUIRED')
        return sendOutcome(res, 200, 'Email address confirmed', 'Thank you: your email address is confirmed. You can close this page and sign in.');
      if (code === 'FORBIDDEN') return sendOutcome(res, 403, 'Account deactivated', 'Your email address is confirmed, but this account has been deactivated.');
      sendOutcome(res, 400, UNUSABLE_LINK, CONFIRM_LINK_INVALID);
    }
  });

  router.get(LINK_PATHS['password-reset'], async (req, res) => {
    const token = field(req.query, 'token');
    try {
      if (!token || !(await validatePasswordResetToken(await context(deps, req), token))) {
        return sendOutcome(res, 400, UNUSABLE_LINK, RESET_LINK_INVALID);
      }
      sendResetForm(deps, res, 200, token);
    } catch (error) {
      if (!sendFailure(req, res, error)) sendOutcome(res, 400, UNUSABLE_LINK, RESET_LINK_INVALID);
    }
  });

  router.post(LINK_PATHS['password-reset'], form, async (req, res) => {
    const token = field(req.body, 'token');
    if (!token) return sendOutcome(res, 400, UNUSABLE_LINK, RESET_LINK_INVALID);
    if (!formIsValid(deps, req.body, RESET_PURPOSE, token))
      return sendFormExpired(res, 'Open the link from your mail again; if it has expired too, ask for a new one.');
    // The form's fields are required; a missing one is an empty answer, which the service refuses with its own message.
    const body = (req.body ?? {}) as { password?: unknown; passwordConfirmation?: unknown };
    const password = typeof body.password === 'string' ? body.password : '';
    const confirmation = typeof body.passwordConfirmation === 'string' ? body.passwordConfirmation : '';
    try {
      await resetPassword(await context(deps, req), token, password, confirmation);
      sendOutcome(
        res,
        200,
        'Password changed',
        'Your password has been changed, and every device signed in with the old one has been signed out. Sign in with your new password.',
      );
    } catch (error) {
      if (sendFailure(req, res, error)) return;
      const fields = ((error as AppError).extensions.fields ?? []) as FieldError[];
      const passwordErrors = fields.filter((f) => f.field === 'password' || f.field === 'passwordConfirmation');
      if (passwordErrors.length) return sendResetForm(deps, res, 400, token, passwordErrors);
      sendOutcome(res, 400, UNUSABLE_LINK, RESET_LINK_INVALID);
    }
  });

  // A page's own form errors (body too large, bad encoding) are pages too, not JSON.
  router.use(
    [LINK_PATHS.confirmation, LINK_PATHS['password-reset']],
    (error: { status?: number }, req: Request, res: Response, next: (e?: unknown) => void) => {
      if (res.headersSent) return next(error);
      const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
      if (status === 500) req.log.error({ err: error }, 'unexpected error on an account page');
      sendOutcome(res, status, 'The form could not be read', 'Please go back, and send the form again.');
    },
  );
  return router;
}
