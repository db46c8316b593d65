#!/usr/bin/env node
/**
 * The process: load and validate config once, build the app, listen, and shut down
 * gracefully on SIGTERM/SIGINT — stop accepting, end SSE streams, drain in-flight
 * requests, close pools — within `shutdownTimeoutMs`, then exit regardless.
 */
import { ConfigError, loadConfig } from './config.js';
import { buildApp } from './app.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const app = await buildApp(config, { defaultMetrics: true });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    {
      driver: app.database.driver,
      fanOut: config.redisUrl ? 'redis' : 'in-process',
      dataDir: config.databaseUrl ? undefined : config.dataDir,
    },
    'switchboard server ready',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`switchboard server failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
