/** Webhook and delivery-log queries. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Webhook, WebhookDelivery, WebhookDeliveryStatus } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import { webhookAttempts, webhookDeliveries, webhooks, type DeliveryRow, type WebhookRow } from '../../db/schema/index.js';

export function webhookView(row: WebhookRow, now: Date = new Date()): Webhook {
  const rotating = row.previousSecret !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    environments: row.environments ?? null,
    description: row.description,
    enabled: row.enabled,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    previousSecretExpiresAt: rotating ? row.previousSecretExpiresAt!.toISOString() : null,
  };
}

export async function findWebhook(db: Database, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

export function listWebhooks(db: Database): Promise<WebhookRow[]> {
  return db.select().from(webhooks).orderBy(asc(webhooks.createdAt), asc(webhooks.id));
}

function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** A page of one webhook's deliveries, newest first, each with its attempts. The cursor is the last row's id. */
export async function listDeliveries(
  db: Database,
  webhookId: string,
  query: { status?: WebhookDeliveryStatus | undefined; limit: number; before?: string | undefined },
): Promise<WebhookDelivery[]> {
  const d = webhookDeliveries;
  const rows = await db
    .select()
    .from(d)
    .where(
      and(
        eq(d.webhookId, webhookId),
        query.status ? eq(d.status, query.status) : undefined,
        // Keyset on (created_at, id), read from the cursor's row: rows of one event share created_at, and a
        // JavaScript Date would lose its microseconds.
        query.before === undefined
          ? undefined
          : sql`(${d.createdAt}, ${d.id}) < (select created_at, id from ${d} where id = ${query.before})`,
      ),
    )
    .orderBy(desc(d.createdAt), desc(d.id))
    .limit(query.limit);
  return withAttempts(db, rows);
}

export async function findDelivery(db: Database, webhookId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.id, id)));
  return row;
}

export async function withAttempts(db: Database, rows: DeliveryRow[]): Promise<WebhookDelivery[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(
      inArray(
        webhookAttempts.deliveryId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(webhookAttempts.attempt), asc(webhookAttempts.id));
  return rows.map((row) => ({
    id: row.id,
    webhookId: row.webhookId,
    eventType: row.eventType,
    environment: row.environment,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    payload: parsed(row.body),
    attemptLog: attempts
      .filter((a) => a.deliveryId === row.id)
      .map((a) => ({
        attempt: a.attempt,
        startedAt: a.startedAt.toISOString(),
        durationMs: a.durationMs,
        statusCode: a.statusCode,
        error: a.error,
        responseExcerpt: a.responseExcerpt,
      })),
  }));
}
