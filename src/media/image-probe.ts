// Recognises PNG, JPEG, WebP and GIF by their bytes (never by a name or a
// declared type) and reads their dimensions from the headers, without decoding.

export type ImageType = 'png' | 'jpeg' | 'webp' | 'gif';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

export const IMAGE_CONTENT_TYPES: Record<ImageType, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** Reads `length` bytes at `offset` (fewer at the end of the data). */
export type ByteReader = (offset: number, length: number) => Promise<Buffer>;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ascii(buf: Buffer, start: number, end: number): string {
  return buf.subarray(start, end).toString('latin1');
}

async function jpegSize(read: ByteReader): Promise<{ width: number; height: number } | null> {
  let offset = 2;
  for (let segments = 0; segments < 1000; segments++) {
    const head = await read(offset, 9);
    if (head.length < 4 || head[0] !== 0xff) return null;
    const marker = head[1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan before any frame header
    const length = head.readUInt16BE(2);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (head.length < 9) return null;
      return { height: head.readUInt16BE(5), width: head.readUInt16BE(7) };
    }
    offset += 2 + length;
  }
  return null;
}

/** The image type and dimensions, or null when the bytes are not a supported image. */
export async function probeImage(read: ByteReader): Promise<ImageInfo | null> {
  const head = await read(0, 32);
  if (head.length >= 24 && head.subarray(0, 8).equals(PNG_SIGNATURE) && ascii(head, 12, 16) === 'IHDR') {
    return { type: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 10 && /^GIF8[79]a$/.test(ascii(head, 0, 6))) {
    return { type: 'gif', width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    const size = await jpegSize(read);
    return size ? { type: 'jpeg', ...size } : null;
  }
  if (head.length >= 30 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') {
    const chunk = ascii(head, 12, 16);
    if (chunk === 'VP8 ' && head[23] === 0x9d && head[24] === 0x01 && head[25] === 0x2a) {
      return { type: 'webp', width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
    }
    if (chunk === 'VP8L' && head[20] === 0x2f) {
      const bits = head.readUInt32LE(21);
      return { type: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') {
      return { type: 'webp', width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
    }
  }
  return null;
}

export function bufferReader(buf: Buffer): ByteReader {
  return async (offset, length) => buf.subarray(offset, offset + length);
}
