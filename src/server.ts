// Composition root: config, database and migrations, the schema, Apollo
// Server with the drain plugin, then one HTTP app that mounts /graphql, the
// health checks and the REST dialects.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import pino, { type Logger } from 'pino';
import { ApolloServer, HeaderMap, type ContextFunction } from '@apollo/server';
import { expressMiddleware, type ExpressContextFunctionArgument } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { publicUrlOf, type Config } from './config.js';
import { applyMigrations, openDatabase, type Database } from './db/database.js';
import { waitForDatabase } from './db/wait-for-database.js';
import { PasswordHasher } from './auth/passwords.js';
import { AccessTokens, resolveJwtSecret, resolveKeyEncryptionKey } from './auth/tokens.js';
import { SessionCache } from './auth/session-cache.js';
import { SigningKeys } from './auth/signing-keys.js';
import { ApiKeySecrets, deriveKey } from './auth/api-keys.js';
import { MfaSecrets } from './modules/mfa/mfa-secrets.js';
import { Authenticator, authenticationPlugin } from './auth/authenticate.js';
import { wellKnownRoutes } from './auth/well-known.routes.js';
import { oauthRoutes } from './auth/oauth.routes.js';
import { OidcProviders } from './auth/oidc/providers.js';
import { oidcRoutes } from './auth/oidc/oidc.routes.js';
import { localNotifications, postgresNotifications } from './db/notifications.js';
import { createMailer } from './mail/mailer.js';
import { getSchema } from './graphql/schema.js';
import { graphqlJsonBody, leanJsonBody } from './http/graphql-body.js';
import { buildContext, expressRequestInfo, type AppDeps, type Context } from './graphql/context.js';
import { createFormatError, isDatabaseUnavailable, UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER } from './graphql/format-error.js';
import { ensureAdmin } from './modules/users/admin-bootstrap.js';
import { healthRoutes } from './http/health.js';
import { explorerLandingPage, graphiqlRoutes } from './http/explorer.js';
import { jsonErrorHandler, notFoundHandler } from './http/errors.js';
import { corsPolicy, requestLogging, securityHeaders } from './http/security.js';
import { leanGraphqlListener } from './http/lean-graphql.js';
import { noStorePlugin } from './http/no-store.js';
import { dbStatements, graphqlMetricsPlugin, httpMetrics, metricsRoutes } from './http/metrics.js';
import { createThrottle } from './security/throttle.js';
import { graphqlArmor } from './graphql/armor.js';
import { httpStatusPlugin } from './graphql/http-status.js';
import { AppError } from './common/errors.js';
import { LocalDiskStorage } from './storage/local-disk.js';
import { resolveBinaries } from './media/binaries.js';
import { mediaRoutes } from './media/media.routes.js';
import { uploadMiddleware } from './media/upload-middleware.js';
import { prepareSpool } from './media/spool.js';
import { VideoWorkerPool } from './modules/videos/video-workers.js';
import { createRestRouter } from './rest/index.js';
import { accountPageRoutes } from './pages/account.routes.js';
import { EventHub } from './modules/events/event-hub.js';
import { attachSubscriptions } from './graphql/subscriptions.js';
import { WebhookDispatcher } from './modules/webhooks/webhook-dispatcher.js';
import { secretBoxFor } from './modules/webhooks/webhooks.service.js';

export interface RunningServer {
  url: string;
  port: number;
  deps: AppDeps;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'usergraph' },
    redact: {
      paths: ['req.headers.authorization', '*.password', '*.token', '*.refreshToken', '*.secret', '*.clientSecret', '*.idToken'],
      censor: '[redacted]',
    },
  });
}

