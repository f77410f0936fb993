// The keys that sign access tokens, shared by every replica through the
// database, and their life cycle:
//
//   pending   published in the JWKS, not signing yet (verifiers fetch it ahead)
//   active    the newest generation whose activation time has come: signs
//   retired   a newer generation is active; published until the last token
//             it signed has expired (retirement + ACCESS_TOKEN_TTL), then gone
//   revoked   refused at once, on every replica (LISTEN/NOTIFY)
//
// Rotation creates the next generation, activating JWT_KEY_PUBLISH_AHEAD_SECONDS
// later: on a schedule (JWT_KEY_ROTATION_DAYS) and by the admin mutation.
// Alternatively the operator supplies the keys (JWT_SIGNING_KEYS_FILE) and the
// gateway neither stores nor rotates them.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { JwsKey, SigningAlgorithm } from './jws.js';
import { randomToken } from './tokens.js';
import { seal, unseal } from './sealing.js';

export interface SigningKeySettings {
  algorithm: SigningAlgorithm;
  rotationDays: number;
  publishAheadSeconds: number;
  accessTokenTtl: number;
  /** Operator-supplied keys (PEM or JWK), or null: the gateway generates them. */
  keysFile: string | null;
}

export interface KeyInfo {
  kid: string;
  algorithm: string;
  createdAt: Date;
  activatesAt: Date;
  /** When the next generation took over, if it has. */
  retiresAt: Date | null;
  revokedAt: Date | null;
  source: 'generated' | 'configured';
}

interface LoadedKey extends KeyInfo {
  generation: number;
  publicJwk: crypto.JsonWebKey;
  verifier: JwsKey;
  signer: JwsKey | null;
}

export class SigningKeyError extends Error {}

const RELOAD_MIN_MS = 1000;

export class SigningKeys {
  private keys: LoadedKey[] = [];
  private loadedAt = 0;
  private timer?: NodeJS.Timeout;
  private readonly configured: boolean;
  private readonly startedAt = Date.now();

  constructor(
    private readonly settings: SigningKeySettings,
    private readonly deps: {
      db: PrismaClient;
      /** AES-256-GCM key for the private parts, derived from KEY_ENCRYPTION_KEY. */
      encryptionKey: Buffer;
      logger: Logger;
      /** Tells every replica (this one included) to reload(). */
      announce: () => Promise<void>;
      /** Called after every reload: verified-token caches must forget revoked keys. */
      onChange: () => void;
    },
  ) {
    this.configured = settings.keysFile !== null;
  }

  get asymmetric(): boolean {
    return this.settings.algorithm !== 'HS256';
  }

