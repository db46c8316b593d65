/**
 * Reconnect delays, the same rule on every platform: exponential from a base (the
 * server's `retry:` may set it) to a cap, with subtractive jitter so a fleet of clients
 * doesn't reconnect in step; a refusal that retrying soon won't fix waits minutes.
 */

/** Smallest base a server `retry:` may set, so `retry: 0` can't make a tight loop, ms. */
export const MIN_RETRY = 100;

/** After 401/403 or another refusal retrying soon won't fix, and the cap on `Retry-After`, ms. */
export const REFUSED_DELAY = 300_000;

/** Subtractive jitter: a delay in (ms/2, ms]. */
export const jitter = (ms: number, random: () => number): number => ms * (1 - random() / 2);

/**
 * The delay before retry number `attempt` (0 first), jittered: `base · 2^attempt`, at
 * most `max`; or `refused` (jittered too) when the failure was a refusal.
 */
export const retryDelay = (base: number, attempt: number, max: number, random: () => number, refused?: number | false): number =>
  jitter(refused || Math.min(max, base * 2 ** Math.min(attempt, 30)), random);

/** A status retrying soon won't fix: a 4xx other than 408 (timeout) and 429 (rate limited). */
export const isRefusal = (status: number | undefined): boolean => /^4(?!08|29)\d\d$/.test(status as never);
