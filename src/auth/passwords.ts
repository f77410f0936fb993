// Password hashing with bcryptjs. bcrypt reads only 72 bytes, so longer
// passwords are rejected instead of silently truncated. Hashing runs on a pool
// of worker threads, one per core (bcrypt-pool.ts): on the event loop, even
// bcryptjs's yielding async API let one core do every login and delayed every
// other request behind it.
import { BcryptPool } from './bcrypt-pool.js';

export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

/** A reason the password is unacceptable, or null. */
export function passwordProblem(password: string): string | null {
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes < PASSWORD_MIN_BYTES) return `Password must be at least ${PASSWORD_MIN_BYTES} characters long.`;
  if (bytes > PASSWORD_MAX_BYTES) return `Password must be at most ${PASSWORD_MAX_BYTES} bytes long (bcrypt ignores anything beyond).`;
  return null;
}

export class PasswordHasher {
  /** A hash of a throw-away password at the same cost, compared against when an account does not exist, so timing does not tell. */
  private decoy: Promise<string> | undefined;

  private readonly pool: BcryptPool;

  /** @param threads worker threads hashing in parallel; default one per core. */
  constructor(
    private readonly cost: number,
    threads?: number,
  ) {
    this.pool = new BcryptPool(threads);
  }

  async hash(password: string): Promise<string> {
    return (await this.pool.run({ op: 'hash', password, cost: this.cost })) as string;
  }

  /** Compares in constant work whether or not there is a hash to compare against. */
  async verify(password: string, hash: string | null | undefined): Promise<boolean> {
    if (!hash) {
      this.decoy ??= this.hash('usergraph-decoy-password');
      await this.compare(password, await this.decoy);
      return false;
    }
    return this.compare(password, hash);
  }

  /** Stops the worker threads (server shutdown). */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async compare(password: string, hash: string): Promise<boolean> {
    return (await this.pool.run({ op: 'compare', password, hash })) as boolean;
  }
}
