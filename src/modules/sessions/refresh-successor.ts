// The successor of a rotated refresh token, sealed under its predecessor.
//
// Within the reuse grace, presenting the previous token again (two tabs
// refreshing at once, a retried request) must give back the same successor,
// not fork the chain. The successor is therefore kept on the session, but
// only encrypted (AES-256-GCM) under a key derived from the previous token
// itself: the database holds neither token, only their SHA-256 hashes, so
// whoever reads it cannot open the successor; only a caller presenting the
// previous token can, which is exactly who the grace is for. This needs no
// server secret, so it is independent of the JWT signing keys and their
// rotation (an HMAC derivation from a server secret would break when that
// secret rotates, and would let the secret's holder compute every chain).
import crypto from 'node:crypto';

const KEY_INFO = 'usergraph refresh-token successor v1';

/** A key only the holder of `previousToken` can derive; unrelated to its stored SHA-256 hash. */
function keyOf(previousToken: string): Buffer {
  return crypto.createHmac('sha256', previousToken).update(KEY_INFO).digest();
}

export function sealSuccessor(previousToken: string, successor: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyOf(previousToken), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The successor, or null when `sealed` was not made with this previous token (or is damaged). */
export function openSuccessor(previousToken: string, sealed: string | null): string | null {
  if (!sealed) return null;
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyOf(previousToken), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
