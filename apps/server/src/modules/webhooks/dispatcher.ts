/**
 * Delivers the outbox. Each instance polls for due deliveries and claims them with
 * `FOR UPDATE SKIP LOCKED`, marking them `delivering` under a lease longer than an attempt
 * can take: two instances never send the same attempt, and a delivery whose sender died
 * is taken over when its lease runs out. The outcome is recorded only by the claim that
 * made the attempt (the attempt number must still match).
 */
import type { FastifyBaseLogger } from 'fastify';
import { and, asc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { webhookAttempts, webhookDeliveries, webhooks, type DeliveryRow } from '../../db/schema/index.js';
import type { DatabaseService } from '../../plugins/db.js';
import { nextRetryDelay } from './retry-schedule.js';
import { sendWebhook, type AttemptResult } from './sender.js';
import { signedHeaders } from './signing.js';
import type { Resolver } from './ssrf.js';

export interface DispatcherOptions {
  pollIntervalMs: number;
  /** Attempts in flight at once on this instance. */
  concurrency: number;
  timeoutMs: number;
  /** Delays between attempts (ms); when spent, the delivery is `failed`. */
  retrySchedule: readonly number[];
  allowPrivate: boolean;
  /** Finished deliveries older than this are deleted. */
  retentionDays: number;
  resolve?: Resolver | undefined;
}

/** Margin over the attempt timeout before another instance may take a claimed delivery over. */
const LEASE_MARGIN_MS = 30_000;
const PRUNE_INTERVAL_MS = 3_600_000;
/** How long a shutdown waits for attempts in flight (the server's whole shutdown budget is 10 s by default). */
const STOP_WAIT_MS = 3000;

/** The database's now plus `ms`: due times use one clock whatever the instances' clocks say. */
const afterMs = (ms: number) => sql`now() + (${ms}::double precision * interval '1 millisecond')`;

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private polling = false;
  private again = false;
  private stopped = true;
  private lastPruneAt = 0;
  private readonly shutdown = new AbortController();

  constructor(
    private readonly database: DatabaseService,
    private readonly options: DispatcherOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for due deliveries now (after a commit or a redelivery request) instead of at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = true;
    void this.poll()
      .catch((err: unknown) => this.log.warn({ err: { message: (err as Error).message } }, 'claiming webhook deliveries failed'))
      .finally(() => {
        this.polling = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Stops claiming and waits, up to `waitMs`, for the attempts in flight to be recorded, then cuts
   * the rest: those rows stay `delivering` and any instance retries them when their lease ends.
   */
  async stop(waitMs = STOP_WAIT_MS): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const deadline = Date.now() + waitMs;
    while ((this.polling || this.inFlight.size > 0) && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise((r) => {
        timer = setTimeout(r, this.polling ? 10 : deadline - Date.now());
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), tick]);
      clearTimeout(timer);
    }
    // Attempts still running are cut; their rows stay `delivering` until the lease ends.
    this.shutdown.abort();
  }

  private async poll(): Promise<void> {
    if (!this.database.ready || !this.database.reachable) return;
    const db = this.database.db;
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const claimed = await this.claim(db, free);
    for (const row of claimed) {
      const attempt = this.attempt(db, row).catch((err: unknown) =>
        this.log.warn({ err: { message: (err as Error).message }, delivery: row.id }, 'recording a webhook attempt failed'),
      );
      this.inFlight.add(attempt);
      void attempt.finally(() => {
        this.inFlight.delete(attempt);
        // A full batch means more may be due.
        if (claimed.length === free) this.wake();
      });
    }
    if (Date.now() - this.lastPruneAt > PRUNE_INTERVAL_MS) {
      this.lastPruneAt = Date.now();
      await this.prune(db);
    }
  }

  /** Takes up to `limit` due deliveries (or ones whose sender's lease ran out) for this instance. */
  private claim(db: Database, limit: number): Promise<DeliveryRow[]> {
    const d = webhookDeliveries;
    const leaseMs = this.options.timeoutMs + LEASE_MARGIN_MS;
    return db.transaction(async (tx) => {
      const due = await tx
        .select({ id: d.id })
        .from(d)
        .where(
          and(
            or(
              and(eq(d.status, 'pending'), lte(d.nextAttemptAt, sql`now()`)),
              and(eq(d.status, 'delivering'), lt(d.leaseExpiresAt, sql`now()`)),
            ),
            inArray(d.webhookId, tx.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.enabled, true))),
          ),
        )
        .orderBy(asc(d.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      return tx
        .update(d)
        .set({
          status: 'delivering',
          attempts: sql`${d.attempts} + 1`,
          cycleAttempts: sql`${d.cycleAttempts} + 1`,
          leaseExpiresAt: afterMs(leaseMs),
        })
        .where(
          inArray(
            d.id,
            due.map((r) => r.id),
          ),
        )
        .returning();
    }) as Promise<DeliveryRow[]>;
  }

  private async attempt(db: Database, row: DeliveryRow): Promise<void> {
    const [hook] = await db.select().from(webhooks).where(eq(webhooks.id, row.webhookId));
    if (!hook) return; // deleted meanwhile: its deliveries went with it
    const startedAt = new Date();
    const secrets = [hook.secret];
    if (hook.previousSecret && hook.previousSecretExpiresAt && hook.previousSecretExpiresAt > startedAt) secrets.push(hook.previousSecret);
    const headers = signedHeaders(secrets, row.id, Math.floor(startedAt.getTime() / 1000), row.body);
    const result = await sendWebhook(hook.url, headers, row.body, {
      timeoutMs: this.options.timeoutMs,
      allowPrivate: this.options.allowPrivate,
      resolve: this.options.resolve,
      signal: this.shutdown.signal,
    });
    if (!result.aborted) await this.record(db, row, startedAt, result);
  }

  private async record(db: Database, row: DeliveryRow, startedAt: Date, result: AttemptResult): Promise<void> {
    const d = webhookDeliveries;
    const succeeded = result.error === null;
    const delay = succeeded ? null : nextRetryDelay(this.options.retrySchedule, row.cycleAttempts);
    await db.transaction(async (tx) => {
      await tx.insert(webhookAttempts).values({ deliveryId: row.id, attempt: row.attempts, startedAt, ...result });
      await tx
        .update(d)
        .set({
          status: succeeded ? 'succeeded' : delay === null ? 'failed' : 'pending',
          nextAttemptAt: delay === null ? sql`${d.nextAttemptAt}` : afterMs(delay),
          completedAt: succeeded || delay === null ? sql`now()` : null,
          leaseExpiresAt: null,
          lastStatusCode: result.statusCode,
          lastError: result.error,
        })
        .where(and(eq(d.id, row.id), eq(d.status, 'delivering'), eq(d.attempts, row.attempts)));
    });
  }

  private async prune(db: Database): Promise<void> {
    const d = webhookDeliveries;
    await db
      .delete(d)
      .where(and(inArray(d.status, ['succeeded', 'failed']), lt(d.completedAt, afterMs(-this.options.retentionDays * 86_400_000))));
  }
}
