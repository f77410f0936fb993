// Signing secrets: made here, shown once, stored encrypted (AES-256-GCM) so
// that any replica can recover them to sign, and signatures as the Standard
// Webhooks specification defines them (what the `standardwebhooks` libraries
// verify).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.js';

const PREFIX = 'whsec_';

/** A new secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return PREFIX + crypto.randomBytes(32).toString('base64');
}

/** `v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the secret's bytes (base64 after `whsec_`). */
export function signDelivery(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return 'v1,' + crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Encrypts and decrypts stored secrets with one key (SHA-256 of the configured one). */
export class SecretBox {
  private constructor(private readonly key: Buffer | null) {}

  /** WEBHOOK_ENCRYPTION_KEY, or outside production a key generated once under DATA_DIR. In production without it, webhooks cannot be created. */
  static async fromConfig(config: Pick<Config, 'env' | 'dataDir' | 'webhooks'>): Promise<SecretBox> {
    let material = config.webhooks.encryptionKey;
    if (!material && config.env !== 'production') {
      const file = path.join(config.dataDir, 'webhook-encryption-key');
      material = await fs.readFile(file, 'utf8').then((k) => k.trim(), () => null);
      if (!material || Buffer.byteLength(material) < 32) {
        material = crypto.randomBytes(48).toString('base64url');
        await fs.mkdir(config.dataDir, { recursive: true });
        await fs.writeFile(file, material + '\n', { mode: 0o600 });
      }
    }
    return new SecretBox(material ? crypto.createHash('sha256').update(material).digest() : null);
  }

  get available(): boolean {
    return this.key !== null;
  }

  seal(secret: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.requireKey(), iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(':');
  }

  open(stored: string): string {
    const [version, iv, tag, sealed] = stored.split(':');
    if (version !== 'v1' || !iv || !tag || !sealed) throw new Error('unreadable stored webhook secret');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.requireKey(), Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
  }

  private requireKey(): Buffer {
    if (!this.key) throw new Error('WEBHOOK_ENCRYPTION_KEY is not set');
    return this.key;
  }
}
