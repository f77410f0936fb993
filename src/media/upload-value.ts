// For transports other than GraphQL multipart (the REST dialects): wraps a
// file stream as the value of an `Upload` variable, so a REST route runs the
// very same `uploadVideo` / `uploadAvatar` mutation, e.g.
//   apollo.executeOperation({ query, variables: { file: uploadFromStream(stream, name, type), ... } }, { contextValue })
// The stream is read once, by the resolver, straight into storage.
import type { Readable } from 'node:stream';
import Upload from 'graphql-upload/Upload.mjs';

export function uploadFromStream(stream: Readable, filename: string, mimetype = 'application/octet-stream', encoding = '7bit'): Upload {
  const upload = new Upload();
  let taken = false;
  upload.resolve({
    filename,
    mimetype,
    encoding,
    createReadStream: () => {
      if (taken) throw new Error('The upload stream was already read.');
      taken = true;
      return stream;
    },
  });
  return upload;
}

/** An upload whose stream failed (e.g. the REST parser hit its size limit): the resolver sees the error. */
export function failedUpload(error: Error & { status?: number }): Upload {
  const upload = new Upload();
  upload.reject(error);
  upload.promise.catch(() => {});
  return upload;
}
