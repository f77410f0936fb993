// The Sprint user record: what every 003 answer about a user carries, from one
// GraphQL fragment. Secrets keep their keys for shape, with null values.
import type { RestD003UserFragment } from '../__generated__/operations.js';
/** The user as fragment RestD003User (operations.graphql) selects it. */
export type GqlSprintUser = RestD003UserFragment;

/** `2015-03-14 05:24:45`: MySQL DATETIME as CodeIgniter prints it, in UTC. */
export function sqlDateTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

export function userUrl(publicUrl: string, id: string | number): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/users/${id}`;
}

/** `active` is 0 once an admin deactivates the account; `deleted` is 1 only for soft-deleted rows. */
export function sprintUser(user: GqlSprintUser, publicUrl: string) {
  return {
    id: Number(user.id),
    email: user.email,
    username: user.username,
    password_hash: null,
    reset_hash: null,
    activate_hash: null,
    created_on: sqlDateTime(user.createdAt),
    status: user.status,
    status_message: user.statusMessage,
    active: user.active ? 1 : 0,
    deleted: user.deletedAt ? 1 : 0,
    force_pass_reset: user.forcePasswordReset ? 1 : 0,
    meta: { url: userUrl(publicUrl, user.id) },
  };
}

const nullableString = { type: ['string', 'null'] };
const flag = { enum: [0, 1] };

export const userSchema = {
  type: 'object',
  required: [
    'id',
    'email',
    'username',
    'password_hash',
    'reset_hash',
    'activate_hash',
    'created_on',
    'status',
    'status_message',
    'active',
    'deleted',
    'force_pass_reset',
    'meta',
  ],
  properties: {
    id: { type: 'integer' },
    email: nullableString,
    username: nullableString,
    password_hash: { type: 'null', description: 'Never sent: the key is kept for shape.' },
    reset_hash: { type: 'null', description: 'Never sent: the key is kept for shape.' },
    activate_hash: { type: 'null', description: 'Never sent: the key is kept for shape.' },
    created_on: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', description: 'UTC' },
    status: nullableString,
    status_message: nullableString,
    active: { ...flag, description: '0 when an admin has deactivated the account' },
    deleted: flag,
    force_pass_reset: flag,
    meta: { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } },
  },
};

export const listSchema = {
  type: 'object',
  required: ['total', 'first', 'last', 'prev_url', 'next_url', 'users'],
  properties: {
    total: { type: 'integer', description: 'Users in the whole listing' },
    first: { type: 'integer', description: 'Position (from 1) of the first user of this page' },
    last: { type: 'integer', description: 'Position of the last user of this page' },
    prev_url: nullableString,
    next_url: nullableString,
    users: { type: 'array', items: userSchema },
  },
};
