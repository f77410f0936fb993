// API key secrets: `ugk_` and 256 random bits (the prefix lets secret
// scanners find leaked keys). They are high-entropy, so a fast keyed hash
// (HMAC-SHA256 under a key derived from KEY_ENCRYPTION_KEY) is enough to
// store them: a stolen table cannot be checked against guesses without the
// configuration, and lookups stay one indexed read.
import crypto from 'node:crypto';
import { randomToken } from './tokens.js';

export const API_KEY_PREFIX = 'ugk_';
/** Characters of the secret shown in listings (`ugk_` and 8 more). */
const SHOWN = API_KEY_PREFIX.length + 8;
const SECRET = /^ugk_[A-Za-z0-9_-]{43}$/;

export const API_KEY_SCOPES = ['read', 'write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export class ApiKeySecrets {
  constructor(private readonly hmacKey: Buffer) {}

  create(): { secret: string; prefix: string; hash: string } {
    const secret = API_KEY_PREFIX + randomToken(32);
    return { secret, prefix: secret.slice(0, SHOWN), hash: this.hash(secret) };
  }

  hash(secret: string): string {
    return crypto.createHmac('sha256', this.hmacKey).update(secret).digest('hex');
  }
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** Whether a `ugk_` token has the shape of a key we issue (anything else is a guess, not worth a read). */
export function wellFormedApiKey(token: string): boolean {
  return SECRET.test(token);
}

/** A key for one purpose derived from KEY_ENCRYPTION_KEY (HKDF-SHA256), so the setting itself encrypts nothing directly. */
export function deriveKey(keyEncryptionKey: string, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(keyEncryptionKey, 'utf8'), Buffer.alloc(0), `usergraph ${purpose} v1`, 32));
}
