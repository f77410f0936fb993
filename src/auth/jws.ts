// JSON Web Signatures in compact form (RFC 7515), on node:crypto only, for the
// four algorithms the gateway signs with. Synchronous, so issuing a token
// costs no extra event-loop turn. The verifier never takes a key or an
// algorithm from the token: the caller finds the key (by `kid`) and this
// checks that the header's `alg` is that key's algorithm, so `alg: none` and
// HS256-with-a-public-key (key confusion) cannot pass. Every other header
// (`jku`, `x5u`, `jwk`, ...) is ignored.
import crypto from 'node:crypto';

export type SigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA' | 'HS256';
export const ASYMMETRIC_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;

export interface JwsHeader {
  alg: string;
  kid?: string;
  typ?: string;
  [name: string]: unknown;
}

/** A key able to sign (private or secret) or only verify (public). */
export interface JwsKey {
  algorithm: SigningAlgorithm;
  key: crypto.KeyObject;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function rawSign(algorithm: SigningAlgorithm, data: Buffer, key: crypto.KeyObject): Buffer {
  switch (algorithm) {
    case 'HS256':
      return crypto.createHmac('sha256', key).update(data).digest();
    case 'ES256':
      return crypto.sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return crypto.sign('sha256', data, key);
    case 'EdDSA':
      return crypto.sign(null, data, key);
  }
}

function rawVerify(algorithm: SigningAlgorithm, data: Buffer, key: crypto.KeyObject, signature: Buffer): boolean {
  switch (algorithm) {
    case 'HS256': {
      if (key.type !== 'secret') return false;
      const expected = crypto.createHmac('sha256', key).update(data).digest();
      return expected.length === signature.length && crypto.timingSafeEqual(expected, signature);
    }
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && signature.length === 64 && crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'RS256':
      return key.asymmetricKeyType === 'rsa' && crypto.verify('sha256', data, key, signature);
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519' && crypto.verify(null, data, key, signature);
  }
}

export function signJws(payload: object, signer: JwsKey, kid?: string): string {
  const header = kid ? { alg: signer.algorithm, typ: 'JWT', kid } : { alg: signer.algorithm, typ: 'JWT' };
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${rawSign(signer.algorithm, Buffer.from(input), signer.key).toString('base64url')}`;
}

/** The header of a compact JWS, or null when it is not one (nothing is verified). */
export function peekHeader(token: string): JwsHeader | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 8192) return null;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
    return typeof (header as JwsHeader).alg === 'string' ? (header as JwsHeader) : null;
  } catch {
    return null;
  }
}

/** The payload if the signature verifies with `key` and the header names exactly its algorithm; null otherwise. */
export function verifyJws(token: string, key: JwsKey): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const header = peekHeader(token);
  if (!header || header.alg !== key.algorithm) return null;
  // RFC 7515 §4.1.11: a critical extension we do not understand must be refused.
  if (header.crit !== undefined) return null;
  const signature = Buffer.from(parts[2], 'base64url');
  if (!rawVerify(key.algorithm, Buffer.from(`${parts[0]}.${parts[1]}`), key.key, signature)) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
