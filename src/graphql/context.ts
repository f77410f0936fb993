// The per-request context shared by GraphQL resolvers and REST routes.
// Authentication happens once, here, through src/auth's authenticate(): a bad
// or missing credential gives `viewer = null`; authorisation happens later,
// in the services.
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { PasswordHasher } from '../auth/passwords.js';
import type { AccessTokens } from '../auth/tokens.js';
import type { SessionCache } from '../auth/session-cache.js';
import type { Authenticator, Viewer } from '../auth/authenticate.js';
import type { SigningKeys } from '../auth/signing-keys.js';
import type { ApiKeySecrets } from '../auth/api-keys.js';
import type { MfaSecrets } from '../modules/mfa/mfa-secrets.js';
import type { Mailer } from '../mail/mailer.js';
import type { Throttle } from '../security/throttle.js';
import type { MediaServices } from '../media/media-services.js';
import type { OidcProviders } from '../auth/oidc/providers.js';
import { createLoaders, type Loaders } from './loaders.js';

export { ADMIN_ROLE, type Viewer } from '../auth/authenticate.js';

/** What lives as long as the process: built once in the composition root. */
export interface AppDeps {
  config: Config;
  db: PrismaClient;
  hasher: PasswordHasher;
  tokens: AccessTokens;
  mailer: Mailer;
  logger: Logger;
  throttle: Throttle;
  /** Live sessions recently read, so authenticate() need not read them on every request. */
  sessionCache: SessionCache;
  /** The one entry point of authentication (src/auth/authenticate.ts), for every transport. */
  auth: Authenticator;
  /** The keys that sign access tokens, their rotation and revocation. */
  signingKeys: SigningKeys;
  /** Makes and hashes API key secrets. */
  apiKeySecrets: ApiKeySecrets;
  /** Seals TOTP secrets and hashes recovery codes (keys derived from KEY_ENCRYPTION_KEY). */
  mfaSecrets: MfaSecrets;
  /** Base URL for links in mail and REST documents. */
  publicUrl: string;
  /** Media storage, ffmpeg binaries and the trim workers' wake-up call. */
  media: MediaServices;
  /** The configured OpenID Connect providers (discovery cache, code exchange, ID token checks). */
  oidc: OidcProviders;
}

export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  /** The Accept-Language header, for the language of mails this request sends. */
  acceptLanguage?: string | null;
}

/** An API client that proved its credentials on this request. */
export interface ClientApplication {
  id: number;
  name: string;
}

export interface Context extends AppDeps {
  /** Notes for the HTTP layer's metrics (never read by services). */
  telemetry?: { operation?: string };
  viewer: Viewer | null;
  loaders: Loaders;
  request: RequestInfo;
  /**
   * Set only by a transport that checked application credentials (REST dialect
   * 001's `application_id <uid>, client_secret <secret>`); a login then records
   * the application on its session. Null on /graphql.
   */
  application: ClientApplication | null;
}

/** The request's logger, or a function that makes it on first use (a pino child logger with its redaction costs more than a small query). */
export type RequestLogger = Logger | (() => Logger);

const REQUEST_LOGGER = Symbol('request logger');
const prototypes = new WeakMap<AppDeps, object>();

/**
 * The part of every context that lives as long as the process: the deps, and
 * a `logger` getter that makes the request's logger only when something logs.
 * Contexts inherit it instead of copying the deps, because Apollo clones the
 * context of every operation with `Object.assign(Object.create(prototype),
 * context)`: own properties are copied (and own getters called) per request,
 * the prototype is shared.
 */
function contextPrototype(deps: AppDeps): object {
  let prototype = prototypes.get(deps);
  if (!prototype) {
    prototype = Object.create(deps, {
      logger: {
        enumerable: true,
        get(this: { [REQUEST_LOGGER]?: RequestLogger }) {
          const logger = this[REQUEST_LOGGER];
          return typeof logger === 'function' ? logger() : (logger ?? deps.logger);
        },
      },
    }) as object;
    prototypes.set(deps, prototype);
  }
  return prototype;
}

/** A copy of a context with other per-request values (e.g. a subscription's event hub); a spread would lose the shared prototype. */
export function extendContext<T extends object>(context: Context, extra: T): Context & T {
  return Object.assign(Object.create(Object.getPrototypeOf(context) as object) as Context, context, extra);
}

/** What an Express request tells buildContext about itself: credentials, client address, agent, language, and its logger made on first use. */
export function expressRequestInfo(req: Request): RequestInfo & { authorization?: string; logger: RequestLogger } {
  return {
    authorization: req.headers.authorization,
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
    acceptLanguage: req.get('accept-language') ?? null,
    logger: () => req.log,
  };
}

export async function buildContext(
  deps: AppDeps,
  request: RequestInfo & { authorization?: string | null; logger?: RequestLogger; telemetry?: { operation?: string } },
): Promise<Context> {
  const viewer = await deps.auth.authenticate(request);
  const context = Object.create(contextPrototype(deps)) as Context & { [REQUEST_LOGGER]?: RequestLogger };
  context.telemetry = request.telemetry;
  context.viewer = viewer;
  context.loaders = createLoaders(deps.db);
  context.request = { ip: request.ip, userAgent: request.userAgent, acceptLanguage: request.acceptLanguage ?? null };
  context.application = null;
  context[REQUEST_LOGGER] = request.logger;
  return context;
}
