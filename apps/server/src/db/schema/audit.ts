import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Append-only record of every admin write, committed in the same transaction as the
 * change. A trigger (migration 0001) refuses UPDATE and DELETE. No secrets, ever.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    keyId: uuid('key_id'),
    action: text('action').notNull(),
    flagKey: text('flag_key'),
    environment: text('environment'),
    /** Other subject of the action: a segment key, an api key id… */
    subject: text('subject'),
    /** The environment's revision after this change, when it changed one. */
    revision: bigint('revision', { mode: 'number' }),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    /** The caller's X-Request-Id (validated, at most 128 characters), kept apart from ours. */
    clientRequestId: text('client_request_id'),
    /** Why, in the writer's words (the request's `reason`); required where the environment says so. */
    reason: text('reason'),
  },
  (t) => [
    index('audit_events_flag_at').on(t.flagKey, t.at),
    index('audit_events_environment_at').on(t.environment, t.at),
    index('audit_events_at').on(t.at),
  ],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
