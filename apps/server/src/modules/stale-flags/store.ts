/** Reads and writes of flag usage (variants served per environment) and of each flag's stale state. */
import { and, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { environments, flagLifecycle, flagVariantUsage, flags, type FlagLifecycleRow, type StaleReason } from '../../db/schema/index.js';
import type { UsageRow } from './staleness.js';
import { usageRows } from './staleness.js';

/** Rows per INSERT: well under Postgres's bind-parameter limit. */
const CHUNK = 1000;

/**
 * Adds one batch's aggregated evaluation rows to the usage table: one row per flag and
 * variant, moved only when the batch widens its first/last minute (a batch inside the
 * known range writes no new row version).
 */
export async function recordUsage(
  db: Database,
  environmentId: number,
  rows: readonly { flagKey: string; variant: string; bucket: number }[],
): Promise<void> {
  const t = flagVariantUsage;
  const usage = usageRows(rows);
  for (let i = 0; i < usage.length; i += CHUNK) {
    await db
      .insert(t)
      .values(
        usage.slice(i, i + CHUNK).map((r) => ({
          environmentId,
          flagKey: r.flagKey,
          variant: r.variant,
          firstSeen: new Date(r.firstSeen),
          lastSeen: new Date(r.lastSeen),
        })),
      )
      .onConflictDoUpdate({
        target: [t.environmentId, t.flagKey, t.variant],
        set: { firstSeen: sql`least(${t.firstSeen}, excluded.first_seen)`, lastSeen: sql`greatest(${t.lastSeen}, excluded.last_seen)` },
        setWhere: sql`excluded.last_seen > ${t.lastSeen} or excluded.first_seen < ${t.firstSeen}`,
      });
  }
}

/** Usage rows of the given flags (all flags when omitted), by flag key. */
export async function usageOf(db: Database, flagKeys?: readonly string[]): Promise<Map<string, UsageRow[]>> {
  if (flagKeys && flagKeys.length === 0) return new Map();
  const t = flagVariantUsage;
  const rows = await db
    .select({ flagKey: t.flagKey, environment: environments.key, variant: t.variant, lastSeen: t.lastSeen })
    .from(t)
    .innerJoin(environments, eq(environments.id, t.environmentId))
    .where(flagKeys ? inArray(t.flagKey, [...flagKeys]) : undefined);
  const out = new Map<string, UsageRow[]>();
  for (const r of rows) {
    let list = out.get(r.flagKey);
    if (!list) out.set(r.flagKey, (list = []));
    list.push({ environment: r.environment, variant: r.variant, lastSeen: r.lastSeen.getTime() });
  }
  return out;
}

/** Lifecycle rows of the given flags (all when omitted), by flag id. */
export async function lifecycleOf(db: Database, flagIds?: readonly number[]): Promise<Map<number, FlagLifecycleRow>> {
  if (flagIds && flagIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(flagLifecycle)
    .where(flagIds ? inArray(flagLifecycle.flagId, [...flagIds]) : undefined);
  return new Map(rows.map((r) => [r.flagId, r]));
}

/** Starts tracking flags that have no lifecycle row yet (new flags, or every flag on the first check). */
export async function startTracking(db: Database, at: Date): Promise<void> {
  await db.execute(sql`
    insert into ${flagLifecycle} (flag_id, tracked_since)
    select ${flags.id}, ${at.toISOString()}::timestamptz from ${flags}
    where not exists (select 1 from ${flagLifecycle} l where l.flag_id = ${flags.id})
    on conflict do nothing`);
}

/** Drops usage of flags that no longer exist, so a new flag taking the same key starts clean. */
export async function forgetDeletedFlags(db: Database): Promise<void> {
  await db.execute(sql`delete from ${flagVariantUsage} u where not exists (select 1 from ${flags} f where f.key = u.flag_key)`);
}

/** Sets (or clears, with null) a flag's own threshold. */
export async function setStaleAfterDays(db: Database, flagId: number, days: number | null, at: Date): Promise<void> {
  await db
    .insert(flagLifecycle)
    .values({ flagId, staleAfterDays: days, trackedSince: at })
    .onConflictDoUpdate({ target: flagLifecycle.flagId, set: { staleAfterDays: days } });
}

/**
 * Marks a flag stale unless it already is; true only for the caller that made the
 * transition, so its `flag.stale` event is written once across instances.
 */
export async function markStale(db: Database, flagId: number, reason: StaleReason, at: Date): Promise<boolean> {
  const rows = await db
    .update(flagLifecycle)
    .set({ staleSince: at, staleReason: reason })
    .where(and(eq(flagLifecycle.flagId, flagId), isNull(flagLifecycle.staleSince)))
    .returning({ flagId: flagLifecycle.flagId });
  return rows.length > 0;
}

/** Clears the stale mark of flags no longer stale, so a later transition is announced again. */
export async function clearStale(db: Database, flagIds: readonly number[]): Promise<void> {
  if (flagIds.length === 0) return;
  await db
    .update(flagLifecycle)
    .set({ staleSince: null, staleReason: null })
    .where(and(inArray(flagLifecycle.flagId, [...flagIds]), isNotNull(flagLifecycle.staleSince)));
}

/**
 * The staleness rule of `staleness()` as a condition on the `flags` table, for filtering a
 * list in the database: temporary, not archived, watched for N days, and in the last N days
 * either not evaluated at all or serving exactly one variant over every environment.
 */
export function staleCondition(now: Date, defaultDays: number): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  return sql`(${flags.temporary} and not ${flags.archived} and exists (
    select 1 from ${flagLifecycle} l
    cross join lateral (select ${at} - make_interval(secs => coalesce(l.stale_after_days, ${defaultDays}::float8) * 86400) as since) w
    where l.flag_id = ${flags.id}
      and greatest(l.tracked_since, ${flags.createdAt}) <= w.since
      and (
        select count(*) = 0 or count(distinct u.variant) filter (where u.variant <> '') = 1
        from ${flagVariantUsage} u where u.flag_key = ${flags.key} and u.last_seen >= w.since
      )
  ))`;
}
