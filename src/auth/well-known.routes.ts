// Discovery for services that verify the gateway's access tokens themselves:
// the public signing keys (RFC 7517 JWK Set) and an OpenID-style metadata
// document naming the issuer, the JWKS and the algorithms. Both are public
// and cacheable for less than half the publish-ahead window, so a verifier
// that caches them has seen a new key before it signs.
import { Router } from 'express';
import type { AppDeps } from '../graphql/context.js';
import { ASYMMETRIC_ALGORITHMS } from './jws.js';

/** Seconds a verifier may cache the JWKS and the metadata. */
export function discoveryMaxAge(publishAheadSeconds: number): number {
  return Math.min(300, Math.floor(publishAheadSeconds / 2));
}

export function wellKnownRoutes(deps: Pick<AppDeps, 'config' | 'signingKeys' | 'publicUrl'>): Router {
  const router = Router();
  const cacheControl = `public, max-age=${discoveryMaxAge(deps.config.jwtKeyPublishAheadSeconds)}`;
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', cacheControl);
    res.type('application/jwk-set+json').send(JSON.stringify(deps.signingKeys.jwks()));
  });
  router.get('/.well-known/openid-configuration', (_req, res) => {
    const { config } = deps;
    res.setHeader('Cache-Control', cacheControl);
    res.json({
      issuer: config.jwtIssuer,
      jwks_uri: `${deps.publicUrl}/.well-known/jwks.json`,
      token_endpoint: `${deps.publicUrl}/oauth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      // Tokens verifiable from the JWKS; HS256 needs the shared secret and is never advertised.
      id_token_signing_alg_values_supported: [...ASYMMETRIC_ALGORITHMS],
      token_endpoint_auth_signing_alg_values_supported: [...ASYMMETRIC_ALGORITHMS],
      access_token_signing_alg_values_supported: config.jwtAlgorithm === 'HS256' ? [] : [config.jwtAlgorithm],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
    });
  });
  return router;
}
