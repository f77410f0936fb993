// The beach-api-core user object (UserSerializer): what every 001 answer
// about a user carries, built from one GraphQL fragment.
import type { RestD001UserFragment } from '../__generated__/operations.js';
/** The user as fragment RestD001User (operations.graphql) selects it. */
export type GqlBeachUser = RestD001UserFragment;

function numericId(id: string): number | null {
  const n = Number(id);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** Keys of the profile object that custom fields can never shadow. */
export const PROFILE_KEYS = ['id', 'first_name', 'last_name', 'birth_date', 'sex', 'time_zone', 'avatar_url'];

export function beachUser(user: GqlBeachUser, isMe: boolean) {
  const custom = Object.fromEntries(Object.entries(user.profile.customFields).filter(([key]) => !PROFILE_KEYS.includes(key)));
  return {
    id: numericId(user.id),
    email: user.email,
    username: user.username,
    user_preferences: user.preferences.map((p) => ({ id: numericId(p.id), preferences: p.preferences })),
    is_me: isMe,
    roles: Object.fromEntries(user.roles.map((r) => [r.name, true])),
    scores: user.scores,
    profile: {
      id: numericId(user.profile.id),
      first_name: user.profile.firstName,
      last_name: user.profile.lastName,
      birth_date: user.profile.birthDate,
      sex: user.profile.sex,
      time_zone: user.profile.timeZone,
      avatar_url: user.profile.avatarUrl,
      ...custom,
    },
    organisations: user.organisations.map((o) => ({
      id: numericId(o.id),
      name: o.name,
      logo_url: o.logoUrl,
      logo_properties: o.logoProperties,
      current_user_roles: o.currentUserRoles,
    })),
    teams: user.teams.map((t) => ({ id: numericId(t.id), name: t.name, is_owner: t.isOwner, current_user_roles: t.currentUserRoles })),
  };
}

const nullable = (type: string) => ({ type: [type, 'null'] });

export const beachUserSchema = {
  type: 'object',
  required: ['id', 'email', 'username', 'user_preferences', 'is_me', 'roles', 'scores', 'profile', 'organisations', 'teams'],
  properties: {
    id: { type: 'integer' },
    email: nullable('string'),
    username: nullable('string'),
    user_preferences: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, preferences: { type: 'object' } } } },
    is_me: { type: 'boolean' },
    roles: { type: 'object', additionalProperties: { const: true }, description: '{role_name: true}' },
    scores: { type: 'integer' },
    profile: {
      type: 'object',
      description: 'Standard fields, then every custom field as a string.',
      properties: {
        id: nullable('integer'),
        first_name: nullable('string'),
        last_name: nullable('string'),
        birth_date: { type: ['string', 'null'], format: 'date' },
        sex: { enum: ['male', 'female', null] },
        time_zone: nullable('string'),
        avatar_url: nullable('string'),
      },
      additionalProperties: { type: 'string' },
    },
    organisations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          logo_url: nullable('string'),
          logo_properties: { type: 'object' },
          current_user_roles: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    teams: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          is_owner: { type: 'boolean' },
          current_user_roles: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

export const userWithTokenSchema = {
  type: 'object',
  required: ['user', 'access_token'],
  properties: { user: beachUserSchema, access_token: { type: 'string', description: 'Send as `Authorization: Bearer <token>`.' } },
};

export const userOnlySchema = { type: 'object', required: ['user'], properties: { user: beachUserSchema } };
