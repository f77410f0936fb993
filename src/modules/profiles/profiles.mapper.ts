// Turns a stored profile row into the GraphQL Profile.
import type { Profile as ProfileRow } from '../../generated/prisma/client.js';
import type { Profile } from './profiles.types.js';

export function avatarUrl(publicUrl: string, avatarKey: string | null): string | null {
  return avatarKey ? `${publicUrl}/media/avatars/${encodeURIComponent(avatarKey)}` : null;
}

export function toProfile(row: ProfileRow, publicUrl: string): Profile {
  return {
    id: row.id,
    userId: row.userId,
    firstName: row.firstName,
    lastName: row.lastName,
    birthDate: row.birthDate ? row.birthDate.toISOString().slice(0, 10) : null,
    sex: row.sex,
    timeZone: row.timeZone,
    avatarUrl: avatarUrl(publicUrl, row.avatarKey),
    customFields: (row.customFields ?? {}) as Record<string, string>,
  };
}
