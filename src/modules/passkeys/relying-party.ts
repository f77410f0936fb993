// Who the passkeys belong to: the relying party's id and name, and the
// origins a ceremony may come from. Set by WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME
// and WEBAUTHN_ORIGINS; unset, they follow the front end (APP_URL) and the
// gateway's own URL (PUBLIC_URL, or http://localhost:<port>).
import type { Context } from '../../graphql/context.js';
import { AppError } from '../../common/errors.js';

export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

export function relyingParty(ctx: Pick<Context, 'config' | 'publicUrl'>): RelyingParty {
  const { webauthn, appUrl } = ctx.config;
  const urls = [appUrl, ctx.publicUrl].filter((u): u is string => !!u);
  const id = webauthn.rpId ?? new URL(urls[0]).hostname;
  const origins = webauthn.origins.length ? webauthn.origins : [...new Set(urls.map((u) => new URL(u).origin))];
  return { id, name: webauthn.rpName, origins };
}

/** Most bytes of a browser's JSON answer read: real ones are a few kilobytes. */
const MAX_RESPONSE_FIELD = 16 * 1024;

/**
 * The challenge the browser signed, read from the response's clientDataJSON
 * (base64url JSON), after checking the response has the shape of a
 * PublicKeyCredential's toJSON(). Anything else is the caller's mistake.
 */
export function signedChallenge(response: unknown, field = 'response'): string {
  const bad = (message: string) =>
    new AppError('BAD_USER_INPUT', `${field} is not a WebAuthn credential response: ${message}`, { fields: [{ field, message }] });
  if (!response || typeof response !== 'object' || Array.isArray(response)) throw bad('expected the JSON of navigator.credentials.create() or get().');
  const r = response as Record<string, unknown>;
  if (typeof r.id !== 'string' || !r.id || r.id.length > 1024) throw bad('`id` must be the credential id (base64url).');
  if (r.type !== 'public-key') throw bad('`type` must be "public-key".');
  const inner = r.response as Record<string, unknown> | undefined;
  if (!inner || typeof inner !== 'object') throw bad('`response` is missing.');
  for (const [key, value] of Object.entries(inner)) {
    if (typeof value === 'string' && value.length > MAX_RESPONSE_FIELD) throw bad(`\`response.${key}\` is too long.`);
  }
  if (typeof inner.clientDataJSON !== 'string') throw bad('`response.clientDataJSON` is missing.');
  let challenge: unknown;
  try {
    challenge = (JSON.parse(Buffer.from(inner.clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown }).challenge;
  } catch {
    throw bad('`response.clientDataJSON` is not base64url JSON.');
  }
  if (typeof challenge !== 'string' || !challenge || challenge.length > 512) throw bad('`response.clientDataJSON` has no challenge.');
  return challenge;
}
