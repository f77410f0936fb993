// TOTP (RFC 6238) as authenticator apps speak it: SHA-1, 6 digits, 30-second
// steps, one step of clock skew either way, through the otpauth library. The
// QR code is an SVG rendered here, so the secret never leaves for a
// third-party image service.
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Steps of clock skew accepted either way. */
const WINDOW = 1;
const CODE = /^\d{6}$/;

/** A new 160-bit secret (RFC 4226's recommended length), base32 as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/...` URL an app scans. */
export function totpUrl(issuer: string, account: string, secret: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secret), ...PARAMETERS }).toString();
}

export function qrCodeSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** A code as typed: spaces and dashes dropped ("123 456"). */
export function normalizeTotpCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

export function looksLikeTotpCode(code: string): boolean {
  return CODE.test(normalizeTotpCode(code));
}

/** The time step the code belongs to (within one step of now), or null when it matches none. */
export function totpStep(secret: string, code: string, now = Date.now()): number | null {
  const token = normalizeTotpCode(code);
  if (!CODE.test(token)) return null;
  const totp = new TOTP({ secret: Secret.fromBase32(secret), ...PARAMETERS });
  const delta = totp.validate({ token, timestamp: now, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}
