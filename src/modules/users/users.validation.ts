// Field rules for users and profiles, shared by self-service and admin paths
// (and so by every REST dialect, which runs the same operations).
import { FieldErrors } from '../../common/errors.js';
import { passwordProblem } from '../../auth/passwords.js';
import type { ProfileInput } from '../profiles/profiles.types.js';
import type { PreferenceInput } from './users.types.js';

export const LIMITS = {
  email: 254,
  usernameMin: 3,
  usernameMax: 64,
  name: 100,
  timeZone: 64,
  status: 64,
  statusMessage: 255,
  customFieldCount: 50,
  customFieldKey: 64,
  customFieldValue: 1000,
  preferencesBytes: 16 * 1024,
  preferencesCount: 50,
};

// Local part: atoms separated by single dots. Domain: two or more labels of
// letters, digits and inner hyphens (IDNs in Unicode form are letters too),
// none empty, none starting or ending with a hyphen.
const EMAIL_ATOM = String.raw`[^\s@"<>()[\]\\,;:.]+`;
const DOMAIN_LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`;
const EMAIL = new RegExp(String.raw`^${EMAIL_ATOM}(?:\.${EMAIL_ATOM})*@${DOMAIN_LABEL}(?:\.${DOMAIN_LABEL})+$`, 'u');
/** Characters a reader cannot see or that reorder text: controls, format characters (zero-width, bidi), separators other than space. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkEmail(errors: FieldErrors, field: string, email: string): void {
  if (email.length > LIMITS.email) errors.add(field, `Email must be at most ${LIMITS.email} characters.`);
  else if (INVISIBLE.test(email)) errors.add(field, 'Email must not contain invisible or control characters.');
  else if (!EMAIL.test(email)) errors.add(field, 'Email is not a valid address.');
}

export function checkUsername(errors: FieldErrors, field: string, username: string): void {
  if (INVISIBLE.test(username)) errors.add(field, 'Username must not contain invisible or control characters.');
  else if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax) {
    errors.add(field, `Username must be ${LIMITS.usernameMin} to ${LIMITS.usernameMax} characters.`);
  } else if (!USERNAME.test(username) || username.includes('@')) {
    errors.add(field, 'Username may contain only letters, digits, dots, dashes and underscores, and must start with a letter or digit.');
  }
}

export function checkPassword(errors: FieldErrors, field: string, password: string, confirmation?: string | null, confirmationField?: string): void {
  const problem = passwordProblem(password);
  if (problem) errors.add(field, problem);
  if (confirmation !== undefined && confirmation !== null && confirmation !== password) {
    errors.add(confirmationField ?? `${field}Confirmation`, 'Password confirmation does not match the password.');
  }
}

export function checkLength(errors: FieldErrors, field: string, value: string | null | undefined, max: number): void {
  if (value && value.length > max) errors.add(field, `Must be at most ${max} characters.`);
}

/** Parses YYYY-MM-DD into a UTC date, or records an error. Dates in the future or before 1900 are refused. */
export function parseBirthDate(errors: FieldErrors, field: string, value: string): Date | null {
  const match = DATE.exec(value);
  const date = match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) {
    errors.add(field, 'Birth date must be a real date written YYYY-MM-DD.');
    return null;
  }
  if (date.getUTCFullYear() < 1900 || date.getTime() > Date.now()) {
    errors.add(field, 'Birth date must be between 1900-01-01 and today.');
    return null;
  }
  return date;
}

let timeZones: Set<string> | undefined;
export function isTimeZone(value: string): boolean {
  timeZones ??= new Set((Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone'));
  if (timeZones.has(value) || value === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.length <= LIMITS.timeZone;
  } catch {
    return false;
  }
}

export interface ProfileChanges {
  firstName?: string | null;
  lastName?: string | null;
  birthDate?: Date | null;
  sex?: ProfileInput['sex'];
  timeZone?: string | null;
  /** Keys to set (string) or remove (null). */
  customFields?: Record<string, string | null>;
}

export function checkProfile(errors: FieldErrors, field: string, input: ProfileInput): ProfileChanges {
  const changes: ProfileChanges = {};
  for (const key of ['firstName', 'lastName'] as const) {
    if (input[key] !== undefined) {
      checkLength(errors, `${field}.${key}`, input[key], LIMITS.name);
      changes[key] = input[key]?.trim() || null;
    }
  }
  if (input.birthDate !== undefined) {
    changes.birthDate = input.birthDate === null ? null : parseBirthDate(errors, `${field}.birthDate`, input.birthDate);
  }
  if (input.sex !== undefined) changes.sex = input.sex;
  if (input.timeZone !== undefined) {
    if (input.timeZone !== null && !isTimeZone(input.timeZone)) {
      errors.add(`${field}.timeZone`, 'Time zone must be an IANA name such as Europe/Paris.');
    }
    changes.timeZone = input.timeZone;
  }
  if (input.customFields !== undefined && input.customFields !== null) {
    const entries = Object.entries(input.customFields);
    if (entries.length > LIMITS.customFieldCount) {
      errors.add(`${field}.customFields`, `At most ${LIMITS.customFieldCount} custom fields.`);
    }
    changes.customFields = {};
    for (const [key, value] of entries) {
      if (key.length === 0 || key.length > LIMITS.customFieldKey) {
        errors.add(`${field}.customFields`, `Custom field names must be 1 to ${LIMITS.customFieldKey} characters.`);
      } else if (value !== null && typeof value !== 'string') {
        errors.add(`${field}.customFields.${key}`, 'Custom field values must be strings (or null to remove).');
      } else if (typeof value === 'string' && value.length > LIMITS.customFieldValue) {
        errors.add(`${field}.customFields.${key}`, `Custom field values must be at most ${LIMITS.customFieldValue} characters.`);
      } else {
        changes.customFields[key] = value;
      }
    }
  }
  return changes;
}

export function checkPreferences(errors: FieldErrors, field: string, inputs: PreferenceInput[]): void {
  if (inputs.length > LIMITS.preferencesCount) errors.add(field, `At most ${LIMITS.preferencesCount} preferences objects at once.`);
  inputs.forEach((input, i) => {
    if (input.delete) {
      if (!input.id) errors.add(`${field}.${i}.id`, 'An id is needed to delete preferences.');
      return;
    }
    if (!input.preferences) {
      errors.add(`${field}.${i}.preferences`, 'preferences must be a JSON object.');
    } else if (Buffer.byteLength(JSON.stringify(input.preferences)) > LIMITS.preferencesBytes) {
      errors.add(`${field}.${i}.preferences`, `preferences must be at most ${LIMITS.preferencesBytes} bytes of JSON.`);
    }
  });
}