export async function startServer(config: Config, logger: Logger = createLogger(config)): Promise<RunningServer> {
  await prepareSpool(config.dataDir, logger);
  const db: Database = await openDatabase({ ...config, onStatement: () => dbStatements.inc() });
  await waitForDatabase(() => db.ping(), { timeoutMs: config.databaseStartupTimeout * 1000, logger }).catch(async (error) => {
    await db.close().catch(() => {});
    throw error;
  });
  const applied = await applyMigrations(db);
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  const hasher = new PasswordHasher(config.bcryptCost);
  if (config.adminEmail && config.adminPassword) {
    const adminId = await ensureAdmin(db.prisma, hasher, config.adminEmail, config.adminPassword);
    logger.info({ userId: adminId }, 'admin account ensured');
  }
  const secret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const keyEncryptionKey = await resolveKeyEncryptionKey(config.keyEncryptionKey, config.dataDir);
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, logger });
  const throttle = createThrottle(config, db.prisma);

  const app = express();
  app.disable('x-powered-by');
  // No ETags: GraphQL and REST answers are per caller and mostly POSTs; hashing every body only costs CPU.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  // The listener is set once Apollo has started: JSON POSTs to /graphql take the lean path (http/lean-graphql.ts), the rest the app.
  const httpServer = http.createServer({
    maxHeaderSize: config.maxHeaderBytes,
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
  });
  // Longer than a load balancer's idle timeout, so the balancer, not the
  // gateway, closes idle connections: no request is sent on a closing one.
  httpServer.keepAliveTimeout = config.keepAliveTimeoutMs;
  const storage = new LocalDiskStorage(path.join(config.dataDir, 'media'));
  const binaries = resolveBinaries(config.media);
  const videoWorkers = new VideoWorkerPool({ db: db.prisma, storage, binaries, config: config.media, logger, progress: (event) => void events.publish(event) });
  const notifications =
    db.kind === 'postgresql' && config.databaseUrl
      ? postgresNotifications({
          databaseUrl: config.databaseUrl,
          notify: (channel, payload) => db.prisma.$executeRaw`SELECT pg_notify(${channel}, ${payload})`,
          logger,
        })
      : localNotifications(logger, db.listen);
  // Live events for subscriptions: video status and progress, sessions, profiles, roles.
  const events = new EventHub(notifications, db.prisma, logger);
  // Webhook deliveries: a trigger NOTIFYs when it commits an event to the outbox.
  const webhooks = new WebhookDispatcher({
    db: db.prisma,
    secrets: await secretBoxFor(config),
    mailer,
    logger,
    config: config.webhooks,
    publicUrl: () => deps.publicUrl,
  });
  notifications.subscribe('usergraph_webhooks', () => webhooks.wake());
  // A new trim job wakes this replica's workers at once and every other replica's through the database.
  const media = {
    storage,
    binaries,
    wakeWorkers: () => {
      videoWorkers.wake();
      void notifications.publish('usergraph_video_jobs');
    },
  };
  notifications.subscribe('usergraph_video_jobs', () => videoWorkers.wake());
  const sessionCache = new SessionCache(config.sessionCacheTtlMs, { onClear: () => void notifications.publish('usergraph_sessions') });
  notifications.subscribe('usergraph_sessions', () => sessionCache.clearFromPeer());
  // Signing keys live in the database; a rotation or revocation on any replica reloads them on all.
  let tokens: AccessTokens | undefined = undefined;
  const signingKeys = new SigningKeys(
    {
      algorithm: config.jwtAlgorithm,
      rotationDays: config.jwtKeyRotationDays,
      publishAheadSeconds: config.jwtKeyPublishAheadSeconds,
      accessTokenTtl: config.accessTokenTtl,
      keysFile: config.jwtSigningKeysFile,
    },
    {
      db: db.prisma,
      encryptionKey: deriveKey(keyEncryptionKey, 'signing keys'),
      logger,
      announce: () => notifications.publish('usergraph_signing_keys'),
      onChange: () => tokens?.forgetVerified(),
    },
  );
  notifications.subscribe('usergraph_signing_keys', () => void signingKeys.reload().catch((err) => logger.error({ err }, 'could not reload signing keys')));
  await notifications.start();
  await signingKeys.start();
  tokens = new AccessTokens({ secret, issuer: config.jwtIssuer, audience: config.jwtAudience, accessTokenTtl: config.accessTokenTtl }, signingKeys);
  const apiKeySecrets = new ApiKeySecrets(deriveKey(keyEncryptionKey, 'api keys'));
  const mfaSecrets = MfaSecrets.fromKeyEncryptionKey(keyEncryptionKey);
  const auth = new Authenticator({
    db: db.prisma,
    tokens,
    keys: signingKeys,
    sessionCache,
    apiKeySecrets,
    throttle,
    logger,
    adminsNeedMfa: config.mfa.requiredForAdmins,
  });
  const deps: AppDeps = {
    config,
    db: db.prisma,
    hasher,
    tokens,
    mailer,
    logger,
    throttle,
    sessionCache,
    auth,
    signingKeys,
    apiKeySecrets,
    mfaSecrets,
    publicUrl: config.publicUrl ?? '',
    media,
    oidc: new OidcProviders(config.oidc, logger),
  };

  const armor = graphqlArmor(config);
  const subscriptions = attachSubscriptions({ httpServer, schema: await getSchema(), deps, events, validationRules: armor.validationRules });
  // Federation's libraries load only when FEDERATION is on.
  const subgraph = config.federation ? await import('./graphql/subgraph.js') : null;
  const apollo = new ApolloServer<Context>({
    schema: subgraph ? await subgraph.getSubgraphSchema() : await getSchema(),
    introspection: config.introspection,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.graphql.maxTokens },
    // No automatic persisted queries: nothing uses them, and their cache is memory a client could fill.
    persistedQueries: false,
    // main.ts owns SIGTERM/SIGINT: Apollo's own handler (on outside NODE_ENV=test)
    // stops only Apollo and re-sends the signal, killing the process before
    // the database is closed.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: config.env === 'development',
    formatError: createFormatError(logger, config.env === 'development'),
    validationRules: armor.validationRules,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceSeconds * 1000 }),
      subscriptions.drainPlugin,
      config.landingPage ? explorerLandingPage(config.graphqlExplorer) : ApolloServerPluginLandingPageDisabled(),
      // Nothing sets cache hints, and Apollo's default cache-control plugin wraps every resolver to compute them (about 8% of `me`);
      // noStorePlugin keeps the one thing it did here, `Cache-Control: no-store`.
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin(),
      ...armor.plugins,
      graphqlMetricsPlugin(),
      httpStatusPlugin(),
      authenticationPlugin(auth),
      ...(subgraph?.subgraphPlugins() ?? []),
    ],
  });
  await apollo.start();

  const graphqlContext: ContextFunction<[ExpressContextFunctionArgument], Context> = async ({ req, res }) => {
    try {
      // The request's logger is made only when a resolver logs (reading req.log makes the child logger, with its redaction).
      return await buildContext(deps, { ...expressRequestInfo(req), telemetry: (res.locals.telemetry = {}) });
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      req.log.error({ err: error }, 'database unavailable while authenticating');
      throw new AppError('SERVICE_UNAVAILABLE', UNAVAILABLE_MESSAGE, {
        http: { status: 503, headers: new HeaderMap([['retry-after', String(UNAVAILABLE_RETRY_AFTER)]]) },
      });
    }
  };
  // The app-level handlers in front of every route; the lean /graphql path runs the same list.
  const front = [requestLogging(logger), securityHeaders(config), corsPolicy(config), httpMetrics];
  const graphqlBody = graphqlJsonBody(config);
  const errorHandler = jsonErrorHandler(logger);
  for (const handler of front) app.use(handler);
  app.use('/graphql', graphqlBody, ...uploadMiddleware(config.media), expressMiddleware(apollo, { context: graphqlContext }));
  // After /graphql, so the busiest route skips these routers' path matching.
  app.use(healthRoutes(db));
  if (config.landingPage) app.use(graphiqlRoutes());
  app.use(wellKnownRoutes(deps));
  app.use(oauthRoutes(deps));
  app.use(oidcRoutes(deps));
  app.use(metricsRoutes(config, db.prisma));
  app.use(mediaRoutes(deps));
  app.use(accountPageRoutes(deps));
  app.use(await createRestRouter(deps));
  app.use(notFoundHandler);
  app.use(errorHandler);
  httpServer.on(
    'request',
    leanGraphqlListener({ app, apollo, context: graphqlContext, front, body: [leanJsonBody(config, graphqlBody)], onError: errorHandler }),
  );

  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  deps.publicUrl = publicUrlOf(config, port);
  const url = `http://localhost:${port}`;
  videoWorkers.start();
  webhooks.start();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    deps,
    close: () =>
      (closing ??= (async () => {
        signingKeys.stop();
        await Promise.all([videoWorkers.stop(), webhooks.stop()]);
        // Jobs handed back by the stop are free for the other replicas now.
        await notifications.publish('usergraph_video_jobs');
        await apollo.stop();
        await throttle.close();
        await notifications.close();
        await db.close();
        await hasher.close();
      })()),
  };
}
