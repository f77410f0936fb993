// Secrets at rest: AES-256-GCM under a key derived from KEY_ENCRYPTION_KEY
// for one purpose (deriveKey in api-keys.ts), bound to a context (the
// additional authenticated data: a signing key's kid, a TOTP factor's user),
// so a sealed value copied to another row does not open there. Used for the
// signing keys' private parts and for TOTP secrets.
//
// Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
import crypto from 'node:crypto';

export class UnsealError extends Error {}

export function seal(key: Buffer, plain: Buffer | string, context: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
  const sealed = Buffer.concat([cipher.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), sealed].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The plain bytes; throws UnsealError for an unknown format, another key or another context. */
export function unseal(key: Buffer, stored: string, context: string): Buffer {
  const [version, iv, tag, sealed] = stored.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || sealed === undefined) throw new UnsealError('unknown encryption format');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]);
  } catch {
    throw new UnsealError('cannot be decrypted with this key and context');
  }
}
