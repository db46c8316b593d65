/**
 * About once a second (sooner when delivery asks): set up the database if it isn't yet,
 * resync environments behind Postgres, end streams of keys revoked elsewhere. Redis can
 * drop messages; this can't. Registering it runs the first check, before anything listens.
 */
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../errors.js';
import { RevisionWatcher } from '../modules/sdk/revision-watcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    watcher: RevisionWatcher;
  }
}

export interface RevisionCheckOptions {
  intervalMs: number;
}

/** A database that stays down would otherwise log a failure every check. */
const FAILURE_LOG_INTERVAL_MS = 10_000;
/** How long start-up waits for the Redis snapshot cache before going on without it. */
const CACHE_LOAD_TIMEOUT_MS = 500;

export const revisionCheckPlugin = fp<RevisionCheckOptions>(
  async (app, opts) => {
    const { database, delivery, keys, redis } = app;
    let lastFailureLog = 0;
    const check = async (): Promise<void> => {
      try {
        await app.prepareDatabase();
        await delivery.check();
        for (const keyId of await keys.recheck()) delivery.hub.closeKey(keyId);
        database.markHealthy();
      } catch (err) {
        database.markUnhealthy(err);
        const now = Date.now();
        if (now - lastFailureLog > FAILURE_LOG_INTERVAL_MS) {
          lastFailureLog = now;
          if (isDatabaseUnavailable(err))
            app.log.warn({ err: { message: (err as Error).message } }, 'database unavailable; serving the last snapshot');
          else app.log.error({ err }, 'revision check failed');
        }
      }
    };
    const watcher = new RevisionWatcher(check, opts.intervalMs);
    delivery.setCheckTrigger(() => watcher.trigger());
    app.decorate('watcher', watcher);

    // Serve from the Redis snapshot cache right away if Postgres is slow to answer.
    if (redis) await delivery.loadFromCache(CACHE_LOAD_TIMEOUT_MS);
    await watcher.runOnce();
    watcher.start();
  },
  { name: 'revision-check', dependencies: ['db', 'redis', 'auth', 'delivery', 'migrations'] },
);
