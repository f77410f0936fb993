// A short-lived, in-process cache of live sessions, so a burst of requests
// with one access token costs one database read, not one each.
//
// Revocation: every GraphQL mutation that could revoke a session or change a
// user's state or roles clears the whole cache once it has answered (see
// Authenticator.afterOperation, called by both transports), and a read that started before a clear is never
// stored, so on the replica that made the change it takes effect at once.
// Other replicas are told through the database (LISTEN/NOTIFY, see
// db/notifications.ts) and clear theirs when the notification arrives; the
// TTL (SESSION_CACHE_TTL_MS, default 1 s; 0 turns the cache off) bounds what
// a lost notification or a write made outside the API can leave stale.
import { Kind, OperationTypeNode, type OperationDefinitionNode } from 'graphql';
import type { AuthMethod } from './methods.js';

export interface LiveSession {
  userId: number;
  roles: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
  /** How the session's holder signed in. */
  amr: AuthMethod[];
  /** Epoch milliseconds of the last proof of identity (sign-in or reauthenticate). */
  authenticatedAt: number;
}

/**
 * Mutations that cannot revoke a session nor change an existing user: they
 * keep the cache. refreshSession revokes a session only when it detects a
 * reused token, and clears the cache itself then; clearing after every
 * refresh would empty the cache many times a second on a busy service.
 */
const KEEPS_SESSIONS = new Set(['login', 'register', 'refreshSession', 'verifyMfa']);

export class SessionCache {
  private readonly entries = new Map<string, { session: LiveSession; storedAt: number }>();
  private generation = 0;

  /**
   * @param ttlMs how long an entry is trusted; 0 disables the cache.
   * @param maxEntries oldest entries are dropped beyond this. Default 10,000.
   */
  constructor(
    private readonly ttlMs: number,
    private readonly options: {
      maxEntries?: number;
      /** Called after every clear() (not clearFromPeer()): tells the other replicas. */
      onClear?: () => void;
    } = {},
  ) {}

  get(sessionId: string, now = Date.now()): LiveSession | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    if (now - entry.storedAt >= this.ttlMs) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return entry.session;
  }

  /** Take before reading the database; pass to store(). */
  readStarted(): number {
    return this.generation;
  }

  /** Keeps a session read from the database, unless the cache was cleared since the read began. */
  store(sessionId: string, session: LiveSession, generation: number, now = Date.now()): void {
    if (this.ttlMs <= 0 || generation !== this.generation) return;
    if (this.entries.size >= (this.options.maxEntries ?? 10_000)) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(sessionId, { session, storedAt: now });
  }

  /** Forgets every session, here and (through onClear) on the other replicas. */
  clear(): void {
    this.clearFromPeer();
    this.options.onClear?.();
  }

  /** Forgets every session here only: another replica cleared its cache. */
  clearFromPeer(): void {
    this.generation++;
    this.entries.clear();
  }
}

function keepsSessions(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && KEEPS_SESSIONS.has(s.name.value));
}

/** Whether running this operation must clear the cache (the rule behind Authenticator.afterOperation). */
export function invalidatesSessions(operation: OperationDefinitionNode | null | undefined): boolean {
  return operation?.operation === OperationTypeNode.MUTATION && !keepsSessions(operation);
}
