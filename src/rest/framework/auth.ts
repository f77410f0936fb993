// Authentication schemes shared by dialects. Bearer tokens are resolved when
// the context is built (a bad token gives viewer = null); the services decide
// what an anonymous caller may do, so `bearerAuth` only documents itself.
// `signedIn` and `adminOnly` are the same Bearer scheme in OpenAPI, and check
// the caller before the body is read (an anonymous upload is refused before
// anything is spooled).
import { requireAdmin, requireViewer } from '../../common/access.js';
import type { AuthScheme } from './types.js';

export const bearerAuth: AuthScheme = {
  name: 'bearer',
  openapi: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from a login: `Authorization: Bearer <token>`.' },
};

/** Any signed-in user (401 otherwise); the service then decides: self, or admin or self. */
export const signedIn: AuthScheme = { ...bearerAuth, authenticate: (_req, ctx) => void requireViewer(ctx) };

/** A user holding the admin role: 401 without a token, 403 for a non-admin. */
export const adminOnly: AuthScheme = { ...bearerAuth, authenticate: (_req, ctx) => void requireAdmin(ctx) };
