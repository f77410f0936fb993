// OAuth 2.0 client credentials grant (RFC 6749 section 4.4): an application
// (the admin-issued credentials of REST dialect 001) exchanges its id and
// secret for a short-lived access token that any service can verify against
// /.well-known/jwks.json. The token names the application, not a user: the
// gateway itself gives it no viewer. Errors are RFC 6749 section 5.2 bodies.
import express, { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../graphql/context.js';
import { verifyApplicationCredentials } from '../modules/applications/applications.service.js';
import { recordAudit } from '../modules/audit/audit.service.js';
import { RateLimitedError } from '../security/throttle.js';
import { isDatabaseUnavailable } from '../graphql/format-error.js';

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable';

function fail(res: Response, status: number, error: OAuthError, description: string): void {
  res.setHeader('Cache-Control', 'no-store');
  if (error === 'invalid_client') res.setHeader('WWW-Authenticate', 'Basic realm="usergraph", charset="UTF-8"');
  res.status(status).json({ error, error_description: description });
}

/** client_secret_basic (RFC 6749 2.3.1: form-urlencoded id and secret in Basic) or client_secret_post. */
function clientCredentials(req: Request, body: Record<string, unknown>): { uid: string; secret: string } | 'ambiguous' | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  const inBody = typeof body.client_id === 'string' || typeof body.client_secret === 'string';
  if (basic && inBody) return 'ambiguous';
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    try {
      return { uid: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')) };
    } catch {
      return null;
    }
  }
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') return { uid: body.client_id, secret: body.client_secret };
  return null;
}

export function oauthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.post('/oauth/token', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }), async (req, res, next) => {
    try {
      if (!req.is('application/x-www-form-urlencoded')) {
        return fail(res, 400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded (RFC 6749 section 4.4.2).');
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      const repeated = Object.entries(body).find(([, value]) => typeof value !== 'string');
      if (repeated) return fail(res, 400, 'invalid_request', `The parameter ${repeated[0]} must be sent once.`);
      if (!body.grant_type) return fail(res, 400, 'invalid_request', 'grant_type is required.');
      if (body.grant_type !== 'client_credentials') return fail(res, 400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
      if (body.scope !== undefined && body.scope !== '') return fail(res, 400, 'invalid_scope', 'Application tokens carry no scopes; leave scope out.');
      const credentials = clientCredentials(req, body);
      if (credentials === 'ambiguous')
        return fail(res, 400, 'invalid_request', 'Send the client credentials once: in the Authorization header or in the body, not both.');
      if (!credentials)
        return fail(res, 401, 'invalid_client', 'Client authentication failed: send client_id and client_secret (HTTP Basic or form parameters).');
      const ctx = { ...deps, viewer: null, request: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null }, logger: req.log ?? deps.logger };
      let application;
      try {
        application = await verifyApplicationCredentials(ctx, credentials.uid, credentials.secret);
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        res.setHeader('Retry-After', String(error.extensions.retryAfter));
        return fail(res, 429, 'temporarily_unavailable', error.message);
      }
      if (!application) return fail(res, 401, 'invalid_client', 'Client authentication failed: unknown client or wrong secret.');
      const ttl = deps.config.accessTokenTtl;
      const access = deps.tokens.signForClient(application, ttl);
      await recordAudit(ctx, 'oauth.token_issued', { applicationId: application.id, details: { grant: 'client_credentials' } });
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Pragma', 'no-cache');
      res.json({ access_token: access.token, token_type: 'Bearer', expires_in: ttl });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        res.setHeader('Retry-After', '5');
        return fail(res, 503, 'temporarily_unavailable', 'The service is temporarily unavailable; try again shortly.');
      }
      next(error);
    }
  });
  return router;
}
