/**
 * The distinct `track()` event names each environment may store (`eventsMaxEventNames`).
 * Names already admitted are remembered in memory, so a batch of known names costs no
 * query; a new name is admitted in the batch's transaction while the environment has room.
 */
import { and, count, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { eventNames } from '../../db/schema/metrics.js';

/** How long an environment found full is taken to be full without asking the database again. */
const FULL_RECHECK_MS = 60_000;

interface Known {
  names: Set<string>;
  /** When the environment was last found to have no room; 0 while it had some. */
  fullAt: number;
}

export class EventNameBudget {
  private readonly known = new Map<number, Known>();

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  /**
   * Which of `names` the environment stores: those admitted before, and new ones while
   * there is room. Call `commit` once the transaction it ran in committed. Concurrent
   * batches may each take the last free places, so the bound can be passed by the number
   * of batches written at once.
   */
  async admit(db: Database, environmentId: number, names: Iterable<string>): Promise<{ admitted: Set<string>; commit(): void }> {
    let known = this.known.get(environmentId);
    if (!known) {
      known = { names: new Set(), fullAt: 0 };
      this.known.set(environmentId, known);
    }
    const entry = known;
    const admitted = new Set<string>();
    const unknown: string[] = [];
    for (const name of names) {
      if (entry.names.has(name)) admitted.add(name);
      else unknown.push(name);
    }
    const noop = { admitted, commit: () => {} };
    if (unknown.length === 0) return noop;
    if (entry.fullAt > 0 && this.now() - entry.fullAt < FULL_RECHECK_MS) return noop;

    const t = eventNames;
    for (const part of chunks(unknown)) {
      const stored = await db
        .select({ name: t.name })
        .from(t)
        .where(and(eq(t.environmentId, environmentId), inArray(t.name, part)));
      for (const row of stored) admitted.add(row.name);
    }
    const fresh = unknown.filter((n) => !admitted.has(n)).sort();
    let full = false;
    if (fresh.length > 0) {
      const [row] = await db.select({ n: count() }).from(t).where(eq(t.environmentId, environmentId));
      const room = Math.max(0, this.max - Number(row?.n ?? 0));
      const take = fresh.slice(0, room);
      full = take.length < fresh.length || take.length === room;
      for (const part of chunks(take)) {
        const inserted = await db
          .insert(t)
          .values(part.map((name) => ({ environmentId, name })))
          .onConflictDoNothing()
          .returning({ name: t.name });
        for (const r of inserted) admitted.add(r.name);
      }
    }
    return {
      admitted,
      commit: () => {
        for (const name of admitted) entry.names.add(name);
        entry.fullAt = full ? this.now() : 0;
      },
    };
  }

  /** Forgets an environment (deleted, or its id changed). */
  forget(environmentId: number): void {
    this.known.delete(environmentId);
  }
}

const CHUNK = 1000;
function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}
