/**
 * Reconnect delays: the rule (exponential from `initial` or the server's `retry:` to
 * `max`, subtractive jitter) is @switchboard/sdk-client's; this holds one connection's
 * place in the sequence. A connection that stayed healthy for `resetAfter` starts it over.
 */
import { MIN_RETRY, jitter as jittered, retryDelay } from '@switchboard/sdk-client';

export interface BackoffSettings {
  /** First delay, ms. */
  initial: number;
  /** Cap, ms. */
  max: number;
  /** A connection healthy this long resets the sequence, ms. */
  resetAfter: number;
}

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
    this.base = Math.min(Math.max(ms, MIN_RETRY), this.settings.max);
  }

  /** The connection is delivering (first event received) at `now`. */
  healthy(now: number): void {
    this.healthySince ??= now;
  }

  /** The connection failed or ended at `now`; returns how long to wait before the next try. */
  next(now: number): number {
    if (this.healthySince !== undefined && now - this.healthySince >= this.settings.resetAfter) this.attempts = 0;
    this.healthySince = undefined;
    return Math.round(retryDelay(this.base, this.attempts++, this.settings.max, this.random));
  }

  /** Consecutive failures since the last reset. */
  get failures(): number {
    return this.attempts;
  }
}

/** Subtractive jitter, in whole ms: a delay in [d/2, d]. */
export function jitter(delay: number, random: () => number): number {
  return Math.round(jittered(delay, random));
}
