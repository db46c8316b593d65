/**
 * Time as the client sees it. Injectable so tests can run a minute of reconnects in a
 * second; the default is the real clock with timers that don't hold the process open.
 */

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Longest delay Node's setTimeout honours, ms (about 24.8 days). It runs a longer one
 * after 1 ms, so `ready(Infinity)` would time out at once and `close(Infinity)` stop
 * waiting at once; capped, they wait what is, for a running service, forever.
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const t = setTimeout(fn, Math.min(ms, MAX_TIMER_DELAY));
      t.unref();
      return t;
    },
    clearTimeout(handle) {
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
}