  /** Loads (or generates) the keys, then keeps the rotation schedule. */
  async start(): Promise<void> {
    if (this.configured) {
      this.keys = await readKeysFile(this.settings.keysFile!, this.settings.algorithm);
      return;
    }
    await this.reload();
    if (!this.asymmetric) return;
    await this.maintain();
    const everyMs = Math.max(1000, Math.min(60_000, (this.settings.publishAheadSeconds * 1000) / 2));
    this.timer = setInterval(() => void this.maintain().catch((err) => this.deps.logger.error({ err }, 'signing key maintenance failed')), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The key that signs now, or null when tokens are signed with the HS256 secret. */
  signer(now = Date.now()): (JwsKey & { kid: string }) | null {
    if (!this.asymmetric) return null;
    const key = this.current(now);
    if (!key?.signer || key.revokedAt) throw new SigningKeyError('no signing key is active');
    return { ...key.signer, kid: key.kid };
  }

  /** The key a token names, if it may still have valid tokens; null for an unknown, revoked or expired kid. */
  verifier(kid: string, now = Date.now()): JwsKey | null {
    const key = this.keys.find((k) => k.kid === kid);
    return key && this.mayHaveValidTokens(key, now) ? key.verifier : null;
  }

  /** HS256 tokens issued before this (epoch ms) are still accepted after moving off HS256: until the first signing key was made. */
  hs256IssuedBefore(): number {
    if (this.configured) return this.startedAt;
    return this.keys.length ? Math.min(...this.keys.map((k) => k.createdAt.getTime())) : Infinity;
  }

  /** Re-reads the keys when one is not known here yet (created on another replica), at most once a second. */
  async reloadIfStale(): Promise<void> {
    if (!this.configured && Date.now() - this.loadedAt >= RELOAD_MIN_MS) await this.reload();
  }

  /** Public keys of every key that may still have valid tokens, and of the pending one (RFC 7517 JWK Set). */
  jwks(now = Date.now()): { keys: crypto.JsonWebKey[] } {
    return { keys: this.keys.filter((k) => this.mayHaveValidTokens(k, now)).map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.algorithm, use: 'sig' })) };
  }

  list(): KeyInfo[] {
    return this.keys.map(({ kid, algorithm, createdAt, activatesAt, retiresAt, revokedAt, source }) => ({
      kid,
      algorithm,
      createdAt,
      activatesAt,
      retiresAt,
      revokedAt,
      source,
    }));
  }

  /** Publishes the next key now; it signs once the publish-ahead window has passed. A pending key is returned as it is. */
  async rotate(now = Date.now()): Promise<KeyInfo> {
    this.assertManaged();
    const pending = this.keys.find((k) => !k.revokedAt && k.activatesAt.getTime() > now);
    if (pending) return pending;
    const created = await this.create(new Date(now + this.settings.publishAheadSeconds * 1000));
    return created;
  }

  /** Revokes a key on every replica. The active or pending key is replaced by one that signs at once. */
  async revoke(kid: string, now = Date.now()): Promise<KeyInfo | null> {
    this.assertManaged();
    const updated = await this.deps.db.signingKey.updateMany({ where: { kid, revokedAt: null }, data: { revokedAt: new Date(now) } });
    await this.reload();
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) return null;
    if (updated.count) {
      const wasSigning = key.generation >= (this.current(now)?.generation ?? 0);
      if (wasSigning) await this.create(new Date(now));
      else await this.deps.announce();
    }
    return key;
  }

  /** Reads every key from the database (a few rows: one per rotation). */
  async reload(): Promise<void> {
    if (this.configured) return;
    this.loadedAt = Date.now();
    const rows = await this.deps.db.signingKey.findMany({ orderBy: { generation: 'desc' } });
    const previous = new Map(this.keys.map((k) => [k.kid, k]));
    const before = this.fingerprint();
    this.keys = rows.map((row, index) => {
      const known = previous.get(row.kid);
      // Retired when the first newer generation activated (or will).
      const retiresAt = index > 0 ? new Date(Math.min(...rows.slice(0, index).map((r) => r.activatesAt.getTime()))) : null;
      const publicKey = known?.verifier.key ?? crypto.createPublicKey({ key: row.publicJwk as crypto.JsonWebKey, format: 'jwk' });
      const signer = row.revokedAt ? null : (known?.signer ?? { algorithm: row.algorithm as SigningAlgorithm, key: this.decrypt(row.privateKey, row.kid) });
      return {
        kid: row.kid,
        generation: row.generation,
        algorithm: row.algorithm,
        createdAt: row.createdAt,
        activatesAt: row.activatesAt,
        retiresAt,
        revokedAt: row.revokedAt,
        source: 'generated' as const,
        publicJwk: row.publicJwk as crypto.JsonWebKey,
        verifier: { algorithm: row.algorithm as SigningAlgorithm, key: publicKey },
        signer,
      };
    });
    if (this.fingerprint() !== before) this.deps.onChange();
  }

  /** What verification depends on: which keys exist and which are revoked. */
  private fingerprint(): string {
    return this.keys.map((k) => `${k.kid}:${k.revokedAt ? 'r' : ''}`).join(',');
  }

  /** Creates the first key, or the next one when the schedule says so. */
  private async maintain(now = Date.now()): Promise<void> {
    await this.reload();
    const newest = this.keys[0];
    if (!newest || newest.revokedAt || newest.algorithm !== this.settings.algorithm) {
      await this.create(new Date(now));
      return;
    }
    const rotation = this.settings.rotationDays * 86_400_000;
    const ahead = this.settings.publishAheadSeconds * 1000;
    const pending = newest.activatesAt.getTime() > now;
    if (rotation > 0 && !pending && newest.activatesAt.getTime() + rotation - ahead <= now) {
      await this.create(new Date(Math.max(now + ahead, newest.activatesAt.getTime() + rotation)));
    }
  }

  /** The newest generation whose activation time has come (it may be revoked). */
  private current(now: number): LoadedKey | undefined {
    return this.keys.find((k) => k.algorithm === this.settings.algorithm && k.activatesAt.getTime() <= now);
  }

  private mayHaveValidTokens(key: LoadedKey, now: number): boolean {
    if (key.revokedAt) return false;
    return !key.retiresAt || key.retiresAt.getTime() + this.settings.accessTokenTtl * 1000 > now;
  }

  private assertManaged(): void {
    if (this.configured) throw new SigningKeyError('Signing keys come from JWT_SIGNING_KEYS_FILE: change the file to rotate or remove a key.');
    if (!this.asymmetric) throw new SigningKeyError('JWT_ALGORITHM is HS256: access tokens are signed with JWT_SECRET, not with keys.');
  }

  private async create(activatesAt: Date): Promise<KeyInfo> {
    const { algorithm } = this.settings;
    const pair = generateKeyPair(algorithm);
    const kid = randomToken(12);
    const generation = (this.keys[0]?.generation ?? 0) + 1;
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' });
    try {
      await this.deps.db.signingKey.create({
        data: {
          kid,
          generation,
          algorithm,
          activatesAt,
          publicJwk: pair.publicKey.export({ format: 'jwk' }) as Prisma.InputJsonObject,
          privateKey: this.encrypt(der, kid),
        },
      });
      this.deps.logger.info({ kid, algorithm, activatesAt }, 'signing key created');
    } catch (error) {
      // Another replica created this generation first: use theirs.
      if ((error as { code?: string }).code !== 'P2002') throw error;
    }
    await this.reload();
    await this.deps.announce();
    return this.keys.find((k) => k.generation === generation)!;
  }

  private encrypt(plain: Buffer, kid: string): string {
    return seal(this.deps.encryptionKey, plain, kid);
  }

  private decrypt(stored: string, kid: string): crypto.KeyObject {
    if (!stored.startsWith('v1.')) throw new SigningKeyError(`signing key ${kid}: unknown encryption format`);
    try {
      return crypto.createPrivateKey({ key: unseal(this.deps.encryptionKey, stored, kid), format: 'der', type: 'pkcs8' });
    } catch {
      throw new SigningKeyError(`signing key ${kid} cannot be decrypted: is KEY_ENCRYPTION_KEY the one it was stored with?`);
    }
  }
}

