/**
 * Scheduled changes: the service the admin routes use and the timer that applies them.
 * It starts once the app is ready (the database set up by the first revision check) and
 * stops before close, waiting for a change being applied. With Redis, a change created on
 * one instance arms every instance's timer at once; the sweep covers a lost message.
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

const SCHEDULED_MESSAGE = 'scheduled-change';

/** The runAt of another instance's "scheduled-change" message; undefined for any other message. */
function scheduledRunAt(raw: string): Date | undefined {
  // Every fan-out message comes here; only ours (serialized type first) is worth parsing.
  if (!raw.startsWith(`{"type":"${SCHEDULED_MESSAGE}"`)) return undefined;
  let message: { type?: unknown; runAt?: unknown };
  try {
    message = JSON.parse(raw) as { type?: unknown; runAt?: unknown };
  } catch {
    return undefined;
  }
  if (message?.type !== SCHEDULED_MESSAGE || typeof message.runAt !== 'string') return undefined;
  const at = new Date(message.runAt);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

export interface SchedulerPluginOptions {
  /** How often every instance looks for due changes it has no timer for (SCHEDULER_SWEEP_INTERVAL_MS). */
  sweepIntervalMs: number;
  /** Pending changes allowed per flag and environment (SCHEDULED_CHANGES_MAX_PENDING). */
  maxPendingPerConfig: number;
}

export const schedulerPlugin = fp<SchedulerPluginOptions>(
  async (app, opts) => {
    const { database, delivery, redis } = app;
    const log = app.log.child({ module: 'scheduler' });
    // Outcomes go out as `schedule.*` webhooks as soon as they commit (the webhooks plugin registers later; this runs after start).
    const writer = new ChangeWriter(database, delivery, log, () => app.webhooks.wake());
    const service = new ScheduledChangeService(writer, () => database.readyDb(), { maxPendingPerConfig: opts.maxPendingPerConfig });
    const scheduler = new Scheduler(service, opts.sweepIntervalMs, log);
    service.onScheduled = (runAt) => {
      scheduler.scheduled(runAt);
      // The fan-out channel: delivery ignores message types it doesn't know.
      if (redis) void redis.publish(JSON.stringify({ type: SCHEDULED_MESSAGE, runAt: runAt.toISOString() }));
    };
    redis?.onMessage((raw) => {
      const runAt = scheduledRunAt(raw);
      if (runAt) scheduler.scheduled(runAt);
    });
    app.decorate('scheduledChanges', service);
    app.decorate('scheduler', scheduler);
    app.addHook('onReady', async () => scheduler.start());
    app.addHook('preClose', async () => scheduler.stop());
  },
  { name: 'scheduler', dependencies: ['db', 'redis', 'delivery'] },
);
