// Where uploads are spooled. graphql-upload and the REST multipart parser
// buffer each file part in a temporary file (fs-capacitor) named by
// os.tmpdir(), and delete it when the request ends or the process exits
// normally. A process killed outright (SIGKILL, OOM, power loss) cannot, so
// the spool lives under DATA_DIR, where every start-up empties it, rather than
// in the OS temp directory, where leftovers stay for good.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

export function spoolDirOf(dataDir: string): string {
  return path.join(dataDir, 'spool');
}

/**
 * Creates DATA_DIR/spool, deletes what a crashed process left in it, and makes
 * it this process's temp directory (TMPDIR), so every upload spools there.
 * Replicas sharing DATA_DIR lose nothing: on POSIX an open file survives its
 * deletion, and only files are deleted, never the directory.
 */
export async function prepareSpool(dataDir: string, logger: Logger): Promise<string> {
  const dir = spoolDirOf(dataDir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const stale = await fs.readdir(dir);
  await Promise.all(stale.map((name) => fs.rm(path.join(dir, name), { recursive: true, force: true }).catch(() => {})));
  if (stale.length) logger.info({ files: stale.length }, 'stale upload spool files removed');
  process.env.TMPDIR = dir;
  return dir;
}
