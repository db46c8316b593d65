/** Webhook subscriptions: created with a secret shown once, edited, rotated, deleted; their delivery log and redelivery. */
import type {
  CreateWebhookBody,
  UpdateWebhookBody,
  Webhook,
  WebhookCreated,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookSecretRotated,
} from '@switchboard/api-contract';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { environments, webhookDeliveries, webhooks } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { generateWebhookSecret } from './signing.js';
import { TargetRefused, checkWebhookUrl, type Resolver } from './ssrf.js';
import { findDelivery, findWebhook, listDeliveries, listWebhooks, webhookView, withAttempts } from './store.js';

export interface WebhookSettings {
  allowPrivate: boolean;
  /** How long the previous secret keeps signing after a rotation. */
  rotationWindowMs: number;
  resolve?: Resolver | undefined;
}

export class WebhookService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
    private readonly settings: WebhookSettings,
    /** Tells this instance's dispatcher that something is due now. */
    private readonly wake: () => void,
  ) {}

  async list(): Promise<Webhook[]> {
    return (await listWebhooks(this.db())).map((row) => webhookView(row));
  }

  async get(id: string): Promise<Webhook> {
    const row = await findWebhook(this.db(), id);
    if (!row) throw new NotFoundError(`Webhook ${id} does not exist`);
    return webhookView(row);
  }

  private async checkUrl(url: string): Promise<string> {
    try {
      return (await checkWebhookUrl(url, this.settings.allowPrivate, this.settings.resolve)).href;
    } catch (err) {
      if (err instanceof TargetRefused) throw new ValidationError(`url ${err.message}`, 'url');
      throw err;
    }
  }

  private async checkEnvironments(w: ChangeTransaction, keys: readonly string[] | null | undefined): Promise<void> {
    if (!keys) return;
    const found = await w.tx
      .select({ key: environments.key })
      .from(environments)
      .where(inArray(environments.key, [...keys]));
    const missing = keys.filter((k) => !found.some((f) => f.key === k));
    if (missing.length > 0) throw new ValidationError(`Environment "${missing[0]}" does not exist`, 'environments');
  }

  async create(ctx: RequestContext, body: CreateWebhookBody): Promise<WebhookCreated> {
    const url = await this.checkUrl(body.url);
    const secret = generateWebhookSecret();
    return this.writer.run(ctx, async (w) => {
      await this.checkEnvironments(w, body.environments);
      const [row] = await w.tx
        .insert(webhooks)
        .values({
          url,
          events: body.events,
          environments: body.environments ?? null,
          description: body.description ?? '',
          enabled: body.enabled ?? true,
          secret,
          createdBy: ctx.principal.name,
        })
        .returning();
      const view = webhookView(row!);
      w.audit({ action: 'webhook.create', subject: view.id, after: view });
      return { ...view, secret };
    });
  }

  async update(ctx: RequestContext, id: string, body: UpdateWebhookBody): Promise<Webhook> {
    const url = body.url === undefined ? undefined : await this.checkUrl(body.url);
    return this.writer
      .run(ctx, async (w) => {
        const current = await findWebhook(w.tx, id);
        if (!current) throw new NotFoundError(`Webhook ${id} does not exist`);
        await this.checkEnvironments(w, body.environments);
        const [row] = await w.tx
          .update(webhooks)
          .set({
            ...(url !== undefined ? { url } : {}),
            ...(body.events !== undefined ? { events: body.events } : {}),
            ...(body.environments !== undefined ? { environments: body.environments } : {}),
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
            updatedAt: sql`now()`,
          })
          .where(eq(webhooks.id, id))
          .returning();
        const view = webhookView(row!);
        w.audit({ action: 'webhook.update', subject: id, before: webhookView(current), after: view });
        return view;
      })
      .finally(() => {
        // Re-enabling releases the deliveries that waited.
        if (body.enabled === true) this.wake();
      });
  }

  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.writer.run(ctx, async (w) => {
      const [row] = await w.tx.delete(webhooks).where(eq(webhooks.id, id)).returning();
      if (!row) throw new NotFoundError(`Webhook ${id} does not exist`);
      w.audit({ action: 'webhook.delete', subject: id, before: webhookView(row) });
    });
  }

  /** A new secret; the current one keeps signing (as a second signature) for the rotation window. */
  async rotateSecret(ctx: RequestContext, id: string): Promise<WebhookSecretRotated> {
    const secret = generateWebhookSecret();
    return this.writer.run(ctx, async (w) => {
      const [current] = await w.tx.select().from(webhooks).where(eq(webhooks.id, id)).for('update');
      if (!current) throw new NotFoundError(`Webhook ${id} does not exist`);
      const [row] = await w.tx
        .update(webhooks)
        .set({
          secret,
          previousSecret: current.secret,
          previousSecretExpiresAt: sql`now() + (${this.settings.rotationWindowMs}::double precision * interval '1 millisecond')`,
          updatedAt: sql`now()`,
        })
        .where(eq(webhooks.id, id))
        .returning();
      w.audit({
        action: 'webhook.rotate-secret',
        subject: id,
        after: { previousSecretExpiresAt: row!.previousSecretExpiresAt!.toISOString() },
      });
      return { id, secret, previousSecretExpiresAt: row!.previousSecretExpiresAt!.toISOString() };
    });
  }

  async deliveries(
    id: string,
    query: { status?: WebhookDeliveryStatus | undefined; limit?: number | undefined; cursor?: string | undefined },
  ): Promise<WebhookDeliveryPage> {
    const db = this.db();
    if (!(await findWebhook(db, id))) throw new NotFoundError(`Webhook ${id} does not exist`);
    const limit = query.limit ?? 50;
    const deliveries = await listDeliveries(db, id, { status: query.status, limit, before: query.cursor });
    return { deliveries, nextCursor: deliveries.length === limit ? deliveries[deliveries.length - 1]!.id : null };
  }

  /** Queues a delivery again with a fresh retry schedule, under the same message id (receivers can deduplicate). */
  async redeliver(ctx: RequestContext, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const out = await this.writer.run(ctx, async (w) => {
      const current = await findDelivery(w.tx, id, deliveryId);
      if (!current) throw new NotFoundError(`Delivery ${deliveryId} of webhook ${id} does not exist`);
      const [row] = await w.tx
        .update(webhookDeliveries)
        .set({ status: 'pending', cycleAttempts: 0, nextAttemptAt: sql`now()`, completedAt: null })
        .where(and(eq(webhookDeliveries.id, deliveryId), ne(webhookDeliveries.status, 'delivering')))
        .returning();
      if (!row) throw new ConflictError(`Delivery ${deliveryId} is being attempted right now; retry when it has finished`);
      w.audit({ action: 'webhook.redeliver', subject: id, after: { deliveryId } });
      return (await withAttempts(w.tx, [row]))[0]!;
    });
    this.wake();
    return out;
  }
}
