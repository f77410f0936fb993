// Composition root: config, database and migrations, the schema, Apollo
// Server with the drain plugin, then one HTTP app that mounts /graphql, the
// health checks and the REST dialects.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import pino, { type Logger } from 'pino';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { avatarBodyLimit, publicUrlOf, type Config } from './config.js';
import { applyMigrations, openDatabase, type Database } from './db/database.js';
import { PasswordHasher } from './auth/passwords.js';
import { AccessTokens, resolveJwtSecret } from './auth/tokens.js';
import { SessionCache, sessionCacheInvalidation } from './auth/session-cache.js';
import { localNotifications, postgresNotifications } from './db/notifications.js';
import { createMailer } from './mail/mailer.js';
import { getSchema } from './graphql/schema.js';
import { buildContext, type AppDeps, type Context } from './graphql/context.js';
import { createFormatError } from './graphql/format-error.js';
import { ensureAdmin } from './modules/users/admin-bootstrap.js';
import { healthRoutes } from './http/health.js';
import { jsonErrorHandler, notFoundHandler } from './http/errors.js';
import { corsPolicy, requestLogging, securityHeaders } from './http/security.js';
import { graphqlMetricsPlugin, httpMetrics, metricsRoutes } from './http/metrics.js';
import { createThrottle } from './security/throttle.js';
import { graphqlArmor } from './graphql/armor.js';
import { httpStatusPlugin } from './graphql/http-status.js';
import { isDatabaseUnavailable } from './graphql/format-error.js';
import { AppError } from './common/errors.js';
import { LocalDiskStorage } from './storage/local-disk.js';
import { resolveBinaries } from './media/binaries.js';
import { mediaRoutes } from './media/media.routes.js';
import { uploadMiddleware } from './media/upload-middleware.js';
import { VideoWorkerPool } from './modules/videos/video-workers.js';
import { createRestRouter } from './rest/index.js';
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
    redact: { paths: ['req.headers.authorization', '*.password', '*.token', '*.refreshToken', '*.secret'], censor: '[redacted]' },
  });
}

export async function startServer(config: Config, logger: Logger = createLogger(config)): Promise<RunningServer> {
  const db: Database = await openDatabase(config);
  const applied = await applyMigrations(db);
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  const hasher = new PasswordHasher(config.bcryptCost);
  if (config.adminEmail && config.adminPassword) {
    const adminId = await ensureAdmin(db.prisma, hasher, config.adminEmail, config.adminPassword);
    logger.info({ userId: adminId }, 'admin account ensured');
  }
  const secret = await resolveJwtSecret(config.jwtSecret, config.dataDir);
  const tokens = new AccessTokens({ secret, issuer: config.jwtIssuer, audience: config.jwtAudience, accessTokenTtl: config.accessTokenTtl });
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, logger });
  const throttle = createThrottle(config, db.prisma);

  const app = express();
  app.disable('x-powered-by');
  // No ETags: GraphQL and REST answers are per caller and mostly POSTs; hashing every body only costs CPU.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  const httpServer = http.createServer(
    { maxHeaderSize: config.maxHeaderBytes, requestTimeout: config.requestTimeoutMs, headersTimeout: Math.min(20_000, config.requestTimeoutMs) },
    app,
  );
  const storage = new LocalDiskStorage(path.join(config.dataDir, 'media'));
  const binaries = resolveBinaries(config.media);
  const videoWorkers = new VideoWorkerPool({ db: db.prisma, storage, binaries, config: config.media, logger, progress: (event) => void events.publish(event) });
  const notifications =
    db.kind === 'postgresql' && config.databaseUrl
      ? postgresNotifications({ databaseUrl: config.databaseUrl, notify: (channel, payload) => db.prisma.$executeRaw`SELECT pg_notify(${channel}, ${payload})`, logger })
      : localNotifications(logger, db.listen);
  // Live events for subscriptions: video status and progress, sessions, profiles, roles.
  const events = new EventHub(notifications, db.prisma, logger);
  // Webhook deliveries: a trigger NOTIFYs when it commits an event to the outbox.
  const webhooks = new WebhookDispatcher({ db: db.prisma, secrets: await secretBoxFor(config), mailer, logger, config: config.webhooks, publicUrl: () => deps.publicUrl });
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
  await notifications.start();
  const deps: AppDeps = { config, db: db.prisma, hasher, tokens, mailer, logger, throttle, sessionCache, publicUrl: config.publicUrl ?? '', media };

  const armor = graphqlArmor(config);
  const subscriptions = attachSubscriptions({ httpServer, schema: await getSchema(), deps, events, validationRules: armor.validationRules });
  const apollo = new ApolloServer<Context>({
    schema: await getSchema(),
    introspection: config.introspection,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.graphql.maxTokens },
    // No automatic persisted queries: nothing uses them, and their cache is memory a client could fill.
    persistedQueries: false,
    includeStacktraceInErrorResponses: config.env === 'development',
    formatError: createFormatError(logger, config.env === 'development'),
    validationRules: armor.validationRules,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceSeconds * 1000 }),
      subscriptions.drainPlugin,
      config.landingPage ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
      ...armor.plugins,
      graphqlMetricsPlugin(),
      httpStatusPlugin(),
      sessionCacheInvalidation(sessionCache),
    ],
  });
  await apollo.start();

  app.use(requestLogging(logger));
  app.use(securityHeaders(config));
  app.use(corsPolicy(config));
  app.use(httpMetrics);
  // A base64 avatar travels in the JSON body: let the body hold the largest one.
  const jsonLimit = avatarBodyLimit(config);
  app.use(
    '/graphql',
    express.json({ limit: jsonLimit }),
    ...uploadMiddleware(config.media),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          return await buildContext(deps, {
            telemetry: (res.locals.telemetry = {}),
            authorization: req.headers.authorization,
            ip: req.ip ?? null,
            userAgent: req.get('user-agent') ?? null,
            logger: req.log,
          });
        } catch (error) {
          if (!isDatabaseUnavailable(error)) throw error;
          req.log.error({ err: error }, 'database unavailable while authenticating');
          throw new AppError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; try again shortly.', {
            http: { status: 503, headers: new HeaderMap([['retry-after', '5']]) },
          });
        }
      },
    }),
  );
  // After /graphql, so the busiest route skips these routers' path matching.
  app.use(healthRoutes(db));
  app.use(metricsRoutes(config, db.prisma));
  app.use(mediaRoutes(deps));
  app.use(await createRestRouter(deps));
  app.use(notFoundHandler);
  app.use(jsonErrorHandler(logger));

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
