/**
 * The ingest hook for stale flags. Usage rows move at most once a minute (their times are
 * minutes), so each instance remembers the range it last wrote per environment, flag and
 * variant and sends only rows that widen it: under steady traffic most batches write nothing
 * here. What it remembers is updated only after the batch's transaction commits.
 */
import type { Database } from '../../db/client.js';
import { usageRows } from './staleness.js';
import { recordUsage } from './store.js';

/** Pairs remembered before the memory starts over (flags × variants × environments is far below this). */
const MAX_REMEMBERED = 100_000;

export class UsageRecorder {
  private readonly written = new Map<string, { firstSeen: number; lastSeen: number }>();

  /** Writes what this batch adds; call the returned function once the transaction committed. */
  async record(
    db: Database,
    environmentId: number,
    rows: readonly { flagKey: string; variant: string; bucket: number }[],
  ): Promise<() => void> {
    const fresh = usageRows(rows).filter((r) => {
      const known = this.written.get(`${environmentId}\u0000${r.flagKey}\u0000${r.variant}`);
      return !known || r.lastSeen > known.lastSeen || r.firstSeen < known.firstSeen;
    });
    if (fresh.length === 0) return () => {};
    await recordUsage(
      db,
      environmentId,
      fresh.flatMap((r) => [
        { flagKey: r.flagKey, variant: r.variant, bucket: r.firstSeen },
        { flagKey: r.flagKey, variant: r.variant, bucket: r.lastSeen },
      ]),
    );
    return () => {
      if (this.written.size + fresh.length > MAX_REMEMBERED) this.written.clear();
      for (const r of fresh) {
        const key = `${environmentId}\u0000${r.flagKey}\u0000${r.variant}`;
        const known = this.written.get(key);
        this.written.set(key, {
          firstSeen: Math.min(known?.firstSeen ?? r.firstSeen, r.firstSeen),
          lastSeen: Math.max(known?.lastSeen ?? r.lastSeen, r.lastSeen),
        });
      }
    };
  }

  /** Forgets an environment (deleted, or its id changed). */
  forget(environmentId: number): void {
    for (const key of this.written.keys()) if (key.startsWith(`${environmentId}\u0000`)) this.written.delete(key);
  }
}
