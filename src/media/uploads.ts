// Streams a GraphQL multipart upload (graphql-upload) into storage with a size
// limit, translating every way an upload can go wrong into a typed error.
import type { FileUpload } from 'graphql-upload/processRequest.mjs';
import { AppError, PayloadTooLargeError, ValidationError } from '../common/errors.js';
import { TooLargeError, type MediaStorage, type StoredObject } from '../storage/storage.js';

export interface StoredUpload {
  stored: StoredObject;
  /** The client's filename: kept for display only, never used in a path or a command. */
  filename: string;
}

/** A byte limit as people write it: `500 MB`, `50 KB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${Math.round((bytes / 1_000_000) * 10) / 10} MB`;
  if (bytes >= 1000) return `${Math.round(bytes / 100) / 10} KB`;
  return `${bytes} bytes`;
}

function translate(error: unknown, field: string, maxBytes: number): never {
  if (error instanceof AppError) throw error;
  const status = (error as { status?: number } | null)?.status;
  if (error instanceof TooLargeError || status === 413) {
    throw new PayloadTooLargeError(`The file is larger than the ${formatBytes(maxBytes)} limit.`, field);
  }
  if (status === 400) throw new ValidationError([{ field, message: (error as Error).message }]);
  throw error;
}

/**
 * Bytes per read of the upload's spool file. fs-capacitor reads 16 KiB at a
 * time by default, which made copying a 1 GB upload into storage slower than
 * receiving it; 64 KiB matches the socket's chunks. Larger is slower while the
 * copy keeps up with the upload: each read allocates this much, however
 * little the spool holds yet.
 */
const SPOOL_READ_BYTES = 64 * 1024;

/** Reads the upload into storage under `key`; on any failure nothing is left stored. */
export async function storeUpload(
  storage: MediaStorage,
  upload: Promise<FileUpload> | FileUpload,
  key: string,
  maxBytes: number,
  field = 'file',
): Promise<StoredUpload> {
  try {
    const file = await upload;
    if (!file || typeof file.createReadStream !== 'function') {
      throw new ValidationError([{ field, message: 'Send the file as a multipart upload.' }]);
    }
    const stored = await storage.put(key, file.createReadStream({ highWaterMark: SPOOL_READ_BYTES }), { maxBytes });
    if (stored.size === 0) {
      await storage.delete(key);
      throw new ValidationError([{ field, message: 'The file is empty.' }]);
    }
    return { stored, filename: String(file.filename ?? '').slice(0, 255) };
  } catch (error) {
    translate(error, field, maxBytes);
  }
}
