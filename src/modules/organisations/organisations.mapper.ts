// Turns stored organisation rows into the GraphQL Organisation.
import type { Organisation as OrganisationRow } from '../../generated/prisma/client.js';
import type { Organisation } from './organisations.types.js';

export function logoUrl(publicUrl: string, logoKey: string | null): string | null {
  return logoKey ? `${publicUrl}/media/logos/${encodeURIComponent(logoKey)}` : null;
}

export function toOrganisation(row: OrganisationRow, publicUrl: string): Organisation {
  return {
    id: row.id,
    name: row.name,
    logoUrl: logoUrl(publicUrl, row.logoKey),
    logoProperties: (row.logoProperties ?? {}) as Record<string, unknown>,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
