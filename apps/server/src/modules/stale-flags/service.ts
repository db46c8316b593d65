/**
 * Stale flags: the `staleness` of flag answers (computed on read from the usage table), the
 * per-flag threshold, and the periodic check that marks transitions and announces `flag.stale`.
 */
import type { Flag, FlagStaleness } from '@switchboard/api-contract';
import { inArray, not, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { flags, type FlagLifecycleRow, type FlagRow } from '../../db/schema/index.js';
import { NotFoundError, PreconditionFailedError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { findFlag, updateFlag } from '../flags/store.js';
import { enqueueWebhookEvents } from '../webhooks/outbox.js';
import { staleness, type UsageRow } from './staleness.js';
import * as store from './store.js';

export interface StaleFlagOptions {
  /** The threshold of flags without their own. */
  defaultDays: number;
  now?: () => number;
}

type FlagFacts = Pick<FlagRow, 'id' | 'key' | 'temporary' | 'archived' | 'createdAt'>;

export interface CheckResult {
  /** Flags this check marked stale (their `flag.stale` events are in the outbox). */
  markedStale: string[];
  /** Flags no longer stale whose mark was cleared. */
  cleared: string[];
}

export class StaleFlagService {
  private readonly now: () => number;

  constructor(
    private readonly db: () => Database,
    private readonly options: StaleFlagOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get defaultDays(): number {
    return this.options.defaultDays;
  }

  private view(flag: FlagFacts, lifecycle: FlagLifecycleRow | undefined, usage: readonly UsageRow[], now: number): FlagStaleness {
    const s = staleness(
      {
        temporary: flag.temporary,
        archived: flag.archived,
        createdAt: flag.createdAt.getTime(),
        trackedSince: lifecycle?.trackedSince.getTime(),
        staleAfterDays: lifecycle?.staleAfterDays ?? this.options.defaultDays,
        usage,
      },
      now,
    );
    return {
      ...s,
      staleAfterDaysOverride: lifecycle?.staleAfterDays ?? null,
      staleSince: lifecycle?.staleSince?.toISOString() ?? null,
    };
  }

  /** The staleness of each flag, by key: two queries whatever the number of flags. */
  async forFlags(rows: readonly FlagFacts[], db: Database = this.db()): Promise<Map<string, FlagStaleness>> {
    const [usage, lifecycles] = await Promise.all([
      store.usageOf(
        db,
        rows.map((r) => r.key),
      ),
      store.lifecycleOf(
        db,
        rows.map((r) => r.id),
      ),
    ]);
    const now = this.now();
    return new Map(rows.map((r) => [r.key, this.view(r, lifecycles.get(r.id), usage.get(r.key) ?? [], now)]));
  }

  /** `?stale=true|false` on the flag list, as a condition on `flags` evaluated in the database at this instant. */
  filter(stale: boolean): SQL {
    const condition = store.staleCondition(new Date(this.now()), this.options.defaultDays);
    return stale ? condition : not(condition);
  }

  /** Adds `staleness` to flag answers (whose rows the caller already read, by key). */
  async annotate<T extends Flag>(answers: T[]): Promise<T[]> {
    if (answers.length === 0) return answers;
    const db = this.db();
    const keys = answers.map((a) => a.key);
    const rows = await db
      .select({ id: flags.id, key: flags.key, temporary: flags.temporary, archived: flags.archived, createdAt: flags.createdAt })
      .from(flags)
      .where(inArray(flags.key, keys));
    const byKey = await this.forFlags(rows, db);
    return answers.map((a) => {
      const s = byKey.get(a.key);
      return s ? { ...a, staleness: s } : a;
    });
  }

  async get(key: string): Promise<FlagStaleness> {
    const db = this.db();
    const flag = await findFlag(db, key);
    if (!flag) throw new NotFoundError(`Flag "${key}" does not exist`);
    return (await this.forFlags([flag], db)).get(key)!;
  }

  /** Sets the flag's own threshold (null: the server's); a metadata edit, so it takes and bumps the flag's version. */
  setStaleAfterDays(
    writer: ChangeWriter,
    ctx: RequestContext,
    key: string,
    expected: number,
    days: number | null,
  ): Promise<{ staleness: FlagStaleness; version: number }> {
    return writer.run(ctx, async (w) => {
      const flag = await findFlag(w.tx, key, true);
      if (!flag) throw new NotFoundError(`Flag "${key}" does not exist`);
      if (flag.version !== expected) throw new PreconditionFailedError(flag.version);
      const before = (await store.lifecycleOf(w.tx, [flag.id])).get(flag.id)?.staleAfterDays ?? null;
      await store.setStaleAfterDays(w.tx, flag.id, days, new Date(this.now()));
      const updated = await updateFlag(w.tx, flag.id, {});
      w.audit({ action: 'flag.update', flagKey: key, before: { staleAfterDays: before }, after: { staleAfterDays: days } });
      return { staleness: (await this.forFlags([updated], w.tx)).get(key)!, version: updated.version };
    });
  }

  /**
   * One round of the periodic check, safe on every instance at once: starts tracking new
   * flags, then marks each newly stale flag with a conditional update and writes its
   * `flag.stale` event in the same transaction (only the instance whose update took writes
   * it), and clears the mark of flags no longer stale.
   */
  async check(): Promise<CheckResult> {
    const db = this.db();
    const now = this.now();
    await store.startTracking(db, new Date(now));
    // Usage of deleted flags would otherwise greet a new flag that takes the same key.
    await store.forgetDeletedFlags(db);
    const rows = await db
      .select({ id: flags.id, key: flags.key, temporary: flags.temporary, archived: flags.archived, createdAt: flags.createdAt })
      .from(flags);
    const [usage, lifecycles] = await Promise.all([store.usageOf(db), store.lifecycleOf(db)]);
    const result: CheckResult = { markedStale: [], cleared: [] };
    const toClear: number[] = [];
    for (const flag of rows) {
      const lifecycle = lifecycles.get(flag.id);
      const view = this.view(flag, lifecycle, usage.get(flag.key) ?? [], now);
      if (!view.stale) {
        if (lifecycle?.staleSince) {
          toClear.push(flag.id);
          result.cleared.push(flag.key);
        }
        continue;
      }
      if (lifecycle?.staleSince) continue;
      const at = new Date(now);
      const marked = await db.transaction(async (tx) => {
        const t = tx as unknown as Database;
        if (!(await store.markStale(t, flag.id, view.status as 'launched' | 'inactive', at))) return false;
        const { stale: _stale, staleSince: _since, ...data } = view;
        await enqueueWebhookEvents(t, [{ type: 'flag.stale', environment: null, data: { flagKey: flag.key, ...data } }], at);
        return true;
      });
      if (marked) result.markedStale.push(flag.key);
    }
    await store.clearStale(db, toClear);
    return result;
  }
}
