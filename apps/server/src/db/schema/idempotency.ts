import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Stored answers to creates sent with an `Idempotency-Key`, replayed on retry for 24 h. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** Who sent it (api key id or ADMIN_TOKEN) and the route, so keys never collide across callers. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    status: integer('status'),
    body: jsonb('body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);
