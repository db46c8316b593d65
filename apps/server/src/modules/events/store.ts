/** Reads and writes of the per-minute evaluation and event aggregates. */
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client.js';
import { evaluationCounts, eventCounts, eventDrops } from '../../db/schema/index.js';
import { MAX_COUNTER, type EvaluationRow, type EventRow } from './aggregate.js';

/** Rows per INSERT: well under Postgres's 65 535 bind parameters. */
const CHUNK = 1000;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

const excluded = (column: string) => sql.raw(`excluded."${column}"`);

/**
 * `stored + incoming`, stopping at MAX_COUNTER without ever computing a sum past it, so
 * even a row left beyond it (at bigint's limit) takes more batches instead of failing them.
 */
const saturating = (stored: SQL | PgColumn, column: string): SQL =>
  sql`least(${stored}, ${sql.raw(String(MAX_COUNTER))} - ${excluded(column)}) + ${excluded(column)}`;

export async function addEvaluations(db: Database, environmentId: number, rows: EvaluationRow[]): Promise<void> {
  const t = evaluationCounts;
  for (const part of chunks(rows)) {
    await db
      .insert(t)
      .values(part.map((r) => ({ environmentId, flagKey: r.flagKey, bucket: new Date(r.bucket), variant: r.variant, count: r.count })))
      .onConflictDoUpdate({ target: [t.environmentId, t.flagKey, t.bucket, t.variant], set: { count: saturating(t.count, 'count') } });
  }
}

export async function addEvents(db: Database, environmentId: number, rows: EventRow[]): Promise<void> {
  const t = eventCounts;
  for (const part of chunks(rows)) {
    await db
      .insert(t)
      .values(part.map((r) => ({ environmentId, ...r, bucket: new Date(r.bucket) })))
      .onConflictDoUpdate({
        target: [t.environmentId, t.flagKey, t.bucket, t.eventName, t.variant],
        set: {
          count: saturating(t.count, 'count'),
          valueCount: saturating(t.valueCount, 'value_count'),
          valueSum: sql`${t.valueSum} + ${excluded('value_sum')}`,
          valueSumSquares: sql`${t.valueSumSquares} + ${excluded('value_sum_squares')}`,
        },
      });
  }
}

export async function addDrops(
  db: Database,
  environmentId: number,
  bucket: number,
  dropped: { events: number; evaluations: number },
): Promise<void> {
  const t = eventDrops;
  await db
    .insert(t)
    .values({ environmentId, bucket: new Date(bucket), ...dropped })
    .onConflictDoUpdate({
      target: [t.environmentId, t.bucket],
      set: { events: saturating(t.events, 'events'), evaluations: saturating(t.evaluations, 'evaluations') },
    });
}

export interface Range {
  from: Date;
  to: Date;
}

/** Evaluation counts of one flag per variant and `stepMinutes` slot (slot = its start, epoch ms). */
export function evaluationSeries(db: Database, environmentId: number, flagKey: string, range: Range, stepMinutes: number) {
  const t = evaluationCounts;
  // The step is a validated integer, inlined so SELECT and GROUP BY use the same expression.
  const stepSeconds = sql.raw(String(Math.trunc(stepMinutes) * 60));
  const slot = sql<number>`(floor(extract(epoch from ${t.bucket}) / ${stepSeconds}) * ${stepSeconds} * 1000)::float8`.mapWith(Number);
  return db
    .select({ variant: t.variant, slot, count: sql<number>`sum(${t.count})::float8`.mapWith(Number) })
    .from(t)
    .where(and(eq(t.environmentId, environmentId), eq(t.flagKey, flagKey), gte(t.bucket, range.from), lt(t.bucket, range.to)))
    .groupBy(t.variant, slot);
}

export async function dropsIn(db: Database, environmentId: number, range: Range): Promise<{ events: number; evaluations: number }> {
  const t = eventDrops;
  const [row] = await db
    .select({
      events: sql<number>`coalesce(sum(${t.events}), 0)::float8`.mapWith(Number),
      evaluations: sql<number>`coalesce(sum(${t.evaluations}), 0)::float8`.mapWith(Number),
    })
    .from(t)
    .where(and(eq(t.environmentId, environmentId), gte(t.bucket, range.from), lt(t.bucket, range.to)));
  return row ?? { events: 0, evaluations: 0 };
}

export interface EventTotals {
  eventName: string;
  flagKey: string;
  variant: string;
  count: number;
  valueCount: number;
  valueSum: number;
  valueSumSquares: number;
}

/**
 * Events attributed to a flag's variants, by name and variant, with each name's total
 * over all events (`flagKey = ''`). At most `limit` names, the most frequent for this
 * flag first; `more` tells whether there were others.
 */
export async function eventTotals(
  db: Database,
  environmentId: number,
  flagKey: string,
  range: Range,
  limit: number,
): Promise<{ rows: EventTotals[]; names: string[]; more: boolean }> {
  const t = eventCounts;
  const total = sql<number>`sum(${t.count})::float8`.mapWith(Number);
  const top = await db
    .select({ eventName: t.eventName, total })
    .from(t)
    .where(and(eq(t.environmentId, environmentId), eq(t.flagKey, flagKey), gte(t.bucket, range.from), lt(t.bucket, range.to)))
    .groupBy(t.eventName)
    .orderBy(desc(total), t.eventName)
    .limit(limit + 1);
  const names = top.slice(0, limit).map((r) => r.eventName);
  if (names.length === 0) return { rows: [], names, more: false };
  const rows = await db
    .select({
      eventName: t.eventName,
      flagKey: t.flagKey,
      variant: t.variant,
      count: total,
      valueCount: sql<number>`sum(${t.valueCount})::float8`.mapWith(Number),
      valueSum: sql<number>`sum(${t.valueSum})`.mapWith(Number),
      valueSumSquares: sql<number>`sum(${t.valueSumSquares})`.mapWith(Number),
    })
    .from(t)
    .where(
      and(
        eq(t.environmentId, environmentId),
        inArray(t.flagKey, [flagKey, '']),
        inArray(t.eventName, names),
        gte(t.bucket, range.from),
        lt(t.bucket, range.to),
      ),
    )
    .groupBy(t.eventName, t.flagKey, t.variant);
  return { rows, names, more: top.length > limit };
}

/**
 * Deletes aggregates older than `before`, at most `batch` rows per statement (short
 * statements, no long locks), until none are left or `maxBatches` ran. Returns the rows deleted.
 */
export async function pruneBefore(db: Database, before: Date, batch = 5000, maxBatches = 100): Promise<number> {
  let deleted = 0;
  const tables: [PgTable, SQL][] = [
    [evaluationCounts, sql`${evaluationCounts.bucket}`],
    [eventCounts, sql`${eventCounts.bucket}`],
    [eventDrops, sql`${eventDrops.bucket}`],
  ];
  for (const [table, bucket] of tables) {
    for (let i = 0; i < maxBatches; i++) {
      const rows = await db
        .delete(table)
        .where(sql`ctid = any(array(select ctid from ${table} where ${bucket} < ${before.toISOString()}::timestamptz limit ${batch}))`)
        .returning({ one: sql<number>`1` });
      deleted += rows.length;
      if (rows.length < batch) break;
    }
  }
  return deleted;
}
