// Signing secrets: made here, shown once, stored encrypted (AES-256-GCM,
// under a key derived from KEY_ENCRYPTION_KEY unless WEBHOOK_ENCRYPTION_KEY
// is set) so that any replica can recover them to sign, and signatures as the Standard
// Webhooks specification defines them (what the `standardwebhooks` libraries
// verify).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config.js';
import { resolveKeyEncryptionKey } from '../../auth/tokens.js';

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

/** HKDF-SHA256 info of the webhook key derived from KEY_ENCRYPTION_KEY: no other key shares it. */
const DERIVATION_INFO = 'usergraph webhook secrets v1';
/** Where gateways before the derivation kept the key they generated outside production. */
const LEGACY_KEY_FILE = 'webhook-encryption-key';

/**
 * The key that encrypts stored secrets: SHA-256 of WEBHOOK_ENCRYPTION_KEY
 * when set (deployments that set it keep reading what they stored); else of
 * the key an older gateway generated under DATA_DIR, if that file is there;
 * else derived from KEY_ENCRYPTION_KEY (HKDF-SHA256, its own info label).
 */
export async function webhookSecretKey(config: Pick<Config, 'dataDir' | 'keyEncryptionKey' | 'webhooks'>): Promise<Buffer> {
  const material = config.webhooks.encryptionKey ?? (await legacyGeneratedKey(config.dataDir));
  if (material) return crypto.createHash('sha256').update(material).digest();
  const keyEncryptionKey = await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir);
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(keyEncryptionKey, 'utf8'), Buffer.alloc(0), DERIVATION_INFO, 32));
}

async function legacyGeneratedKey(dataDir: string): Promise<string | null> {
  const key = await fs.readFile(path.join(dataDir, LEGACY_KEY_FILE), 'utf8').then(
    (k) => k.trim(),
    () => null,
  );
  return key && Buffer.byteLength(key) >= 32 ? key : null;
}

/** Encrypts and decrypts stored secrets with one key (see webhookSecretKey). */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static async fromConfig(config: Pick<Config, 'dataDir' | 'keyEncryptionKey' | 'webhooks'>): Promise<SecretBox> {
    return new SecretBox(await webhookSecretKey(config));
  }

  seal(secret: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(':');
  }

  open(stored: string): string {
    const [version, iv, tag, sealed] = stored.split(':');
    if (version !== 'v1' || !iv || !tag || !sealed) throw new Error('unreadable stored webhook secret');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8');
  }
}
