// Authentication schemes shared by dialects. Bearer tokens are resolved when
// the context is built (a bad token gives viewer = null); the services decide
// what an anonymous caller may do, so the scheme only documents itself.
import type { AuthScheme } from './types.js';

export const bearerAuth: AuthScheme = {
  name: 'bearer',
  openapi: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from a login: `Authorization: Bearer <token>`.' },
};
