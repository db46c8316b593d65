/**
 * Reconnect delays: exponential from `initial` (or the server's `retry:`), doubling to
 * `max`, with up to 50 % subtractive jitter so a fleet of clients doesn't reconnect in
 * step. A connection that stayed healthy for `resetAfter` starts the sequence over.
 */

export interface BackoffSettings {
  /** First delay, ms. */
  initial: number;
  /** Cap, ms. */
  max: number;
  /** A connection healthy this long resets the sequence, ms. */
  resetAfter: number;
}

/** Smallest base a server `retry:` may set, so `retry: 0` can't make a tight loop. */
export const MIN_RETRY_MS = 100;

export class Backoff {
  private base: number;
  private attempts = 0;
  private healthySince: number | undefined;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number,
  ) {
    this.base = settings.initial;
  }

  /** The server's `retry:` field replaces the base delay (clamped to [100 ms, max]). */
  setBase(ms: number): void {
    this.base = Math.min(Math.max(ms, MIN_RETRY_MS), this.settings.max);
  }

  /** The connection is delivering (first event received) at `now`. */
  healthy(now: number): void {
    this.healthySince ??= now;
  }

  /** The connection failed or ended at `now`; returns how long to wait before the next try. */
  next(now: number): number {
    if (this.healthySince !== undefined && now - this.healthySince >= this.settings.resetAfter) this.attempts = 0;
    this.healthySince = undefined;
    const exp = Math.min(this.attempts, 30);
    this.attempts++;
    const delay = Math.min(this.settings.max, this.base * 2 ** exp);
    return jitter(delay, this.random);
  }

  /** Consecutive failures since the last reset. */
  get failures(): number {
    return this.attempts;
  }
}

/** Subtractive jitter: a delay in [d/2, d]. */
export function jitter(delay: number, random: () => number): number {
  return Math.round(delay - (delay / 2) * random());
}
