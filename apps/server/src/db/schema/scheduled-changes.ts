import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type ScheduledChangeStatus = 'pending' | 'applied' | 'conflicted' | 'expired' | 'cancelled' | 'failed';

/**
 * A config edit to apply at `runAt`. The flag and environment are kept by key, not by
 * reference, so the row (and why it failed) outlives a deleted flag or environment.
 */
export const scheduledChanges = pgTable(
  'scheduled_changes',
  {
    id: text('id').primaryKey(),
    flagKey: text('flag_key').notNull(),
    environment: text('environment').notNull(),
    runAt: timestamp('run_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The wall time and IANA zone as typed (and the offset that disambiguated it), when runAt was given that way. */
    localTime: text('local_time'),
    timeZone: text('time_zone'),
    utcOffset: text('utc_offset'),
    /** A body `PATCH …/environments/:env` accepts, without `version`. */
    change: jsonb('change').$type<Record<string, unknown>>().notNull(),
    baseVersion: integer('base_version'),
    maxLatenessSec: integer('max_lateness_sec').notNull(),
    comment: text('comment'),
    status: text('status').$type<ScheduledChangeStatus>().notNull().default('pending'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** The config version the change wrote, once applied. */
    appliedVersion: integer('applied_version'),
    /** Why it conflicted, expired or failed. */
    error: text('error'),
  },
  (t) => [index('scheduled_changes_due').on(t.status, t.runAt), index('scheduled_changes_flag_env').on(t.flagKey, t.environment, t.status)],
);

export type ScheduledChangeRow = typeof scheduledChanges.$inferSelect;
