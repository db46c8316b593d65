import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, nextRetryDelay, parseRetrySchedule } from './retry-schedule.js';

describe('retry schedule', () => {
  it('parses durations with units', () => {
    expect(parseRetrySchedule('250, 5s,5m ,2h')).toEqual([250, 5000, 300_000, 7_200_000]);
    expect(parseRetrySchedule('10ms')).toEqual([10]);
  });

  it.each(['', '5x', '-1s', '1.5s', 's'])('refuses %j', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow(/duration/);
  });

  it('retries the default schedule for more than 24 hours even with the least jitter', () => {
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);
    let total = 0;
    for (let failed = 1; ; failed++) {
      const delay = nextRetryDelay(schedule, failed, () => 0);
      if (delay === null) break;
      total += delay;
    }
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(schedule).toHaveLength(7);
  });

  it('grows, keeps jitter within ±10% and stops when the schedule is spent', () => {
    const schedule = [100, 300, 900];
    expect(nextRetryDelay(schedule, 1, () => 0)).toBe(90);
    expect(nextRetryDelay(schedule, 1, () => 1)).toBe(110);
    expect(nextRetryDelay(schedule, 2, () => 0)).toBe(270);
    expect(nextRetryDelay(schedule, 3, () => 0.5)).toBe(900);
    expect(nextRetryDelay(schedule, 4)).toBeNull();
    for (let i = 0; i < 100; i++) {
      expect(nextRetryDelay(schedule, 2)!).toBeGreaterThan(nextRetryDelay(schedule, 1)!);
    }
  });
});
