// Entry point: `npm start`.
import { ConfigError, loadConfig } from './config.js';
import { createLogger, startServer, type RunningServer } from './server.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`usergraph: configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);

  // One shutdown for SIGTERM and SIGINT, in every NODE_ENV: close everything
  // (HTTP drain, workers, Apollo, throttle, notifications, database, hasher),
  // then exit 0. The handlers are in place before start-up, so a signal that
  // arrives while migrations run waits for them instead of killing the
  // process mid-write. A repeated signal is logged and changes nothing; the
  // timer (the drain grace plus 15 s) ends a close that hangs.
  let server: RunningServer | undefined = undefined;
  let stopping: NodeJS.Signals | undefined;
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(
      () => {
        logger.error({ signal }, 'shutdown timed out');
        process.exit(1);
      },
      (config.shutdownGraceSeconds + 15) * 1000,
    ).unref();
    let code = 0;
    await server!.close().catch((err) => {
      code = 1;
      logger.error({ err }, 'error during shutdown');
    });
    clearTimeout(timer);
    if (code === 0) logger.info({ signal }, 'shutdown complete');
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return void logger.warn({ signal }, 'already shutting down');
      stopping = signal;
      if (server) void shutdown(signal);
      else logger.info({ signal }, 'signal received while starting; stopping once started');
    });
  }

  server = await startServer(config, logger);
  logger.info({ port: server.port, url: `${server.url}/graphql`, database: config.databaseUrl ? 'postgresql' : 'pglite' }, 'usergraph listening');
  if (stopping) await shutdown(stopping);
}

main().catch((error) => {
  console.error('usergraph failed to start:', error);
  process.exit(1);
});
