// Media storage on the local disk under DATA_DIR/media/. Writes go to a
// scratch file first and are renamed into place, so a crash never leaves a
// half-written object under its final name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, TooLargeError, type ByteRange, type MediaStorage, type PutOptions, type StoredObject } from './storage.js';

export class LocalDiskStorage implements MediaStorage {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const full = path.join(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new Error(`Storage key escapes the root: ${key}`);
    return full;
  }

  async scratchDir(): Promise<string> {
    await fsp.mkdir(this.tmpDir, { recursive: true });
    return this.tmpDir;
  }

  private async scratchFile(): Promise<string> {
    return path.join(await this.scratchDir(), `put-${crypto.randomBytes(12).toString('hex')}`);
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    const scratch = await this.scratchFile();
    const maxBytes = options.maxBytes ?? Infinity;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) callback(new TooLargeError(maxBytes));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, fs.createWriteStream(scratch, { flags: 'wx', mode: 0o600 }));
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rename(scratch, target);
    } catch (error) {
      body.resume();
      await fsp.rm(scratch, { force: true });
      throw error;
    }
    return { key, size, modifiedAt: new Date() };
  }

  async putFile(key: string, localPath: string): Promise<StoredObject> {
    const target = this.pathOf(key);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.rename(localPath, target);
    const stats = await fsp.stat(target);
    return { key, size: stats.size, modifiedAt: stats.mtime };
  }

  async openRead(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    // Open first so a missing file fails here rather than in the middle of a response.
    const handle = await fsp.open(file, 'r');
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<StoredObject | null> {
    try {
      const stats = await fsp.stat(this.pathOf(key));
      return stats.isFile() ? { key, size: stats.size, modifiedAt: stats.mtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const target = this.pathOf(toKey);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.rename(this.pathOf(fromKey), target);
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    const trimmed = prefix.replace(/\/+$/, '');
    await fsp.rm(this.pathOf(trimmed), { recursive: true, force: true });
  }

  async localCopy(key: string): Promise<{ path: string; release(): Promise<void> }> {
    return { path: this.pathOf(key), release: async () => {} };
  }
}
