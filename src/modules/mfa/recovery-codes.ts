// Recovery codes: 10 single-use codes shown once when a factor is confirmed
// (or the set regenerated), stored keyed-hashed (MfaSecrets). Each is 10
// characters from an alphabet without look-alikes, shown as `xxxxx-xxxxx`
// (50 bits), and read back ignoring case, spaces and dashes.
import crypto from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client.js';
import type { MfaSecrets } from './mfa-secrets.js';

export const RECOVERY_CODE_COUNT = 10;
/** 32 symbols: no l, o, 0 or 1. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 10;

export function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

export function looksLikeRecoveryCode(code: string): boolean {
  const normalized = normalizeRecoveryCode(code);
  return normalized.length === LENGTH && [...normalized].every((c) => ALPHABET.includes(c));
}

function newCode(): string {
  const bytes = crypto.randomBytes(LENGTH);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Replaces the user's recovery codes with a new set and returns it (the only time the codes are readable). */
export async function replaceRecoveryCodes(tx: Prisma.TransactionClient, secrets: MfaSecrets, userId: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await tx.mfaRecoveryCode.deleteMany({ where: { userId } });
  await tx.mfaRecoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: secrets.recoveryCodeHash(userId, normalizeRecoveryCode(code)) })) });
  return codes;
}

/** Uses up one of the user's recovery codes; false when it is not one of theirs or was used (once, even under concurrent use). */
export async function useRecoveryCode(db: Prisma.TransactionClient, secrets: MfaSecrets, userId: number, code: string): Promise<boolean> {
  if (!looksLikeRecoveryCode(code)) return false;
  const used = await db.mfaRecoveryCode.updateMany({
    where: { userId, codeHash: secrets.recoveryCodeHash(userId, normalizeRecoveryCode(code)), usedAt: null },
    data: { usedAt: new Date() },
  });
  return used.count === 1;
}

export function unusedRecoveryCodes(db: Prisma.TransactionClient, userId: number): Promise<number> {
  return db.mfaRecoveryCode.count({ where: { userId, usedAt: null } });
}
