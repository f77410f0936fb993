// Access tokens (JWT signed with the active signing key, or with JWT_SECRET
// under HS256; algorithm, key, issuer and audience pinned) and opaque random
// tokens (refresh, confirmation, reset, application secrets) stored only as
// SHA-256 hashes.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { peekHeader, signJws, verifyJws, type JwsKey } from './jws.js';
import type { SigningKeys } from './signing-keys.js';
import { assuranceLevel, type AuthMethod } from './methods.js';

interface CommonClaims {
  sub: string;
  typ: 'access';
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

/** A token a user received by signing in: it acts for one session. */
export interface UserAccessClaims extends CommonClaims {
  user_id: number;
  /** Session id. */
  uid: string;
  /** How the user signed in (RFC 8176-style method references, src/auth/methods.ts). Absent from tokens issued before MFA existed. */
  amr?: AuthMethod[];
  /** Authenticator assurance level of that sign-in. */
  aal?: 'aal1' | 'aal2';
  client_id?: undefined;
}

/** A token an application received by the client credentials grant (`sub` is `application:<id>`). */
export interface ClientAccessClaims extends CommonClaims {
  client_id: string;
  app_id: number;
  user_id?: undefined;
}

export type AccessClaims = UserAccessClaims | ClientAccessClaims;

/** Verified access tokens kept by AccessTokens.verify(). */
const VERIFIED_MAX = 10_000;

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  accessTokenTtl: number;
}

/** What verify() says about a token it refuses because its key is not known here (yet). */
export const UNKNOWN_KEY = Symbol('unknown key');

export class AccessTokens {
  /** Form tokens, with the same secret. */
  readonly forms: FormTokens;
  /** The HS256 secret as a KeyObject, made once. */
  private readonly secretKey: JwsKey;
  /**
   * Tokens that verified, with their claims: a client sends the same token
   * with every request until it expires, so its signature is checked once.
   * Only valid tokens enter; an entry is dropped when its token expires, the
   * oldest beyond `VERIFIED_MAX`, and all of them when the keys change (a
   * revocation). Whether the session behind a token is still live is not
   * cached here (see authenticate()).
   */
  private readonly verified = new Map<string, AccessClaims>();

  constructor(
    private readonly settings: TokenSettings,
    private readonly keys: SigningKeys,
  ) {
    this.forms = new FormTokens(settings);
    this.secretKey = { algorithm: 'HS256', key: crypto.createSecretKey(Buffer.from(settings.secret, 'utf8')) };
  }

  /** An access token for a session; `amr` is how its user signed in (the session's methods), `aal` follows from it. */
  sign(userId: number, sessionId: string, amr: readonly AuthMethod[] = ['pwd']): { token: string; expiresAt: Date } {
    return this.issue({ sub: String(userId), user_id: userId, uid: sessionId, amr: [...amr], aal: assuranceLevel(amr) }, this.settings.accessTokenTtl);
  }

  /** A token for an application (OAuth client credentials grant), for other services: the gateway gives it no user. */
  signForClient(application: { id: number; uid: string }, ttlSeconds: number): { token: string; expiresAt: Date } {
    return this.issue({ sub: `application:${application.id}`, client_id: application.uid, app_id: application.id }, ttlSeconds);
  }

  private issue(subject: Record<string, unknown>, ttlSeconds: number): { token: string; expiresAt: Date } {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + ttlSeconds;
    const claims = { ...subject, typ: 'access', iss: this.settings.issuer, aud: this.settings.audience, iat, exp };
    const signer = this.keys.signer();
    const token = signer ? signJws(claims, signer, signer.kid) : signJws(claims, this.secretKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Forgets every verified token: the keys changed. */
  forgetVerified(): void {
    this.verified.clear();
  }

  /** The claims of a valid access token, UNKNOWN_KEY when its `kid` is not known here, or null for anything else (never throws). */
  verify(token: string, now = Date.now()): AccessClaims | typeof UNKNOWN_KEY | null {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > now) return known;
      this.verified.delete(token);
      return null;
    }
    const claims = this.verifySignature(token, now);
    if (claims && claims !== UNKNOWN_KEY) {
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims);
    }
    return claims;
  }

  private verifySignature(token: string, now: number): AccessClaims | typeof UNKNOWN_KEY | null {
    const header = peekHeader(token);
    if (!header) return null;
    let payload: Record<string, unknown> | null;
    if (header.alg === 'HS256') {
      // JWT_SECRET tokens: the configured algorithm, or (migration from HS256) issued before the first
      // signing key and expiring within one access-token lifetime of it, so none outlives the switch.
      const legacyUntil = this.keys.asymmetric ? this.keys.hs256IssuedBefore() : Infinity;
      payload = verifyJws(token, this.secretKey);
      if (payload && legacyUntil !== Infinity) {
        const issuedBefore = typeof payload.iat === 'number' && payload.iat * 1000 < legacyUntil;
        const expiresInTime = typeof payload.exp === 'number' && payload.exp * 1000 <= legacyUntil + this.settings.accessTokenTtl * 1000;
        if (!issuedBefore || !expiresInTime) return null;
      }
    } else {
      if (typeof header.kid !== 'string') return null;
      const key = this.keys.verifier(header.kid, now);
      if (!key) return UNKNOWN_KEY;
      payload = verifyJws(token, key);
    }
    return payload ? this.accessClaims(payload, now) : null;
  }

  private accessClaims(claims: Record<string, unknown>, now: number): AccessClaims | null {
    const { issuer, audience } = this.settings;
    if (claims.typ !== 'access' || claims.iss !== issuer) return null;
    if (!(claims.aud === audience || (Array.isArray(claims.aud) && claims.aud.includes(audience)))) return null;
    // exp is required: a token without one would never expire.
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now || typeof claims.iat !== 'number') return null;
    if (typeof claims.nbf === 'number' && claims.nbf * 1000 > now) return null;
    if (Number.isInteger(claims.user_id) && typeof claims.uid === 'string' && claims.client_id === undefined) {
      return claims.sub === String(claims.user_id) ? (Object.freeze(claims) as unknown as UserAccessClaims) : null;
    }
    if (typeof claims.client_id === 'string' && Number.isInteger(claims.app_id) && claims.user_id === undefined) {
      return claims.sub === `application:${String(claims.app_id)}` ? (Object.freeze(claims) as unknown as ClientAccessClaims) : null;
    }
    return null;
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
export function resolveJwtSecret(configured: string | null, dataDir: string): Promise<string> {
  return resolveSecret(configured, dataDir, 'jwt-secret');
}

/** KEY_ENCRYPTION_KEY, or in development one generated once under DATA_DIR (never the JWT secret). */
export function resolveKeyEncryptionKey(configured: string | null, dataDir: string): Promise<string> {
  return resolveSecret(configured, dataDir, 'key-encryption-key');
}

async function resolveSecret(configured: string | null, dataDir: string, name: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, name);
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
