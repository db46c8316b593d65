/**
 * Requests per window per name (a key, or a key and a client IP), counted in memory on
 * this instance. Each name's window starts at its first request.
 */

/** Names tracked at once; past it, new names go unlimited here (the per-key ceiling still holds). */
const MAX_NAMES = 100_000;

export class WindowLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();
  private lastSweep = 0;

  constructor(
    /** Requests per window; 0 = no limit. */
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxNames = MAX_NAMES,
  ) {}

  /** Counts one request for `name`: 0 when it may go ahead, else the seconds until it may. */
  take(name: string): number {
    if (this.max <= 0) return 0;
    const now = this.now();
    let entry = this.hits.get(name);
    if (entry === undefined || entry.resetAt <= now) {
      if (entry === undefined && this.hits.size >= this.maxNames && !this.sweep(now)) return 0;
      entry = { count: 0, resetAt: now + this.windowMs };
      this.hits.set(name, entry);
    }
    if (entry.count >= this.max) return Math.max(1, Math.ceil((entry.resetAt - now) / 1000));
    entry.count++;
    return 0;
  }

  // At most once a second, so a flood of new names can't make every request a full scan.
  private sweep(now: number): boolean {
    if (now - this.lastSweep >= 1000) {
      this.lastSweep = now;
      for (const [name, entry] of this.hits) if (entry.resetAt <= now) this.hits.delete(name);
    }
    return this.hits.size < this.maxNames;
  }
}
