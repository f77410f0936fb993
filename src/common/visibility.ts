// Who may see a user's private fields (email, status, confirmation, birth
// date, custom fields, preferences, memberships): the user, an admin, or the
// caller an auth mutation (login, register, confirm, refresh) just handed
// their own user object to, before they hold a token. Everyone else, such as
// a teammate listing members, sees null for them.
import { Extensions } from 'type-graphql';
import type { Context } from '../graphql/context.js';

// A symbol-keyed own property (not a WeakSet): type-graphql passes field
// resolvers a copy of the returned object, and copies keep own symbols.
const RETURNED_TO_SELF = Symbol('usergraph.returnedToSelf');

/** Marks a user row as returned to the person it describes. */
export function returnedToSelf<T extends object>(user: T): T {
  Object.defineProperty(user, RETURNED_TO_SELF, { value: true, enumerable: true });
  return user;
}

export function canSeePrivate(ctx: Pick<Context, 'viewer'>, user: { id: number }): boolean {
  return (user as Record<symbol, unknown>)[RETURNED_TO_SELF] === true || ctx.viewer?.isAdmin === true || ctx.viewer?.userId === user.id;
}

/** The field extension that marks a field private; see `Private()`. */
export const PRIVATE_FIELD = 'private';

/**
 * Marks a field private: it resolves to null unless `canSeePrivate` holds for
 * the object it belongs to. Put it beside `@Field` or `@FieldResolver`; the
 * rule is applied to the built schema by `guardPrivateFields`
 * (src/graphql/private-fields.ts).
 */
export function Private(): ReturnType<typeof Extensions> {
  return Extensions({ [PRIVATE_FIELD]: true });
}
