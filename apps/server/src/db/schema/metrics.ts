import { bigint, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { environments } from './environments.js';

/**
 * What SDKs report through `POST /api/sdk/events`, kept as per-minute aggregates (never
 * individual events): one row per key and minute, added to by upsert. `bucket` is the
 * start of the minute (UTC). Rows older than the retention are pruned.
 */

/**
 * Evaluation counts per flag and served variant. `variant` is `''` when the caller's
 * default was returned (the SDK's `null`; real variant keys are never empty). `flag_key`
 * is whatever key the application asked for, so mistyped keys show up too.
 */
export const evaluationCounts = pgTable(
  'evaluation_counts',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    flagKey: text('flag_key').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    variant: text('variant').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.flagKey, t.bucket, t.variant] }), index('evaluation_counts_bucket').on(t.bucket)],
);

/**
 * `track()` events per name, attributed to the variant each event's user had of each
 * flag rolling out (the event's `variants`). The row with `flag_key = ''` (and
 * `variant = ''`) counts every event of that name, attributed or not. `value_*` cover
 * only events that carried a value: mean = value_sum / value_count; the sum of squares
 * gives the variance guarded rollouts compare.
 */
export const eventCounts = pgTable(
  'event_counts',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    flagKey: text('flag_key').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    eventName: text('event_name').notNull(),
    variant: text('variant').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    valueCount: bigint('value_count', { mode: 'number' }).notNull(),
    valueSum: doublePrecision('value_sum').notNull(),
    valueSumSquares: doublePrecision('value_sum_squares').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.environmentId, t.flagKey, t.bucket, t.eventName, t.variant] }),
    index('event_counts_bucket').on(t.bucket),
  ],
);

/**
 * What SDKs reported dropping (queue overflow, refused batches, evaluations past their
 * distinct-flag cap), per minute of receipt. Written only when a batch reports drops.
 */
export const eventDrops = pgTable(
  'event_drops',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    events: bigint('events', { mode: 'number' }).notNull(),
    evaluations: bigint('evaluations', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.bucket] }), index('event_drops_bucket').on(t.bucket)],
);

/**
 * The `track()` event names an environment has stored, so their number can be bounded
 * (`eventsMaxEventNames`): an event with a name not here is stored only while there is room.
 */
export const eventNames = pgTable(
  'event_names',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.name] })],
);
