// The keys of the MFA secrets, each derived from KEY_ENCRYPTION_KEY for its
// purpose (never the JWT secret): TOTP secrets are sealed (src/auth/sealing.ts)
// and bound to their user; recovery codes are stored as HMAC-SHA256 under a
// key of their own, so a stolen table cannot be checked against guesses
// without the configuration.
import crypto from 'node:crypto';
import { deriveKey } from '../../auth/api-keys.js';
import { seal, unseal } from '../../auth/sealing.js';

export class MfaSecrets {
  constructor(
    private readonly totpKey: Buffer,
    private readonly recoveryKey: Buffer,
  ) {}

  static fromKeyEncryptionKey(keyEncryptionKey: string): MfaSecrets {
    return new MfaSecrets(deriveKey(keyEncryptionKey, 'totp secrets'), deriveKey(keyEncryptionKey, 'recovery codes'));
  }

  sealTotpSecret(userId: number, base32Secret: string): string {
    return seal(this.totpKey, base32Secret, `totp:${userId}`);
  }

  /** The base32 secret; throws UnsealError when it was sealed for another user or key. */
  openTotpSecret(userId: number, sealed: string): string {
    return unseal(this.totpKey, sealed, `totp:${userId}`).toString('utf8');
  }

  recoveryCodeHash(userId: number, normalizedCode: string): string {
    return crypto.createHmac('sha256', this.recoveryKey).update(`${userId}:${normalizedCode}`).digest('hex');
  }
}
