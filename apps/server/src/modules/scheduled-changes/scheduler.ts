/**
 * Runs scheduled changes on time: one timer armed for the earliest pending runAt (re-armed
 * when this instance creates or cancels one), and a sweep every `sweepIntervalMs` that
 * finds what other instances scheduled and anything a crashed instance left.
 */
import type { FastifyBaseLogger } from 'fastify';
import { isAppError } from '../../errors.js';

/** How soon to look again at a due change another instance holds. */
const HELD_RETRY_MS = 500;

export interface SchedulerSource {
  /** Runs what is due; true when more may be due at once. */
  runDue(): Promise<boolean>;
  nextRunAt(): Promise<Date | undefined>;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (epoch ms). */
  private armedFor = Infinity;
  private running: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;

  constructor(
    private readonly source: SchedulerSource,
    private readonly sweepIntervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  /** A change for `runAt` was created or cancelled here: fire sooner if it is earlier than the timer. */
  scheduled(runAt: Date): void {
    if (this.stopped) return;
    if (runAt.getTime() < this.armedFor) this.arm(runAt.getTime() - Date.now());
  }

  /** Stops the timer and waits for a round in progress, so nothing runs on a closing database. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private arm(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    // Never past the next sweep (which also keeps the delay within setTimeout's range).
    const delay = Math.min(Math.max(0, delayMs), this.sweepIntervalMs);
    this.armedFor = Date.now() + delay;
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (this.rerun) {
        this.rerun = false;
        this.arm(0);
      }
    });
  }

  private async round(): Promise<void> {
    let next: number | undefined;
    try {
      if (await this.source.runDue()) next = 0;
      else {
        const at = await this.source.nextRunAt();
        // +1 ms: the timer may fire a hair before runAt, when the change isn't due yet. A change
        // already due was held by another instance: look again shortly, in case that one died.
        if (at) next = at.getTime() <= Date.now() ? Math.min(HELD_RETRY_MS, this.sweepIntervalMs) : at.getTime() - Date.now() + 1;
      }
    } catch (err) {
      if (isAppError(err) && err.code === 'UNAVAILABLE')
        this.log.debug({ err: { message: err.message } }, 'scheduled changes wait for the database');
      else this.log.error({ err }, 'running scheduled changes failed');
    }
    // A timer armed meanwhile (a change created during the round) stands if it is sooner.
    const delay = next ?? this.sweepIntervalMs;
    if (Date.now() + delay < this.armedFor) this.arm(delay);
  }
}
