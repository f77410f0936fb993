// Access tokens (JWT, HS256, algorithm/issuer/audience pinned) and opaque
// random tokens (refresh, confirmation, reset, application secrets) stored
// only as SHA-256 hashes.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import jwt from 'jsonwebtoken';

export interface AccessClaims {
  sub: string;
  user_id: number;
  /** Session id. */
  uid: string;
  typ: 'access';
  iat: number;
  exp: number;
}

/** Verified access tokens kept by AccessTokens.verify(). */
const VERIFIED_MAX = 10_000;

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  accessTokenTtl: number;
}

export class AccessTokens {
  /** Form tokens, with the same secret. */
  readonly forms: FormTokens;
  /** The secret as a KeyObject, made once: given a string, jsonwebtoken first tries it as a public key, failing with an exception on every verify. */
  private readonly key: crypto.KeyObject;
  /**
   * Tokens that verified, with their claims: a client sends the same token
   * with every request until it expires, so its signature is checked once.
   * Only valid tokens enter; an entry is dropped when its token expires, and
   * the oldest beyond `VERIFIED_MAX`. Whether the session behind a token is
   * still live is not cached here (see authenticate()).
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(private readonly settings: TokenSettings) {
    this.forms = new FormTokens(settings);
    this.key = crypto.createSecretKey(Buffer.from(settings.secret, 'utf8'));
  }

  sign(userId: number, sessionId: string): { token: string; expiresAt: Date } {
    const { issuer, audience, accessTokenTtl } = this.settings;
    const token = jwt.sign({ user_id: userId, uid: sessionId, typ: 'access' }, this.key, {
      algorithm: 'HS256',
      expiresIn: accessTokenTtl,
      issuer,
      audience,
      subject: String(userId),
    });
    const { exp } = jwt.decode(token) as { exp: number };
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** The claims of a valid access token, or null for anything else (never throws). */
  verify(token: string, now = Date.now()): AccessClaims | null {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > now) return known;
      this.verified.delete(token);
      return null;
    }
    const claims = this.verifySignature(token);
    if (claims) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
    }
    return claims;
  }

  private verifySignature(token: string): AccessClaims | null {
    const { issuer, audience } = this.settings;
    try {
      const claims = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer, audience }) as Partial<AccessClaims>;
      if (claims.typ !== 'access' || typeof claims.uid !== 'string' || !Number.isInteger(claims.user_id)) return null;
      if (claims.sub !== String(claims.user_id)) return null;
      return Object.freeze(claims) as AccessClaims;
    } catch {
      return null;
    }
  }
}

/** What a form token lets its holder do: act for one session, on one subject, for one purpose. */
export interface FormClaims {
  user_id: number;
  /** Session id: the token dies with the session. */
  uid: string;
  /** What the form may change, e.g. the user id an edit form is for. */
  subject: string;
  purpose: string;
}

/**
 * Short-lived tokens embedded in server-rendered HTML forms (REST dialect 003's
 * edit form), which a browser submits without an Authorization header. Signed
 * with the access-token secret but typed `form` and bound to a purpose and a
 * subject, so one is never accepted as an access token, nor for another form.
 */
export class FormTokens {
  constructor(private readonly settings: Pick<TokenSettings, 'secret' | 'issuer' | 'audience'>) {}

  sign(claims: FormClaims, ttlSeconds: number): string {
    const { secret, issuer, audience } = this.settings;
    return jwt.sign({ typ: 'form', user_id: claims.user_id, uid: claims.uid, purpose: claims.purpose }, secret, {
      algorithm: 'HS256',
      expiresIn: ttlSeconds,
      issuer,
      audience: `${audience}:form`,
      subject: claims.subject,
    });
  }

  /** The claims of a valid, unexpired token for this purpose and subject, or null (never throws). */
  verify(token: string, purpose: string, subject: string): FormClaims | null {
    const { secret, issuer, audience } = this.settings;
    try {
      const claims = jwt.verify(token, secret, { algorithms: ['HS256'], issuer, audience: `${audience}:form`, subject }) as Record<string, unknown>;
      if (claims.typ !== 'form' || claims.purpose !== purpose || typeof claims.uid !== 'string' || !Number.isInteger(claims.user_id)) return null;
      return { user_id: claims.user_id as number, uid: claims.uid, subject, purpose };
    } catch {
      return null;
    }
  }
}

/** 256 random bits, URL-safe. */
export function randomToken(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * The configured JWT secret, or in development one generated once and kept
 * under DATA_DIR (mode 0600) so tokens survive restarts.
 */
export async function resolveJwtSecret(configured: string | null, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  try {
    const existing = (await fs.readFile(file, 'utf8')).trim();
    if (Buffer.byteLength(existing) >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomToken(48);
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(file, secret + '\n', { mode: 0o600 });
  return secret;
}
