// The REST compatibility layer: every dialect's routes on one router, plus
// the OpenAPI document generated from the same declarations. A new dialect is
// a folder with its RestDialect, added to DIALECTS.
import express, { type Router } from 'express';
import type { AppDeps } from '../graphql/context.js';
import { getSchema } from '../graphql/schema.js';
import { buildRestRouter } from './framework/router.js';
import { buildOpenApiDocument } from './framework/openapi.js';
import type { RestDialect } from './framework/types.js';
import { d000RailsJsonApi } from './d000-rails-jsonapi/index.js';
import { d001Beach } from './d001-beach/index.js';
import { d002Bedita } from './d002-bedita/index.js';
import { d003Sprint } from './d003-sprint/index.js';
import { d004Crafter } from './d004-crafter/index.js';

export const DIALECTS: RestDialect[] = [d000RailsJsonApi, d001Beach, d002Bedita, d003Sprint, d004Crafter];

export async function createRestRouter(deps: AppDeps, dialects: RestDialect[] = DIALECTS): Promise<Router> {
  const schema = await getSchema();
  const router = express.Router();
  // Built on first request: the public URL is known only once the server listens.
  let openapi: object | undefined;
  router.get('/rest/openapi.json', (_req, res) => {
    openapi ??= buildOpenApiDocument(dialects, deps.publicUrl);
    res.json(openapi);
  });
  router.use(await buildRestRouter(deps, schema, dialects));
  return router;
}
