// The coarse gate behind @Authorized(): signed in, and admin where asked.
// Finer rules (self or admin, ownership) live in the services.
import type { AuthChecker } from 'type-graphql';
import { AuthenticationError, ForbiddenError } from '../common/errors.js';
import type { Context } from './context.js';

export const authChecker: AuthChecker<Context> = ({ context }, roles) => {
  if (!context.viewer) throw new AuthenticationError();
  if (roles.length === 0) return true;
  if (roles.some((role) => context.viewer!.roles.includes(role))) return true;
  throw new ForbiddenError(`This needs the ${roles.join(' or ')} role.`);
};
