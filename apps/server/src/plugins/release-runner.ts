/**
 * Release plans: the service the admin routes use, the arms the SDK events route feeds,
 * and the round that starts, advances, checks and rolls back plans every
 * `checkIntervalMs` on every instance (each action is claimed under the environment's
 * lock, so running it everywhere applies it once). Starts when the app is ready, stops
 * before close, waiting for a round in progress.
 */
import fp from 'fastify-plugin';
import { ChangeWriter } from '../modules/changes/change-writer.js';
import { Arms } from '../modules/releases/arms.js';
import { ReleasePlanService } from '../modules/releases/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    releases: ReleasePlanService;
  }
}

export interface ReleaseRunnerOptions {
  /** How often plans are checked, ms (RELEASE_CHECK_INTERVAL_MS). */
  checkIntervalMs: number;
  /** Units per stage before the arms sample (RELEASE_MAX_UNITS_PER_STAGE). */
  maxUnitsPerStage: number;
}

export const releaseRunnerPlugin = fp<ReleaseRunnerOptions>(
  async (app, opts) => {
    const { database, delivery } = app;
    const log = app.log.child({ module: 'release-plans' });
    const db = () => database.readyDb();
    // Release webhooks (`release.*`) go out as soon as the write commits.
    const writer = new ChangeWriter(database, delivery, log, () => app.webhooks.wake());
    const service = new ReleasePlanService(writer, db, new Arms(db), {
      maxUnitsPerStage: opts.maxUnitsPerStage,
    });
    app.decorate('releases', service);

    let timer: NodeJS.Timeout | undefined;
    let round: Promise<void> | undefined;
    let stopped = false;
    const tick = (): void => {
      round = service
        .runRound()
        .then(
          () => undefined,
          (err: unknown) => log.warn({ err }, 'release plan round failed; retrying next round'),
        )
        .finally(() => {
          round = undefined;
          if (!stopped) {
            timer = setTimeout(tick, opts.checkIntervalMs);
            timer.unref();
          }
        });
    };
    app.addHook('onReady', async () => {
      timer = setTimeout(tick, 0);
      timer.unref();
    });
    app.addHook('preClose', async () => {
      stopped = true;
      clearTimeout(timer);
      await round;
    });
  },
  { name: 'release-runner', dependencies: ['db', 'delivery', 'webhooks'] },
);
