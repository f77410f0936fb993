// Streamed multipart/form-data for routes that take files (seed 000's video,
// seed 001's avatar). Like graphql-upload's processRequest: busboy parses the
// parts, each file is spooled through an fs-capacitor temp file (never held
// in memory), and fields may come before or after the file. Each file becomes
// an `Upload` value at its Rails-bracket place in the parsed body, so the
// route passes it to the same GraphQL mutation as /graphql does. The temp
// files are released when the response closes.
import type { Request, Response } from 'express';
import busboy from 'busboy';
import { WriteStream } from 'fs-capacitor';
import Upload from 'graphql-upload/Upload.mjs';
import { HttpProblem, parseRailsForm } from './body.js';

export interface MultipartLimits {
  /** Largest file part, in bytes (413 above). */
  maxFileBytes: number;
  /** File parts per request (413 above). */
  maxFiles: number;
  /** Total bytes of the non-file fields (413 above). */
  maxFieldBytes: number;
}

// eslint-disable-next-line no-control-regex -- the placeholder starts with NUL on purpose: no form text can forge one
const PLACEHOLDER = /^\u0000upload:(\d+)$/;
const MAX_FIELDS = 1000;

function fileUpload(capacitor: WriteStream, filename: string, mimetype: string, encoding: string): Upload {
  const upload = new Upload();
  // The temp file is read only if and when the resolver asks for it.
  upload.resolve({ filename, mimetype, encoding, createReadStream: (options) => capacitor.createReadStream(options) });
  return upload;
}

/** Puts each upload where its placeholder string landed in the nested params. */
function placeUploads(value: unknown, uploads: Upload[]): unknown {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value);
    return match && uploads[Number(match[1])] ? uploads[Number(match[1])] : value;
  }
  if (Array.isArray(value)) return value.map((item) => placeUploads(item, uploads));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeUploads(v, uploads)]));
  }
  return value;
}

/** Parses a multipart body into Rails-style params whose file parts are `Upload`s. */
export function readMultipart(req: Request, res: Response, limits: MultipartLimits): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: {
          fileSize: limits.maxFileBytes,
          files: limits.maxFiles,
          fields: MAX_FIELDS,
          fieldSize: limits.maxFieldBytes,
          parts: MAX_FIELDS + limits.maxFiles,
        },
      });
    } catch {
      reject(new HttpProblem('MALFORMED_BODY', 400, 'The multipart body could not be read (is the boundary missing?).'));
      return;
    }
    const pairs: string[] = [];
    const uploads: Upload[] = [];
    const capacitors: WriteStream[] = [];
    let fieldBytes = 0;
    let problem: HttpProblem | undefined;
    const fail = (p: HttpProblem) => {
      problem ??= p;
    };
    res.once('close', () => capacitors.forEach((c) => c.release()));

    parser.on('field', (name, value, info) => {
      fieldBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.valueTruncated || fieldBytes > limits.maxFieldBytes) return fail(new HttpProblem('PAYLOAD_TOO_LARGE', 413, 'The request body is too large.'));
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    });
    parser.on('file', (name, stream, info) => {
      if (problem) return stream.resume();
      const capacitor = new WriteStream();
      capacitor.on('error', () => {});
      capacitors.push(capacitor);
      stream.on('limit', () => {
        fail(new HttpProblem('PAYLOAD_TOO_LARGE', 413, `The file ${name} is larger than ${limits.maxFileBytes} bytes.`));
        stream.unpipe(capacitor);
        capacitor.destroy();
        stream.resume();
      });
      stream.on('error', (error) => capacitor.destroy(error));
      stream.pipe(capacitor);
      uploads.push(fileUpload(capacitor, info.filename ?? 'upload', info.mimeType, info.encoding));
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(`\u0000upload:${uploads.length - 1}`)}`);
    });
    parser.on('filesLimit', () =>
      fail(new HttpProblem('PAYLOAD_TOO_LARGE', 413, `Send at most ${limits.maxFiles} file${limits.maxFiles === 1 ? '' : 's'} per request.`)),
    );
    parser.on('fieldsLimit', () => fail(new HttpProblem('PAYLOAD_TOO_LARGE', 413, 'The request has too many parameters.')));
    parser.on('partsLimit', () => fail(new HttpProblem('PAYLOAD_TOO_LARGE', 413, 'The request has too many parts.')));
    parser.on('error', () => reject(new HttpProblem('MALFORMED_BODY', 400, 'The multipart body could not be read.')));
    parser.on('close', () => {
      if (problem) return reject(problem);
      try {
        resolve(placeUploads(parseRailsForm(pairs.join('&')), uploads) as Record<string, unknown>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('aborted', () => reject(new HttpProblem('MALFORMED_BODY', 400, 'The request was aborted.')));
    req.pipe(parser);
  });
}
