/**
 * Deletes evaluation and event aggregates past their retention: a minute after start,
 * then hourly. Every instance tries; deleting twice is harmless.
 */
import fp from 'fastify-plugin';

const FIRST_PRUNE_MS = 60_000;
const PRUNE_INTERVAL_MS = 60 * 60_000;

export const aggregatePruningPlugin = fp(
  async (app) => {
    const { database, events } = app;
    const prune = (): void => {
      if (!database.ready) return;
      events.prune().then(
        (rows) => rows > 0 && app.log.info({ rows }, 'pruned expired evaluation and event aggregates'),
        (err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'pruning aggregates failed'),
      );
    };
    const firstPrune = setTimeout(prune, FIRST_PRUNE_MS);
    const pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
    firstPrune.unref();
    pruneTimer.unref();
    // Before close, not on it: a prune starting then would meet a database being closed.
    app.addHook('preClose', async () => {
      clearTimeout(firstPrune);
      clearInterval(pruneTimer);
    });
  },
  { name: 'aggregate-pruning', dependencies: ['db', 'events'] },
);
