// JSON:API 1.0 media type negotiation, for the dialects that speak JSON:API
// (`RestDialect.jsonApi`): "Servers MUST respond with a 415 Unsupported Media
// Type status code if a request specifies the header Content-Type:
// application/vnd.api+json with any media type parameters", and "with a 406
// Not Acceptable status code if a request's Accept header contains the JSON:API
// media type and all instances of that media type are modified with media type
// parameters". The `q` weight is an Accept parameter, not the media type's.
import type { IncomingHttpHeaders } from 'node:http';
import { HttpProblem, JSON_API } from './body.js';

interface MediaRange {
  type: string;
  /** Parameters other than the `q` weight, as written. */
  parameters: string[];
}

function mediaRange(text: string): MediaRange {
  const [type, ...rest] = text.split(';');
  const parameters = rest.map((p) => p.trim()).filter((p) => p && !/^q\s*=/i.test(p));
  return { type: type.trim().toLowerCase(), parameters };
}

/** Throws 415 or 406 as JSON:API 1.0 requires; does nothing for other requests. */
export function checkJsonApiMediaTypes(headers: IncomingHttpHeaders): void {
  const contentType = headers['content-type'];
  if (contentType) {
    const { type, parameters } = mediaRange(contentType);
    if (type === JSON_API && parameters.length) {
      throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', 415, `Send Content-Type ${JSON_API} without media type parameters (got ${parameters.join('; ')}).`);
    }
  }
  const accept = headers.accept;
  if (accept) {
    const jsonApi = accept
      .split(',')
      .map(mediaRange)
      .filter((range) => range.type === JSON_API);
    if (jsonApi.length && jsonApi.every((range) => range.parameters.length)) {
      throw new HttpProblem('NOT_ACCEPTABLE', 406, `Accept ${JSON_API} without media type parameters: every instance of it in Accept has some.`);
    }
  }
}
