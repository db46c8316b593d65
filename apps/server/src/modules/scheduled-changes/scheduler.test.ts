import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { UnavailableError } from '../../errors.js';
import { Scheduler, type SchedulerSource } from './scheduler.js';

const SWEEP_MS = 5000;
const T0 = Date.UTC(2026, 11, 8, 2, 0, 0);

/** A source whose pending runAts are a list; `runDue` takes those due by the (fake) clock. */
function source(pending: number[], options: { held?: boolean } = {}) {
  const rounds: number[] = [];
  const src: SchedulerSource & { pending: number[] } = {
    pending,
    async runDue() {
      rounds.push(Date.now());
      if (!options.held) src.pending = src.pending.filter((at) => at > Date.now());
      return false;
    },
    async nextRunAt() {
      const next = Math.min(...src.pending);
      return Number.isFinite(next) ? new Date(next) : undefined;
    },
  };
  return { src, rounds };
}

async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once at start, then wakes at the next runAt rather than at the next sweep', async () => {
    const { src, rounds } = source([T0 + 1234]);
    const scheduler = new Scheduler(src, SWEEP_MS, pino({ level: 'silent' }));
    scheduler.start();
    await advance(0);
    expect(rounds).toEqual([T0]);
    // 1 ms past runAt, so the change is due when the round looks.
    await advance(1234);
    expect(rounds).toEqual([T0]);
    await advance(1);
    expect(rounds).toEqual([T0, T0 + 1235]);
    expect(src.pending).toEqual([]);
    // Nothing pending: the sweep, and nothing in between.
    await advance(SWEEP_MS);
    expect(rounds).toEqual([T0, T0 + 1235, T0 + 1235 + SWEEP_MS]);
    await scheduler.stop();
  });

  it('re-arms for a change created here that is due before the armed timer', async () => {
    const { src, rounds } = source([]);
    const scheduler = new Scheduler(src, SWEEP_MS, pino({ level: 'silent' }));
    scheduler.start();
    await advance(0);
    src.pending.push(T0 + 300);
    scheduler.scheduled(new Date(T0 + 300));
    await advance(300);
    expect(rounds).toEqual([T0, T0 + 300]);
    // A later one does not pull the timer forward or push it back.
    scheduler.scheduled(new Date(T0 + 60_000));
    await advance(SWEEP_MS);
    expect(rounds).toEqual([T0, T0 + 300, T0 + 300 + SWEEP_MS]);
    await scheduler.stop();
  });

  it('looks again at a due change another instance holds after a short pause, not in a loop', async () => {
    const { src, rounds } = source([T0 - 10], { held: true });
    const scheduler = new Scheduler(src, SWEEP_MS, pino({ level: 'silent' }));
    scheduler.start();
    await advance(1000);
    expect(rounds).toEqual([T0, T0 + 500, T0 + 1000]);
    await scheduler.stop();
  });

  it('waits a sweep while the database is unavailable, and stops for good', async () => {
    const { src, rounds } = source([T0 + 100]);
    const runDue = src.runDue.bind(src);
    let down = true;
    src.runDue = async () => {
      if (down) {
        rounds.push(Date.now());
        throw new UnavailableError('down');
      }
      return runDue();
    };
    const scheduler = new Scheduler(src, SWEEP_MS, pino({ level: 'silent' }));
    scheduler.start();
    await advance(SWEEP_MS - 1);
    expect(rounds).toEqual([T0]);
    down = false;
    await advance(1);
    expect(rounds).toEqual([T0, T0 + SWEEP_MS]);
    await scheduler.stop();
    scheduler.scheduled(new Date(T0));
    await advance(10 * SWEEP_MS);
    expect(rounds).toEqual([T0, T0 + SWEEP_MS]);
  });
});
