/**
 * When a failed delivery is tried again. The default schedule spreads 8 attempts over about
 * 27.5 hours (at least 24.8 h with jitter), so a receiver down for a day still gets the event.
 */

/** Delays after the 1st, 2nd, … failed attempt; when they run out the delivery is `failed`. */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `"5s,5m,2h"` → milliseconds; a bare number is milliseconds. Throws on anything else. */
export function parseRetrySchedule(text: string): number[] {
  const delays = text.split(',').map((part) => {
    const match = /^\s*(\d{1,9})(ms|s|m|h)?\s*$/.exec(part);
    if (!match) throw new Error(`"${part.trim()}" is not a duration like 500ms, 5s, 5m or 2h`);
    return Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
  });
  if (delays.length > 50) throw new Error('at most 50 retries');
  return delays;
}

/**
 * The delay before the next attempt after `failedAttempts` failures in a row, or null when
 * the schedule is spent. ±10% jitter keeps receivers that failed together from being retried
 * in lockstep.
 */
export function nextRetryDelay(schedule: readonly number[], failedAttempts: number, random: () => number = Math.random): number | null {
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.9 + 0.2 * random()));
}
