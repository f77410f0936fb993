// GET /auth/oidc/<provider>/callback: where OpenID providers send the browser
// back (register `<PUBLIC_URL>/auth/oidc/<id>/callback` at the provider). It
// answers with a redirect to the SPA's redirect URI carrying a one-time `code`,
// or `error` and `error_description`; a request with no valid state gets a
// 400 JSON error, since there is then no trusted place to send the browser.
import { Router } from 'express';
import type { AppDeps } from '../../graphql/context.js';
import { callbackUrl, handleCallback } from '../../modules/identities/provider-sign-in.service.js';
import { RateLimitedError } from '../../security/throttle.js';
import { isDatabaseUnavailable } from '../../graphql/format-error.js';

export function oidcRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/auth/oidc/:provider/callback', async (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    try {
      const ctx = { ...deps, viewer: null, request: { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null }, logger: req.log ?? deps.logger };
      // The redirect_uri this provider was sent (under PUBLIC_URL, whatever path a proxy strips), with the parameters it came back with.
      const provider = String(req.params.provider);
      const url = new URL(callbackUrl(deps, provider));
      url.search = new URL(req.originalUrl, 'http://callback.invalid').search;
      const outcome = await handleCallback(ctx, provider, url);
      if (outcome.kind === 'redirect') return res.redirect(303, outcome.location);
      res.status(outcome.status).json({ error: { code: outcome.code, message: outcome.message } });
    } catch (error) {
      if (error instanceof RateLimitedError) {
        res.setHeader('Retry-After', String(error.extensions.retryAfter));
        return res.status(429).json({ error: { code: 'RATE_LIMITED', message: error.message } });
      }
      if (isDatabaseUnavailable(error)) {
        res.setHeader('Retry-After', '5');
        return res.status(503).json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable; try again shortly.' } });
      }
      next(error);
    }
  });
  return router;
}
