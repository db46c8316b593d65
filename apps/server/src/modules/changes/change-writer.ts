/**
 * Every admin write is one transaction: the change, its audit row and the revision bump
 * of each environment it touches commit together (see `ChangeTransaction`). After commit
 * the changes go to this instance's snapshots and out to the other instances.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { idempotencyKeys } from '../../db/schema/index.js';
import { AppError, ConflictError, UnavailableError, isAppError, isDatabaseUnavailable, sqlState } from '../../errors.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { DatabaseService } from '../../plugins/db.js';
import type { Delivery } from '../sdk/delivery.js';
import { ChangeTransaction } from './change-transaction.js';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

function translate(err: unknown): unknown {
  if (isAppError(err)) return err;
  if (isDatabaseUnavailable(err)) {
    // The cause tells the database service whether the connection itself was lost.
    return Object.assign(new UnavailableError('The database is unavailable; nothing was written. Retry shortly.'), { cause: err });
  }
  const state = sqlState(err);
  if (state === '40001' || state === '40P01') return new ConflictError('A concurrent write interfered; nothing was written. Retry.');
  if (state === '23505') return new ConflictError('That key is already taken');
  return err;
}

/** Runs admin writes: one transaction each, published to the snapshots once committed. */
export class ChangeWriter {
  constructor(
    private readonly database: DatabaseService,
    private readonly delivery: Delivery,
    private readonly log: FastifyBaseLogger,
    /** Called after a commit that put webhook deliveries in the outbox (wakes this instance's dispatcher). */
    private readonly onWebhookOutbox?: () => void,
  ) {}

  /** Runs `fn` in one transaction and publishes what it changed after commit. */
  async run<T>(context: RequestContext, fn: (w: ChangeTransaction) => Promise<T>): Promise<T> {
    const db = this.database.readyDb();
    const lockBudget = { startedAt: Date.now(), lockTimeoutMs: this.database.handle.lockTimeoutMs };
    let write: ChangeTransaction | undefined;
    let result: T;
    try {
      result = await db.transaction(async (tx) => {
        write = new ChangeTransaction(tx as unknown as Database, context, lockBudget);
        const value = await fn(write);
        await write.finish();
        return value;
      });
    } catch (err) {
      throw translate(err);
    }
    // Committed: whatever happens while publishing, the write stands (the revision
    // check delivers it if this fails).
    try {
      this.delivery.committed(write!.committedChanges(Date.now()));
    } catch (err) {
      this.log.error({ err }, 'publishing a committed change failed; the revision check will deliver it');
    }
    if (write!.enqueuedDeliveries > 0) this.onWebhookOutbox?.();
    return result;
  }

  /**
   * A create that honours `Idempotency-Key`: the first request's answer is stored in the
   * same transaction and replayed to retries with the same body for 24 h.
   */
  async runCreate(
    context: RequestContext,
    idempotency: Idempotency | undefined,
    fn: (w: ChangeTransaction) => Promise<{ status: number; body: unknown; stored?: unknown }>,
  ): Promise<StoredResponse> {
    if (!idempotency) {
      const out = await this.run(context, fn);
      return { status: out.status, body: out.body, replayed: false };
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(idempotency.body ?? null))
      .digest('hex');
    const where = and(eq(idempotencyKeys.scope, idempotency.scope), eq(idempotencyKeys.key, idempotency.key));
    return this.run(context, async (w) => {
      await w.tx.delete(idempotencyKeys).where(and(where, sql`${idempotencyKeys.createdAt} < now() - interval '24 hours'`));
      // Waits for a concurrent request with the same key to finish, then sees its row.
      const inserted = await w.tx
        .insert(idempotencyKeys)
        .values({ scope: idempotency.scope, key: idempotency.key, fingerprint })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length === 0) {
        const [prior] = await w.tx.select().from(idempotencyKeys).where(where);
        if (!prior || prior.fingerprint !== fingerprint) {
          throw new AppError('CONFLICT', 'This Idempotency-Key was used with a different request', 'Idempotency-Key');
        }
        return { status: prior.status ?? 200, body: prior.body, replayed: true };
      }
      const out = await fn(w);
      await w.tx
        .update(idempotencyKeys)
        .set({ status: out.status, body: out.stored ?? out.body })
        .where(where);
      return { status: out.status, body: out.body, replayed: false };
    });
  }
}
