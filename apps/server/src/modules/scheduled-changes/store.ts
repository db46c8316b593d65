/** Queries on `scheduled_changes`. */
import { and, asc, count, eq, lte, min, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { scheduledChanges, type ScheduledChangeRow, type ScheduledChangeStatus } from '../../db/schema/index.js';

export type NewScheduledChange = typeof scheduledChanges.$inferInsert;

export async function insertScheduledChange(db: Database, values: NewScheduledChange): Promise<ScheduledChangeRow> {
  const [row] = await db.insert(scheduledChanges).values(values).returning();
  return row!;
}

export async function countPending(db: Database, flagKey: string, environment: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(scheduledChanges)
    .where(
      and(eq(scheduledChanges.flagKey, flagKey), eq(scheduledChanges.environment, environment), eq(scheduledChanges.status, 'pending')),
    );
  return row?.n ?? 0;
}

export interface ListFilter {
  flagKey?: string | undefined;
  environment?: string | undefined;
  status?: ScheduledChangeStatus | undefined;
  limit: number;
}

export function listScheduledChanges(db: Database, filter: ListFilter): Promise<ScheduledChangeRow[]> {
  return db
    .select()
    .from(scheduledChanges)
    .where(
      and(
        filter.flagKey !== undefined ? eq(scheduledChanges.flagKey, filter.flagKey) : undefined,
        filter.environment !== undefined ? eq(scheduledChanges.environment, filter.environment) : undefined,
        filter.status !== undefined ? eq(scheduledChanges.status, filter.status) : undefined,
      ),
    )
    .orderBy(asc(scheduledChanges.runAt), asc(scheduledChanges.id))
    .limit(filter.limit);
}

export async function findScheduledChange(db: Database, id: string): Promise<ScheduledChangeRow | undefined> {
  const [row] = await db.select().from(scheduledChanges).where(eq(scheduledChanges.id, id));
  return row;
}

/** Pending changes due by `now`, earliest first: candidates only, each is claimed on its own. */
export function dueChanges(db: Database, now: Date, limit: number): Promise<Pick<ScheduledChangeRow, 'id' | 'createdBy'>[]> {
  return db
    .select({ id: scheduledChanges.id, createdBy: scheduledChanges.createdBy })
    .from(scheduledChanges)
    .where(and(eq(scheduledChanges.status, 'pending'), lte(scheduledChanges.runAt, now)))
    .orderBy(asc(scheduledChanges.runAt), asc(scheduledChanges.id))
    .limit(limit);
}

/**
 * Locks one pending change for the caller's transaction; undefined when it is no longer
 * pending or another instance holds it (SKIP LOCKED: nobody waits, nobody applies twice).
 */
export async function claimPending(db: Database, id: string): Promise<ScheduledChangeRow | undefined> {
  const [row] = await db
    .select()
    .from(scheduledChanges)
    .where(and(eq(scheduledChanges.id, id), eq(scheduledChanges.status, 'pending')))
    .for('update', { skipLocked: true });
  return row;
}

/** Moves a pending change to a final status; undefined when it had already left pending. */
export async function resolve(
  db: Database,
  id: string,
  status: Exclude<ScheduledChangeStatus, 'pending'>,
  extra: { appliedVersion?: number; error?: string } = {},
): Promise<ScheduledChangeRow | undefined> {
  const [row] = await db
    .update(scheduledChanges)
    .set({ status, resolvedAt: sql`now()`, appliedVersion: extra.appliedVersion ?? null, error: extra.error ?? null })
    .where(and(eq(scheduledChanges.id, id), eq(scheduledChanges.status, 'pending')))
    .returning();
  return row;
}

export async function nextRunAt(db: Database): Promise<Date | undefined> {
  const [row] = await db
    .select({ at: min(scheduledChanges.runAt) })
    .from(scheduledChanges)
    .where(eq(scheduledChanges.status, 'pending'));
  return row?.at ?? undefined;
}
