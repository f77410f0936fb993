// A small RFC 6238 (TOTP) implementation for the tests, independent of the
// library the server uses, checked against the RFC's appendix B vectors in
// test/mfa.test.ts. Codes are HOTP (RFC 4226) over the 30-second step.
import crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, as authenticator apps read secrets (padding and case ignored). */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP value of `counter`, `digits` long. */
export function hotp(key: Buffer, counter: number, digits = 6, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** RFC 6238 TOTP at `unixSeconds` (step 30 s from T0 = 0). */
export function totp(key: Buffer, unixSeconds = Date.now() / 1000, digits = 6, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  return hotp(key, Math.floor(unixSeconds / 30), digits, algorithm);
}

/** The code an authenticator app shows for a base32 secret, `stepOffset` steps from now. */
export function totpFor(secret: string, stepOffset = 0, now = Date.now()): string {
  return totp(base32Decode(secret), now / 1000 + stepOffset * 30);
}
