/**
 * Stale flags: decorates `staleFlags` and runs its check on every instance, shortly after
 * start and then every `intervalMs`. Running it twice at once is harmless: each transition
 * is marked by a conditional update, so `flag.stale` goes out once (see the module).
 */
import fp from 'fastify-plugin';
import { StaleFlagService } from '../modules/stale-flags/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    staleFlags: StaleFlagService;
  }
}

export interface StaleCheckOptions {
  defaultDays: number;
  intervalMs: number;
}

const FIRST_CHECK_MS = 30_000;

export const staleCheckPlugin = fp<StaleCheckOptions>(
  async (app, { defaultDays, intervalMs }) => {
    const { database } = app;
    const service = new StaleFlagService(() => database.readyDb(), { defaultDays });
    app.decorate('staleFlags', service);
    let running = false;
    const check = (): void => {
      if (!database.ready || running) return;
      running = true;
      service
        .check()
        .then(
          (result) => {
            if (result.markedStale.length > 0) {
              app.log.info({ flags: result.markedStale }, 'flags became stale');
              app.webhooks.wake();
            }
          },
          (err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'stale flag check failed'),
        )
        .finally(() => (running = false));
    };
    const first = setTimeout(check, Math.min(FIRST_CHECK_MS, intervalMs));
    const timer = setInterval(check, intervalMs);
    first.unref();
    timer.unref();
    // Before close, not on it: a check starting then would meet a database being closed.
    app.addHook('preClose', async () => {
      clearTimeout(first);
      clearInterval(timer);
    });
  },
  { name: 'stale-check', dependencies: ['db', 'webhooks'] },
);
