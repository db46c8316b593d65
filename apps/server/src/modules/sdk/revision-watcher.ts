/**
 * Runs the revision check about once a second, and sooner on request (a gap in the
 * changes received, a Redis reconnect, a new environment). Never overlaps itself.
 */
export class RevisionWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly tick: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.schedule(this.intervalMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runOnce(), ms);
    this.timer.unref();
  }

  /** Runs a check now, or right after the one in progress. */
  trigger(): void {
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async runOnce(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.running = this.tick().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      } else this.schedule(this.intervalMs);
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
