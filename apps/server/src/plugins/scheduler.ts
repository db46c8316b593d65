/**
 * Scheduled changes: the service the admin routes use and the timer that applies them.
 * It starts once the app is ready (the database set up by the first revision check) and
 * stops before close, waiting for a change being applied.
 */
import fp from 'fastify-plugin';
import { ChangeWriter } from '../modules/changes/change-writer.js';
import { Scheduler } from '../modules/scheduled-changes/scheduler.js';
import { ScheduledChangeService } from '../modules/scheduled-changes/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    scheduledChanges: ScheduledChangeService;
    scheduler: Scheduler;
  }
}

export interface SchedulerPluginOptions {
  /** How often every instance looks for due changes it has no timer for (SCHEDULER_SWEEP_INTERVAL_MS). */
  sweepIntervalMs: number;
  /** Pending changes allowed per flag and environment (SCHEDULED_CHANGES_MAX_PENDING). */
  maxPendingPerConfig: number;
}

export const schedulerPlugin = fp<SchedulerPluginOptions>(
  async (app, opts) => {
    const { database, delivery } = app;
    const log = app.log.child({ module: 'scheduler' });
    const writer = new ChangeWriter(database, delivery, log);
    const service = new ScheduledChangeService(writer, () => database.readyDb(), { maxPendingPerConfig: opts.maxPendingPerConfig });
    const scheduler = new Scheduler(service, opts.sweepIntervalMs, log);
    service.onScheduled = (runAt) => scheduler.scheduled(runAt);
    app.decorate('scheduledChanges', service);
    app.decorate('scheduler', scheduler);
    app.addHook('onReady', async () => scheduler.start());
    app.addHook('preClose', async () => scheduler.stop());
  },
  { name: 'scheduler', dependencies: ['db', 'delivery'] },
);
