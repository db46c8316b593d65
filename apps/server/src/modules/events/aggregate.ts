/**
 * Turns one SDK batch into per-minute aggregate rows: pure, no I/O. Rows with the same
 * key are merged (one upsert may not touch a row twice) and sorted, so concurrent
 * batches lock rows in the same order and never deadlock.
 */
import { ValidationError } from '../../errors.js';
import { LIMITS, type EventsBody } from './schemas.js';

export const MINUTE_MS = 60_000;

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

export interface Aggregated {
  evaluations: EvaluationRow[];
  events: EventRow[];
  dropped: { events: number; evaluations: number } | undefined;
  accepted: { evaluations: number; events: number };
  /** Entries older than the retention, not stored. */
  expired: { evaluations: number; events: number };
}

export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

// Control characters are refused by the schema, so \u0000 can't occur inside a part.
const SEP = '\u0000';

function byKey<T>(rows: Map<string, T>): T[] {
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/**
 * Buckets a batch. An evaluation summary counts in the minute its window ended (windows
 * are 10 s by default); an event in the minute of its timestamp. Times more than
 * `LIMITS.maxClockSkewMs` ahead of `now` are refused (400 naming the field); times
 * before `oldestMs` are skipped and reported as expired.
 */
export function aggregate(body: EventsBody, now: number, oldestMs: number): Aggregated {
  const latest = now + LIMITS.maxClockSkewMs;
  const oldestBucket = minuteOf(oldestMs);
  const out: Aggregated = {
    evaluations: [],
    events: [],
    dropped: undefined,
    accepted: { evaluations: 0, events: 0 },
    expired: { evaluations: 0, events: 0 },
  };

  const evaluations = new Map<string, EvaluationRow>();
  body.evaluations.forEach((e, i) => {
    if (e.windowStart > e.windowEnd) throw new ValidationError(`evaluations[${i}].windowStart is after its windowEnd`, `evaluations[${i}].windowStart`);
    if (e.windowEnd > latest) throw new ValidationError(`evaluations[${i}].windowEnd is ahead of the server's clock`, `evaluations[${i}].windowEnd`);
    const bucket = minuteOf(e.windowEnd);
    if (bucket < oldestBucket) {
      out.expired.evaluations++;
      return;
    }
    out.accepted.evaluations++;
    if (e.count === 0) return;
    const variant = e.variant ?? '';
    const key = `${bucket}${SEP}${e.flag}${SEP}${variant}`;
    const row = evaluations.get(key);
    if (row) row.count += e.count;
    else evaluations.set(key, { flagKey: e.flag, bucket, variant, count: e.count });
  });

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
  body.events.forEach((e, i) => {
    if (e.timestamp > latest) throw new ValidationError(`events[${i}].timestamp is ahead of the server's clock`, `events[${i}].timestamp`);
    const bucket = minuteOf(e.timestamp);
    if (bucket < oldestBucket) {
      out.expired.events++;
      return;
    }
    out.accepted.events++;
    add('', '', bucket, e.name, e.value);
    if (e.variants) for (const flag of Object.keys(e.variants)) add(flag, e.variants[flag]!, bucket, e.name, e.value);
  });

  out.evaluations = byKey(evaluations);
  out.events = byKey(events);
  if (body.dropped && (body.dropped.events > 0 || body.dropped.evaluations > 0)) out.dropped = { ...body.dropped };
  return out;
}
