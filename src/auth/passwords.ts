// Password hashing with bcryptjs. bcrypt reads only 72 bytes, so longer
// passwords are rejected instead of silently truncated. The async API yields
// to the event loop between rounds, so hashing does not stall other requests.
import bcrypt from 'bcryptjs';

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

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  /** Compares in constant work whether or not there is a hash to compare against. */
  async verify(password: string, hash: string | null | undefined): Promise<boolean> {
    if (!hash) {
      this.decoy ??= bcrypt.hash('usergraph-decoy-password', this.cost);
      await bcrypt.compare(password, await this.decoy);
      return false;
    }
    return bcrypt.compare(password, hash);
  }
}
