/**
 * The outbox. An event is written as one delivery row per subscribed webhook, inside the
 * transaction of the change that caused it: a change that rolls back leaves no row, and a
 * committed row is delivered even if this process dies right after the commit.
 * Other modules (release plans, scheduled changes) call `enqueueWebhookEvents` with their
 * `release.*` / `schedule.*` events, or `ChangeTransaction.webhookEvent` inside a `ChangeWriter` run.
 */
import type { Database } from '../../db/client.js';
import { webhookDeliveries, webhooks } from '../../db/schema/index.js';
import { eq } from 'drizzle-orm';
import { messageId } from './signing.js';

export interface WebhookEvent {
  /** `flag.changed`, `release.rolled_back`, `schedule.applied`… */
  type: string;
  /** The environment it concerns; null for changes to every environment (they reach environment-filtered webhooks too). */
  environment: string | null;
  data: Record<string, unknown>;
}

/** Whether a subscription pattern (`flag.changed`, `release.*`, `*`) covers an event type. */
export function eventMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export function subscribed(hook: { events: readonly string[]; environments: readonly string[] | null }, event: WebhookEvent): boolean {
  if (!hook.events.some((p) => eventMatches(p, event.type))) return false;
  return hook.environments === null || event.environment === null || hook.environments.includes(event.environment);
}

/** The JSON body every attempt sends: Standard Webhooks' recommended `{ type, timestamp, data }`. */
export function eventBody(event: WebhookEvent, at: Date): string {
  return JSON.stringify({ type: event.type, timestamp: at.toISOString(), data: { environment: event.environment, ...event.data } });
}

/** Writes the events' delivery rows in the caller's transaction; returns how many. */
export async function enqueueWebhookEvents(tx: Database, events: readonly WebhookEvent[], at: Date = new Date()): Promise<number> {
  if (events.length === 0) return 0;
  const hooks = await tx
    .select({ id: webhooks.id, events: webhooks.events, environments: webhooks.environments })
    .from(webhooks)
    .where(eq(webhooks.enabled, true));
  const rows: (typeof webhookDeliveries.$inferInsert)[] = [];
  for (const event of events) {
    const body = eventBody(event, at);
    for (const hook of hooks) {
      if (subscribed(hook, event))
        rows.push({ id: messageId(), webhookId: hook.id, eventType: event.type, environment: event.environment, body });
    }
  }
  if (rows.length > 0) await tx.insert(webhookDeliveries).values(rows);
  return rows.length;
}
