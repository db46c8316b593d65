import { index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';
import type { ConfigFields } from './flags.js';

export type ChangeRequestStatus = 'open' | 'approved' | 'applied' | 'rejected' | 'cancelled' | 'conflicted';

/**
 * A config write held for approval in an environment that requires approvals. Kept by flag
 * and environment key, like scheduled changes, so it outlives the flag. `contentHash` covers
 * everything an approver reviewed; an edit changes it, so earlier approvals stop counting.
 */
export const changeRequests = pgTable(
  'change_requests',
  {
    id: serial('id').primaryKey(),
    flagKey: text('flag_key').notNull(),
    environment: text('environment').notNull(),
    /** The audit action the write records when applied (config.update, config.rollout…). */
    action: text('action').notNull(),
    /** The config fields the write changes, as they will be. */
    patch: jsonb('patch').$type<Partial<ConfigFields>>().notNull(),
    /** The config version the patch was written against; applying needs it to still be current. */
    baseVersion: integer('base_version').notNull(),
    /** That version's fields, for the review diff. */
    base: jsonb('base').$type<ConfigFields>().notNull(),
    /** Identity (user id, key id or the admin token's name) and display name of who asked. */
    author: text('author').notNull(),
    authorName: text('author_name').notNull(),
    reason: text('reason'),
    status: text('status').$type<ChangeRequestStatus>().notNull().default('open'),
    /** Bumps on every edit and status change: the request's `If-Match`. */
    revision: integer('revision').notNull().default(1),
    contentHash: text('content_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** Who applied, rejected or cancelled it (display name). */
    resolvedBy: text('resolved_by'),
    /** The config version applying it wrote. */
    appliedVersion: integer('applied_version'),
  },
  (t) => [index('change_requests_status').on(t.status, t.id), index('change_requests_flag').on(t.flagKey, t.environment, t.status)],
);

/** One approval of one content: approvals of an earlier content stay as history but no longer count. */
export const changeRequestApprovals = pgTable(
  'change_request_approvals',
  {
    changeRequestId: integer('change_request_id')
      .notNull()
      .references(() => changeRequests.id, { onDelete: 'cascade' }),
    approver: text('approver').notNull(),
    approverName: text('approver_name').notNull(),
    contentHash: text('content_hash').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.changeRequestId, t.approver, t.contentHash] })],
);

export type ChangeRequestRow = typeof changeRequests.$inferSelect;
export type ChangeRequestApprovalRow = typeof changeRequestApprovals.$inferSelect;
