// PUT /v1/user parameters to UpdateMeInput: nested profile_attributes (with
// current_age turned into a birth date and unknown keys kept as custom
// fields), avatar_attributes (a multipart file or base64, for the
// uploadAvatar mutation) and user_preferences_attributes, as beach-api-core
// accepts them.
import Upload from 'graphql-upload/Upload.mjs';
import type { Hash } from '../framework/params.js';
import { ParamReader } from '../framework/params.js';
import { birthDateForAge } from './birth-date.js';

const PROFILE_FIELDS: Record<string, string> = {
  first_name: 'firstName',
  last_name: 'lastName',
  birth_date: 'birthDate',
  time_zone: 'timeZone',
};
const PASSWORD_FIELDS = ['password', 'password_confirmation', 'current_password'];
const USER_KEYS = ['email', 'username', ...PASSWORD_FIELDS, 'profile_attributes', 'user_preferences_attributes'];
const MAX_AGE = 150;

/** A form sends '' to clear a field. */
function blankToNull(value: string | undefined): string | null | undefined {
  return value === '' ? null : value;
}

/** `avatar_attributes[file]` (a multipart file) or `[base64]`: exactly one. */
function avatarVariables(read: ParamReader, profileParams: Hash): { file?: Upload; base64?: string } | undefined {
  const name = (k: string) => `user[profile_attributes][avatar_attributes]${k ? `[${k}]` : ''}`;
  const avatar = read.hash(profileParams, 'avatar_attributes', name(''));
  if (!avatar) return undefined;
  read.onlyKnown(avatar, ['file', 'base64'], name);
  const file = avatar.file;
  if (file !== undefined && !(file instanceof Upload))
    read.errors.add(name('file'), `Invalid parameter ${name('file')}: must be a file (send multipart/form-data)`);
  const base64 = read.string(avatar, 'base64', name('base64'));
  if ((file === undefined) === (base64 === undefined)) read.errors.add(name(''), `Send either ${name('file')} or ${name('base64')}`);
  return { file: file instanceof Upload ? file : undefined, base64 };
}

export function updateUserVariables(params: Hash): Record<string, unknown> {
  const read = new ParamReader();
  let avatar: { file?: Upload; base64?: string } | undefined;
  const user = read.root(params, 'user', 'user');
  read.onlyKnown(user, USER_KEYS, (k) => `user[${k}]`);
  const input: Record<string, unknown> = {};
  input.email = read.string(user, 'email', 'user[email]', { required: true });
  const username = read.string(user, 'username', 'user[username]');
  if (username !== undefined) input.username = username;

  const passwords: Record<string, string | undefined> = {};
  for (const key of PASSWORD_FIELDS) passwords[key] = read.string(user, key, `user[${key}]`);

  const profileParams = read.hash(user, 'profile_attributes', 'user[profile_attributes]');
  if (profileParams) {
    const name = (k: string) => `user[profile_attributes][${k}]`;
    const profile: Record<string, unknown> = {};
    // Without a prototype, so a custom field named `__proto__` is kept and reaches the input guard.
    const customFields = Object.create(null) as Record<string, string | null>;
    read.integer(profileParams, 'id', name('id'), { required: true, min: 1 });
    for (const key of Object.keys(profileParams)) {
      if (key === 'id') continue;
      if (key === 'avatar_attributes') avatar = avatarVariables(read, profileParams);
      else if (PASSWORD_FIELDS.includes(key)) passwords[key] = read.string(profileParams, key, name(key)) ?? passwords[key];
      else if (Object.hasOwn(PROFILE_FIELDS, key)) profile[PROFILE_FIELDS[key]] = blankToNull(read.string(profileParams, key, name(key)));
      else if (key === 'sex') {
        const sex = blankToNull(read.string(profileParams, key, name(key)));
        if (sex !== undefined && sex !== null && sex !== 'male' && sex !== 'female')
          read.errors.add(name(key), `Invalid parameter ${name(key)}: must be one of: male, female`);
        else profile.sex = sex;
      } else if (key === 'current_age') {
        const age = read.integer(profileParams, key, name(key), { min: 0, max: MAX_AGE });
        if (age !== undefined) profile.birthDate = birthDateForAge(age);
      } else {
        // Any other key is a custom field; a JSON null removes it.
        const custom = profileParams[key] === null ? null : read.string(profileParams, key, name(key));
        if (custom !== undefined) customFields[key] = custom;
      }
    }
    if (profileParams.current_age !== undefined && profileParams.birth_date !== undefined) {
      read.errors.add(name('current_age'), `Send either ${name('birth_date')} or ${name('current_age')}, not both`);
    }
    if (Object.keys(customFields).length) profile.customFields = customFields;
    input.profile = profile;
  }

  const preferences = read.hashes(user, 'user_preferences_attributes', 'user[user_preferences_attributes]');
  if (preferences) {
    input.preferences = preferences.map(({ value, index }) => {
      const name = (k: string) => `user[user_preferences_attributes][${index}][${k}]`;
      read.onlyKnown(value, ['id', 'preferences'], name);
      const id = read.integer(value, 'id', name('id'), { required: true, min: 1 });
      const prefs = read.hash(value, 'preferences', name('preferences'), { required: true });
      return { id: id === undefined ? undefined : String(id), preferences: prefs };
    });
  }

  if (passwords.password !== undefined) {
    input.password = passwords.password;
    input.passwordConfirmation = passwords.password_confirmation;
  }
  if (passwords.current_password !== undefined) input.currentPassword = passwords.current_password;
  read.throwIfAny();
  return { input, avatar: avatar !== undefined, file: avatar?.file ?? null, base64: avatar?.base64 ?? null };
}
