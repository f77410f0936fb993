// How the subgraph's `_entities` turns a router's reference (`{ __typename,
// id }`) into an object (FEDERATION=true). References load through the
// request's DataLoaders, so N references of one type cost one statement, and
// each resolves only to what the caller could read by that id through the
// ordinary queries. Anything else (a malformed, unknown or deleted id,
// someone else's video, a team you are not in, an anonymous caller) is null,
// without an error, so a reference never tells whether a row exists. The
// objects then go through the same field resolvers as any other, so a User's
// private fields stay null unless the caller is that user or an admin.
import type { Context } from './context.js';
import { FieldErrors } from '../common/errors.js';
import { toVideo } from '../modules/videos/videos.mapper.js';
import { toOrganisation } from '../modules/organisations/organisations.mapper.js';

export interface EntityReference {
  __typename: string;
  id?: unknown;
}

type ResolveReference = (reference: EntityReference, ctx: Context) => Promise<object | null>;

const MAX_INT_ID = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The integer key of a reference, or null when it cannot name a row (as parseIntId, but quiet). */
function intKey(id: unknown): number | null {
  const value = typeof id === 'string' && /^\d{1,10}$/.test(id) ? Number(id) : typeof id === 'number' ? id : NaN;
  return Number.isInteger(value) && value >= 1 && value <= MAX_INT_ID ? value : null;
}

/** The reference resolver of each entity type, by type name. */
export const entityReferences: Record<'User' | 'Video' | 'Organisation' | 'Team' | 'Role', ResolveReference> = {
  /** Anyone signed in sees a live user's public fields, as a teammate sees a member's. */
  async User(reference, ctx) {
    const id = intKey(reference.id);
    if (!ctx.viewer || id === null) return null;
    const user = await ctx.loaders.userById.load(id);
    return user && !user.deletedAt ? user : null;
  },

  /** As `video(id)`: your own videos; an admin's, anyone's. */
  async Video(reference, ctx) {
    const viewer = ctx.viewer;
    if (!viewer || typeof reference.id !== 'string' || !UUID.test(reference.id)) return null;
    const row = await ctx.loaders.videoById.load(reference.id.toLowerCase());
    return row && (row.ownerId === viewer.userId || viewer.isAdmin) ? toVideo(row, ctx.publicUrl) : null;
  },

  /** As `organisation(id)`: an organisation you belong to; an admin's, any. */
  async Organisation(reference, ctx) {
    const viewer = ctx.viewer;
    const id = intKey(reference.id);
    if (!viewer || id === null) return null;
    const [row, memberships] = await Promise.all([ctx.loaders.organisationById.load(id), ctx.loaders.organisationsByUserId.load(viewer.userId)]);
    if (!row || !(viewer.isAdmin || memberships.some((m) => m.organisation.id === id))) return null;
    return toOrganisation(row, ctx.publicUrl);
  },

  /** As `team(id)`: a team you own or belong to; an admin's, any. */
  async Team(reference, ctx) {
    const viewer = ctx.viewer;
    const id = intKey(reference.id);
    if (!viewer || id === null) return null;
    const [team, memberships] = await Promise.all([ctx.loaders.teamById.load(id), ctx.loaders.teamsByUserId.load(viewer.userId)]);
    if (!team || !(viewer.isAdmin || team.ownerId === viewer.userId || memberships.some((m) => m.team.id === id))) return null;
    return team;
  },

  /** As `role(id)`: any role, for anyone signed in. */
  async Role(reference, ctx) {
    const id = intKey(reference.id);
    if (!ctx.viewer || id === null) return null;
    return ctx.loaders.roleById.load(id);
  },
};

/** The most representations one `_entities` request may carry (a router sends one request per entity fetch). */
export const MAX_REPRESENTATIONS = 1000;

/**
 * Refuses, as BAD_USER_INPUT naming each bad item, representations that are
 * not `{ __typename, id }` objects of an entity type, or too many of them
 * (@apollo/subgraph would fail on them with an internal error).
 */
export function checkRepresentations(representations: unknown): void {
  const errors = new FieldErrors();
  if (!Array.isArray(representations)) {
    errors.add('representations', 'Send a list of { __typename, id } objects.');
  } else if (representations.length > MAX_REPRESENTATIONS) {
    errors.add('representations', `At most ${MAX_REPRESENTATIONS} representations in one request, got ${representations.length}.`);
  } else {
    representations.forEach((representation: unknown, i) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof typename !== 'string' || !Object.hasOwn(entityReferences, typename)) {
        errors.add(`representations.${i}.__typename`, `Must be one of ${Object.keys(entityReferences).join(', ')}.`);
      }
    });
  }
  errors.throwIfAny();
}
