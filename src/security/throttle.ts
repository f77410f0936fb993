// Abuse limits on rate-limiter-flexible: counters in the database by default
// (so every replica shares them), in Redis when REDIS_URL is set.
//
// Logins follow Keycloak's brute-force detector: every failed attempt counts
// (15 aliased login fields are 15 attempts), and after N consecutive failures
// the account is locked for a while; each further lock within a day doubles
// the wait, up to a ceiling. The key is the account once the identifier
// resolves to one (so its email and username share one lock), otherwise the
// identifier as typed (normalised), so unknown accounts lock exactly like real
// ones (see loginLockKey).
import { Redis } from 'ioredis';
import { RateLimiterPrisma, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract, type IRateLimiterStoreOptions } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { AppError } from '../common/errors.js';

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    super('RATE_LIMITED', `${message} Try again in ${retryAfter} seconds.`, { retryAfter });
  }
}

type Limit = 'resetPerAccount' | 'resetPerIp' | 'tokenGuessPerIp' | 'registrationPerIp' | 'passkeySignInPerIp';

export interface Throttle {
  /** Throws RATE_LIMITED while the account or the client IP is locked out of logging in. */
  assertLoginAllowed(identifier: string, ip: string | null): Promise<void>;
  /** Counts a failed login; returns the lock length in seconds when this failure locked the account. */
  loginFailed(identifier: string, ip: string | null): Promise<number | null>;
  loginSucceeded(identifier: string): Promise<void>;
  /** Consumes one point of a limit; throws RATE_LIMITED when it is used up. */
  consume(limit: Limit, key: string): Promise<void>;
  /**
   * Throws RATE_LIMITED when a limit is already used up, without consuming
   * (checked before guessable work). A "not used up" answer is trusted for
   * SESSION_CACHE_TTL_MS, the session cache's staleness rule: a consume of the
   * same key on this replica forgets it at once (and a read that began before
   * that consume is not kept), so only another replica's guesses can go unseen
   * here, for at most that long.
   */
  assertAvailable(limit: Limit, key: string): Promise<void>;
  /** Lifts every login lock on these identifiers (admin unlock). */
  unlock(identifiers: string[]): Promise<void>;
  close(): Promise<void>;
}

const HOUR = 3600;
const DAY = 86400;

/** Emails and usernames are both case-insensitive. */
export function normalizeIdentifier(identifier: string): string {
  return identifier.trim().toLowerCase();
}

/** The login-lock key: the account when the identifier names one, else the identifier itself (prefixed, so the two never collide). */
export function loginLockKey(identifier: string, userId: number | null | undefined): string {
  return userId != null ? `account:${userId}` : `identifier:${normalizeIdentifier(identifier)}`;
}

export function createThrottle(config: Config, db: PrismaClient): Throttle {
  const redis = config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false }) : null;
  const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
    const options: IRateLimiterStoreOptions = { keyPrefix: `ug:${keyPrefix}`, points, duration, storeClient: redis ?? db };
    return redis ? new RateLimiterRedis(options) : new RateLimiterPrisma({ ...options, tableName: 'rateLimiterFlexible' });
  };
  const t = config.throttle;
  const accountFailures = limiter('login_fail_account', t.loginFailuresPerAccount, DAY);
  const accountLocks = limiter('login_lock_account', 1, DAY); // blocked keys only
  const accountLockCount = limiter('login_lock_count', 10_000, DAY);
  const ipFailures = limiter('login_fail_ip', t.loginFailuresPerIp, HOUR);
  const limits: Record<Limit, { limiter: RateLimiterAbstract; message: string }> = {
    resetPerAccount: { limiter: limiter('reset_account', t.resetRequestsPerAccount, HOUR), message: 'Too many requests for this account.' },
    resetPerIp: { limiter: limiter('reset_ip', t.resetRequestsPerIp, HOUR), message: 'Too many requests from your network.' },
    tokenGuessPerIp: { limiter: limiter('token_ip', t.tokenGuessesPerIp, 600), message: 'Too many invalid tokens from your network.' },
    registrationPerIp: { limiter: limiter('register_ip', t.registrationsPerIp, HOUR), message: 'Too many registrations from your network.' },
    passkeySignInPerIp: { limiter: limiter('passkey_sign_in_ip', t.passkeySignInsPerIp, 600), message: 'Too many passkey sign-ins from your network.' },
  };

  // assertAvailable's "not used up" answers: `${limit}\n${key}` -> when read; consume() forgets the key.
  const available = new Map<string, number>();
  const availableTtlMs = config.sessionCacheTtlMs;
  let consumed = 0;

  /** Seconds left on a block, or 0. A blocked key has consumed more than its points. */
  const blockedFor = async (l: RateLimiterAbstract, key: string): Promise<number> => {
    const res = await l.get(key);
    return res && res.consumedPoints > l.points && res.msBeforeNext > 0 ? res.msBeforeNext / 1000 : 0;
  };

  return {
    async assertLoginAllowed(identifier, ip) {
      const key = normalizeIdentifier(identifier);
      const [accountWait, ipWait] = await Promise.all([blockedFor(accountLocks, key), ip ? blockedFor(ipFailures, ip) : 0]);
      const wait = Math.max(accountWait, ipWait);
      if (wait > 0) throw new RateLimitedError('Too many failed sign-in attempts.', wait);
    },

    async loginFailed(identifier, ip) {
      const key = normalizeIdentifier(identifier);
      if (ip) await ipFailures.consume(ip).catch((e) => rethrowUnlessLimit(e));
      const res = await accountFailures.consume(key).catch((e) => rethrowUnlessLimit(e));
      if (res.remainingPoints > 0) return null;
      const locks = await accountLockCount.consume(key);
      const seconds = Math.min(t.loginLockSeconds * 2 ** (locks.consumedPoints - 1), t.loginMaxLockSeconds);
      await accountLocks.block(key, seconds);
      await accountFailures.delete(key);
      return seconds;
    },

    async loginSucceeded(identifier) {
      await accountFailures.delete(normalizeIdentifier(identifier));
    },

    async consume(limit, key) {
      const { limiter: l, message } = limits[limit];
      consumed++;
      available.delete(`${limit}\n${key}`);
      try {
        await l.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw new RateLimitedError(message, error.msBeforeNext / 1000);
        throw error;
      }
    },

    async assertAvailable(limit, key) {
      const { limiter: l, message } = limits[limit];
      const cacheKey = `${limit}\n${key}`;
      const readAt = available.get(cacheKey);
      if (readAt !== undefined && Date.now() - readAt < availableTtlMs) return;
      const started = consumed;
      const now = Date.now();
      const res = await l.get(key);
      if (res && res.consumedPoints >= l.points && res.msBeforeNext > 0) throw new RateLimitedError(message, res.msBeforeNext / 1000);
      if (availableTtlMs > 0 && started === consumed) {
        if (available.size >= 10_000) available.delete(available.keys().next().value!);
        available.set(cacheKey, now);
      }
    },

    async unlock(identifiers) {
      for (const id of identifiers.map(normalizeIdentifier)) {
        await Promise.all([accountLocks.delete(id), accountFailures.delete(id), accountLockCount.delete(id)]);
      }
    },

    async close() {
      redis?.disconnect();
    },
  };
}

/** rate-limiter-flexible rejects with a RateLimiterRes when points run out: counting went through. */
function rethrowUnlessLimit(error: unknown): RateLimiterRes {
  if (error instanceof RateLimiterRes) return error;
  throw error;
}
