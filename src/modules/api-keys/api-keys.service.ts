// API keys: create (the secret returned once), list, revoke. Verifying a key
// on a request is authentication's job (src/auth/authenticate.ts).
import type { Context } from '../../graphql/context.js';
import type { ApiKey as ApiKeyRow } from '../../generated/prisma/client.js';
import { AppError, FieldErrors, NotFoundError } from '../../common/errors.js';
import { parseIntId, requireSelfOrAdmin, requireSessionId, requireViewer } from '../../common/access.js';
import { recordAudit } from '../audit/audit.service.js';
import { requireRecentAuthentication } from '../mfa/second-factor.js';
import { API_KEY_SCOPES } from '../../auth/api-keys.js';
import type { CreateApiKeyInput, CreatedApiKey } from './api-keys.types.js';

const NAME_MAX = 100;
/** Live keys one user may hold. */
const LIVE_KEYS_MAX = 50;
const LONGEST_MS = 5 * 366 * 86_400_000;

type Ctx = Pick<Context, 'db' | 'viewer' | 'request' | 'logger' | 'apiKeySecrets' | 'config'>;

export async function createApiKey(ctx: Ctx, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  requireSessionId(ctx);
  const viewer = requireViewer(ctx);
  requireRecentAuthentication(ctx);
  const name = input.name?.trim() ?? '';
  const scopes = [...new Set(input.scopes ?? [])];
  const expiresAt = input.expiresAt ?? null;
  const errors = new FieldErrors();
  if (!name) errors.add('input.name', 'Name the key.');
  else if (name.length > NAME_MAX) errors.add('input.name', `At most ${NAME_MAX} characters.`);
  if (!scopes.length) errors.add('input.scopes', `Give at least one scope: ${API_KEY_SCOPES.join(' or ')}.`);
  if (expiresAt && Number.isNaN(expiresAt.getTime())) errors.add('input.expiresAt', 'Not a valid date.');
  else if (expiresAt && expiresAt.getTime() <= Date.now()) errors.add('input.expiresAt', 'Must be in the future.');
  else if (expiresAt && expiresAt.getTime() > Date.now() + LONGEST_MS) errors.add('input.expiresAt', 'At most 5 years ahead.');
  errors.throwIfAny();
  const live = await ctx.db.apiKey.count({ where: { userId: viewer.userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] } });
  if (live >= LIVE_KEYS_MAX) throw new AppError('BAD_USER_INPUT', `You already have ${LIVE_KEYS_MAX} live API keys; revoke one first.`);
  const { secret, prefix, hash } = ctx.apiKeySecrets.create();
  const row = await ctx.db.apiKey.create({ data: { userId: viewer.userId, name, prefix, secretHash: hash, scopes, expiresAt } });
  await recordAudit(ctx, 'api_key.created', { subjectUserId: viewer.userId, details: { apiKeyId: row.id, prefix, scopes } });
  return { apiKey: row, secret };
}

export function listApiKeys(ctx: Ctx, userId?: string | null): Promise<ApiKeyRow[]> {
  const viewer = requireViewer(ctx);
  const target = userId ? parseIntId(userId, 'userId') : viewer.userId;
  requireSelfOrAdmin(ctx, target);
  return ctx.db.apiKey.findMany({ where: { userId: target }, orderBy: { id: 'desc' }, take: 500 });
}

export async function revokeApiKey(ctx: Ctx, id: string): Promise<ApiKeyRow> {
  const viewer = requireViewer(ctx);
  const keyId = parseIntId(id);
  const key = await ctx.db.apiKey.findUnique({ where: { id: keyId } });
  // Another user's key is reported as missing, so ids cannot be probed.
  if (!key || (key.userId !== viewer.userId && !viewer.isAdmin)) throw new NotFoundError('API key');
  if (key.revokedAt) return key;
  const revoked = await ctx.db.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
  await recordAudit(ctx, 'api_key.revoked', { subjectUserId: key.userId, details: { apiKeyId: key.id, prefix: key.prefix } });
  return revoked;
}
