// Admin operations on the keys that sign access tokens. The key store and its
// rules live in src/auth/signing-keys.ts; this checks who asks and audits.
import type { Context } from '../../graphql/context.js';
import { AppError, FieldErrors, NotFoundError } from '../../common/errors.js';
import { requireAdmin } from '../../common/access.js';
import { recordAudit } from '../audit/audit.service.js';
import { SigningKeyError, type KeyInfo } from '../../auth/signing-keys.js';
import type { SigningKey } from './signing-keys.types.js';

type Ctx = Pick<Context, 'db' | 'viewer' | 'request' | 'logger' | 'signingKeys'>;

function view(key: KeyInfo, now = Date.now()): SigningKey {
  const status = key.revokedAt
    ? 'revoked'
    : key.activatesAt.getTime() > now
      ? 'pending'
      : key.retiresAt && key.retiresAt.getTime() <= now
        ? 'retired'
        : 'active';
  return { ...key, status };
}

/** A SigningKeyError (keys from a file, or HS256) as a client error. */
async function managed<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SigningKeyError) throw new AppError('CONFLICT', error.message);
    throw error;
  }
}

export function listSigningKeys(ctx: Ctx): SigningKey[] {
  requireAdmin(ctx);
  return ctx.signingKeys.list().map((key) => view(key));
}

export async function rotateSigningKey(ctx: Ctx): Promise<SigningKey> {
  requireAdmin(ctx);
  const key = await managed(() => ctx.signingKeys.rotate());
  await recordAudit(ctx, 'signing_key.rotated', { details: { kid: key.kid, activatesAt: key.activatesAt.toISOString() } });
  return view(key);
}

export async function revokeSigningKey(ctx: Ctx, kid: string): Promise<SigningKey> {
  requireAdmin(ctx);
  const errors = new FieldErrors();
  if (!kid?.trim()) errors.add('kid', 'Name the key by its kid.');
  else if (kid.length > 100 || !/^[A-Za-z0-9_-]+$/.test(kid)) errors.add('kid', 'Not a key id (letters, digits, - and _, at most 100).');
  errors.throwIfAny();
  const key = await managed(() => ctx.signingKeys.revoke(kid));
  if (!key) throw new NotFoundError('Signing key');
  await recordAudit(ctx, 'signing_key.revoked', { details: { kid } });
  return view(key);
}
