// Dialect 000: POST /api/v1/users/video, multipart (name, source_file,
// trimming_start_time, duration) streamed into the same uploadVideo mutation
// as /graphql. The answer is the queued `videos` resource; the trim runs in
// the background (poll the GraphQL `video(id)`).
import Upload from 'graphql-upload/Upload.mjs';
import { ValidationError } from '../../common/errors.js';
import { MULTIPART } from '../framework/body.js';
import { ParamReader, RAILS_BOILERPLATE } from '../framework/params.js';
import type { RestRoute } from '../framework/types.js';
import { signedIn } from '../framework/auth.js';
import { jsonApiError, resource } from './conventions.js';
import { RestD000VideoDocument, type RestD000VideoMutation, type RestD000VideoMutationVariables } from '../__generated__/operations.js';

const RENAMES = { file: 'source_file', trimStart: 'trimming_start_time', duration: 'duration', name: 'name' };
const NUMBER = /^\s*\d{1,7}(\.\d{1,6})?\s*$/;

/** A form number (Rails sends strings): seconds, non-negative, plain decimal. */
function seconds(read: ParamReader, source: Record<string, unknown>, key: string): number | undefined {
  const text = read.string(source, key, key);
  if (text === undefined || text === '') return undefined;
  if (!NUMBER.test(text)) {
    read.errors.add(key, `Invalid parameter ${key}: must be a number of seconds`);
    return undefined;
  }
  return Number(text);
}

export const video: RestRoute<RestD000VideoMutation, RestD000VideoMutationVariables> = {
  name: 'createVideo',
  method: 'POST',
  path: '/api/v1/users/video',
  auth: [signedIn], // refused before the file is read
  uploads: { maxFileBytes: (config) => config.media.videoMaxBytes },
  operation: RestD000VideoDocument,
  variables(req) {
    if (req.contentType !== MULTIPART) throw new ValidationError([{ field: 'source_file', message: 'Send the video as multipart/form-data.' }]);
    const params = req.body as Record<string, unknown>;
    const read = new ParamReader();
    read.onlyKnown(params, ['name', 'source_file', 'trimming_start_time', 'duration', ...RAILS_BOILERPLATE], (k) => k);
    const name = read.string(params, 'name', 'name', { required: true });
    const file = params.source_file;
    if (file === undefined) read.errors.add('source_file', 'Missing parameter source_file');
    else if (!(file instanceof Upload)) read.errors.add('source_file', 'Invalid parameter source_file: must be a file');
    const trimStart = seconds(read, params, 'trimming_start_time');
    const duration = seconds(read, params, 'duration');
    read.throwIfAny();
    return { file, name, trimStart, duration };
  },
  respond: ({ uploadVideo }) => ({
    status: 201,
    body: resource(
      'videos',
      uploadVideo.id,
      { name: uploadVideo.name },
      { relationships: { user: { meta: { included: false } }, request: { meta: { included: false } } } },
    ),
  }),
  error: (error) => jsonApiError(error, RENAMES),
  doc: {
    summary: 'Create a new user video',
    description: 'The video is trimmed in the background from trimming_start_time for duration seconds; the answer is immediate.',
    body: {
      contentTypes: [MULTIPART],
      required: true,
      schema: {
        type: 'object',
        required: ['name', 'source_file'],
        properties: {
          name: { type: 'string' },
          source_file: { type: 'string', format: 'binary' },
          trimming_start_time: { type: 'string', description: 'Seconds, default 0' },
          duration: { type: 'string', description: 'Seconds, default the rest of the video' },
        },
      },
    },
    responses: {
      201: {
        description: 'The queued video',
        schema: {
          type: 'object',
          required: ['data', 'jsonapi'],
          properties: {
            data: {
              type: 'object',
              required: ['id', 'type', 'attributes', 'relationships'],
              properties: {
                id: { type: 'string' },
                type: { const: 'videos' },
                attributes: { type: 'object', properties: { name: { type: 'string' } } },
                relationships: { type: 'object' },
              },
            },
            jsonapi: { type: 'object', properties: { version: { const: '1.0' } } },
          },
        },
      },
      401: { description: 'Missing or invalid Bearer token' },
      422: { description: 'Missing or invalid parameters, or a file that is not a usable video, one error per parameter with its source pointer' },
      429: { description: 'Too many videos waiting to be processed' },
    },
  },
};