function generateKeyPair(algorithm: SigningAlgorithm): crypto.KeyPairKeyObjectResult {
  switch (algorithm) {
    case 'ES256':
      return crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'RS256':
      return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'EdDSA':
      return crypto.generateKeyPairSync('ed25519');
    default:
      throw new SigningKeyError(`cannot generate a key for ${algorithm}`);
  }
}

/** The algorithm a key is used with, from its type. */
function algorithmOf(key: crypto.KeyObject): SigningAlgorithm | null {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  return null;
}

/** RFC 7638 thumbprint, the kid of a supplied key that names none. */
function thumbprint(jwk: crypto.JsonWebKey): string {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'RSA'
        ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return crypto.createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/**
 * Operator keys: one PEM private key, or a JWK, or a JWK Set of private keys.
 * The first key signs; the others are published and verify (rotate by putting
 * the new key first and removing the old one after ACCESS_TOKEN_TTL).
 */
async function readKeysFile(file: string, algorithm: SigningAlgorithm): Promise<LoadedKey[]> {
  const text = await fs.readFile(file, 'utf8');
  const where = path.basename(file);
  let entries: { key: crypto.KeyObject; kid?: string }[];
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text) as crypto.JsonWebKey & { keys?: crypto.JsonWebKey[] };
    entries = (parsed.keys ?? [parsed]).map((jwk) => ({
      key: crypto.createPrivateKey({ key: jwk, format: 'jwk' }),
      kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
    }));
  } else {
    entries = [{ key: crypto.createPrivateKey(text) }];
  }
  if (!entries.length) throw new SigningKeyError(`${where}: no keys`);
  const now = new Date();
  return entries.map(({ key, kid }, index) => {
    const keyAlgorithm = algorithmOf(key);
    if (!keyAlgorithm) throw new SigningKeyError(`${where}: key ${index + 1} is not a P-256, RSA (2048 bits or more) or Ed25519 private key`);
    if (index === 0 && keyAlgorithm !== algorithm)
      throw new SigningKeyError(`${where}: the first key is for ${keyAlgorithm} but JWT_ALGORITHM is ${algorithm}`);
    const publicKey = crypto.createPublicKey(key);
    const publicJwk = publicKey.export({ format: 'jwk' });
    return {
      kid: kid ?? thumbprint(publicJwk),
      generation: -index,
      algorithm: keyAlgorithm,
      createdAt: now,
      activatesAt: index === 0 ? now : new Date(8.64e15),
      retiresAt: null,
      revokedAt: null,
      source: 'configured' as const,
      publicJwk,
      verifier: { algorithm: keyAlgorithm, key: publicKey },
      signer: index === 0 ? { algorithm: keyAlgorithm, key } : null,
    };
  });
}
