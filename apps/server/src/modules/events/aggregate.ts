/**
 * Turns the entries of one SDK batch that passed `checkBatch` into per-minute aggregate
 * rows: pure, no I/O. Rows with the same key are merged (one upsert may not touch a row
 * twice) and sorted, so concurrent batches lock rows in the same order and never deadlock.
 */
import type { EvaluationSummary, TrackedEvent } from './schemas.js';

export const MINUTE_MS = 60_000;

/**
 * Where counters stop: the largest integer a JavaScript number holds exactly. Adding two
 * of them stays far below Postgres's bigint limit, so a saturating upsert never overflows.
 */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;

/** `a + b`, stopping at MAX_COUNTER. */
export const saturatingAdd = (a: number, b: number): number => Math.min(a + b, MAX_COUNTER);

export interface EvaluationRow {
  flagKey: string;
  bucket: number;
  /** `''` when the caller's default was returned. */
  variant: string;
  count: number;
}

export interface EventRow {
  /** `''` for the row counting every event of the name. */
  flagKey: string;
  bucket: number;
  eventName: string;
  variant: string;
  count: number;
  valueCount: number;
  valueSum: number;
  valueSumSquares: number;
}

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

// Control characters are refused in names and keys, so \u0000 can't occur inside a part.
const SEP = '\u0000';

function byKey<T>(rows: Map<string, T>): T[] {
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/**
 * Buckets checked entries. An evaluation summary counts in the minute its window ended
 * (windows are 10 s by default); an event in the minute of its timestamp, under its name
 * and under each flag variant it carries.
 */
export function aggregate(
  summaries: readonly EvaluationSummary[],
  tracked: readonly TrackedEvent[],
): { evaluations: EvaluationRow[]; events: EventRow[] } {
  const evaluations = new Map<string, EvaluationRow>();
  for (const e of summaries) {
    if (e.count === 0) continue;
    const bucket = minuteOf(e.windowEnd);
    const variant = e.variant ?? '';
    const key = `${bucket}${SEP}${e.flag}${SEP}${variant}`;
    const row = evaluations.get(key);
    if (row) row.count = saturatingAdd(row.count, e.count);
    else evaluations.set(key, { flagKey: e.flag, bucket, variant, count: e.count });
  }

  const events = new Map<string, EventRow>();
  const add = (flagKey: string, variant: string, bucket: number, name: string, value: number | undefined): void => {
    const key = `${bucket}${SEP}${name}${SEP}${flagKey}${SEP}${variant}`;
    let row = events.get(key);
    if (!row) {
      row = { flagKey, bucket, eventName: name, variant, count: 0, valueCount: 0, valueSum: 0, valueSumSquares: 0 };
      events.set(key, row);
    }
    row.count++;
    if (value !== undefined) {
      row.valueCount++;
      row.valueSum += value;
      row.valueSumSquares += value * value;
    }
  };
  for (const e of tracked) {
    const bucket = minuteOf(e.timestamp);
    add('', '', bucket, e.name, e.value);
    if (e.variants) for (const flag of Object.keys(e.variants)) add(flag, e.variants[flag]!, bucket, e.name, e.value);
  }
  return { evaluations: byKey(evaluations), events: byKey(events) };
}
