// Entry point: `npm start`.
import { ConfigError, loadConfig } from './config.js';
import { createLogger, startServer } from './server.js';

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
  const server = await startServer(config, logger);
  logger.info({ port: server.port, url: `${server.url}/graphql`, database: config.databaseUrl ? 'postgresql' : 'pglite' }, 'usergraph listening');

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 15_000).unref();
    await server.close().catch((err) => logger.error({ err }, 'error during shutdown'));
    clearTimeout(timer);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error('usergraph failed to start:', error);
  process.exit(1);
});
