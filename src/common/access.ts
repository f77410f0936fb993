// Authorisation checks, called by services beside the action they guard.
import type { Context, Viewer } from '../graphql/context.js';
import { AppError, AuthenticationError, ForbiddenError } from './errors.js';

export function requireViewer(ctx: Pick<Context, 'viewer'>): Viewer {
  if (!ctx.viewer) throw new AuthenticationError();
  return ctx.viewer;
}

export function requireAdmin(ctx: Pick<Context, 'viewer'>): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.adminNeedsMfa) throw adminEnrollmentRequired();
  if (!viewer.isAdmin) throw new ForbiddenError('This needs the admin role.');
  return viewer;
}

/** An admin whose sign-in lacks the second factor MFA_REQUIRED_FOR_ADMINS asks for. */
function adminEnrollmentRequired(): AppError {
  return new AppError(
    'MFA_ENROLLMENT_REQUIRED',
    'Admin operations need a second factor (MFA_REQUIRED_FOR_ADMINS): enrol an authenticator app (enrollTotp, then confirmTotp) or a passkey, then sign in again with it.',
  );
}

/** The caller's session id: for actions on a signed-in session, which an API key does not have. */
export function requireSessionId(ctx: Pick<Context, 'viewer'>): string {
  const viewer = requireViewer(ctx);
  if (!viewer.sessionId) throw new ForbiddenError('This needs a signed-in session; an API key cannot do it.');
  return viewer.sessionId;
}

/** The user themself or an admin. */
export function requireSelfOrAdmin(ctx: Pick<Context, 'viewer'>, userId: number): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.userId !== userId && viewer.adminNeedsMfa) throw adminEnrollmentRequired();
  if (viewer.userId !== userId && !viewer.isAdmin) throw new ForbiddenError('You may only do this for your own account.');
  return viewer;
}

const MAX_ID = 2_147_483_647;

/** Parses a GraphQL `ID` that names an integer-keyed record. */
export function parseIntId(id: string | number, field = 'id'): number {
  const value = typeof id === 'number' ? id : /^\d{1,10}$/.test(id) ? Number(id) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw new AppError('BAD_USER_INPUT', `${field} must be a positive integer id.`, { fields: [{ field, message: 'Not a valid id.' }] });
  }
  return value;
}
