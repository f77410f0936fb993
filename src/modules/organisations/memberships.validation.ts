// Field rules shared by organisations, teams and their memberships.
import { FieldErrors } from '../../common/errors.js';

export const LIMITS = {
  name: 100,
  roleName: 64,
  rolesPerMembership: 20,
  logoPropertiesBytes: 4096,
};

/** The trimmed name, recording an error when it is empty or too long. */
export function checkName(errors: FieldErrors, field: string, name: string | null | undefined, what: string): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) errors.add(field, `Name the ${what}.`);
  else if (trimmed.length > LIMITS.name) errors.add(field, `Name must be at most ${LIMITS.name} characters.`);
  return trimmed;
}

/** Trimmed, de-duplicated role names in the order given. */
export function checkRoles(errors: FieldErrors, field: string, roles: string[]): string[] {
  if (roles.length > LIMITS.rolesPerMembership) {
    errors.add(field, `At most ${LIMITS.rolesPerMembership} roles per membership.`);
    return [];
  }
  const names: string[] = [];
  roles.forEach((role, i) => {
    const name = role.trim();
    if (!name || name.length > LIMITS.roleName) errors.add(`${field}.${i}`, `Role names must be 1 to ${LIMITS.roleName} characters.`);
    else if (!names.includes(name)) names.push(name);
  });
  return names;
}

export function checkLogoProperties(errors: FieldErrors, field: string, properties: Record<string, unknown>): void {
  if (Buffer.byteLength(JSON.stringify(properties)) > LIMITS.logoPropertiesBytes) {
    errors.add(field, `logoProperties must be at most ${LIMITS.logoPropertiesBytes} bytes of JSON.`);
    return;
  }
  for (const [key, value] of Object.entries(properties)) {
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) errors.add(`${field}.${key}`, 'logoProperties values must be strings, numbers or booleans.');
  }
}
