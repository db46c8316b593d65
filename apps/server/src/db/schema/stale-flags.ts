import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { environments } from './environments.js';
import { flags } from './flags.js';

/**
 * Which variants SDKs reported serving, per environment and flag: the first and last minute
 * each was seen. At most (variants + 1) rows per flag and environment, upserted once per
 * ingested batch (never per evaluation), and kept past the per-minute aggregates' retention
 * so "one variant for N days" can be answered for any N. `variant` is `''` when the caller's
 * default was returned. Keyed by flag key like the aggregates, so mistyped keys count too.
 */
export const flagVariantUsage = pgTable(
  'flag_variant_usage',
  {
    environmentId: integer('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    flagKey: text('flag_key').notNull(),
    variant: text('variant').notNull(),
    firstSeen: timestamp('first_seen', { withTimezone: true }).notNull(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.environmentId, t.flagKey, t.variant] }), index('flag_variant_usage_flag_key').on(t.flagKey)],
);

export type StaleReason = 'launched' | 'inactive';

/**
 * A flag's staleness settings and state. `staleAfterDays` overrides the server's default
 * (fractions allowed); `trackedSince` is when usage started being recorded for it (the stale
 * check adds the row), so flags that predate tracking aren't judged on days nobody watched;
 * `staleSince` is set with a conditional update, so each transition to stale is announced
 * (`flag.stale`) exactly once, whichever instance sees it.
 */
export const flagLifecycle = pgTable(
  'flag_lifecycle',
  {
    flagId: integer('flag_id')
      .primaryKey()
      .references(() => flags.id, { onDelete: 'cascade' }),
    staleAfterDays: doublePrecision('stale_after_days'),
    trackedSince: timestamp('tracked_since', { withTimezone: true }).notNull().defaultNow(),
    staleSince: timestamp('stale_since', { withTimezone: true }),
    staleReason: text('stale_reason').$type<StaleReason>(),
  },
  (t) => [check('flag_lifecycle_stale_after_days_positive', sql`${t.staleAfterDays} is null or ${t.staleAfterDays} > 0`)],
);

export type FlagLifecycleRow = typeof flagLifecycle.$inferSelect;
