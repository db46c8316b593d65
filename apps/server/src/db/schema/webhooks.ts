import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Webhook subscriptions. The signing secret is stored as is (HMAC needs it); it leaves the
 * server only in the answers to create and rotate. During a rotation the previous secret
 * keeps signing until `previousSecretExpiresAt`.
 */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  /** Event names or patterns (`flag.changed`, `release.*`, `*`). */
  events: jsonb('events').$type<string[]>().notNull(),
  /** Environment keys whose events it receives; null = every environment. */
  environments: jsonb('environments').$type<string[] | null>(),
  description: text('description').notNull().default(''),
  enabled: boolean('enabled').notNull().default(true),
  secret: text('secret').notNull(),
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type WebhookRow = typeof webhooks.$inferSelect;

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'failed';

/**
 * The outbox: one row per event and subscribed webhook, inserted in the transaction of the
 * change that caused it. Its id is the message's `webhook-id`, the same on every attempt.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    environment: text('environment'),
    /** The exact bytes sent (and signed) on every attempt. */
    body: text('body').notNull(),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    /** Attempts made in all, and since the last (re)delivery request: the latter picks the backoff step. */
    attempts: integer('attempts').notNull().default(0),
    cycleAttempts: integer('cycle_attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While `delivering`: when another instance may take the attempt over (its sender died). */
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [index('webhook_deliveries_due').on(t.status, t.nextAttemptAt), index('webhook_deliveries_webhook').on(t.webhookId, t.createdAt)],
);

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** One row per attempt: the delivery log. Response bodies are kept only as a short excerpt. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    responseExcerpt: text('response_excerpt'),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.attempt)],
);

export type AttemptRow = typeof webhookAttempts.$inferSelect;
