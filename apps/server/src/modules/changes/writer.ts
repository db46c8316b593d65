/**
 * Every admin write is one transaction: the change, its audit row and the revision bump
 * of each environment it touches commit together. Environments are locked first, in id
 * order, so writes to one environment serialize (revisions stay gap-free and version
 * checks see the latest committed state) and concurrent writes cannot deadlock. After
 * commit the changes go to this instance's snapshots and out to the other instances.
 */
import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Flag, Segment } from '@switchboard/core';
import type { Database } from '../../db/client.js';
import { auditEvents, environments, idempotencyKeys, type EnvironmentRow } from '../../db/schema/index.js';
import { AppError, ConflictError, NotFoundError, UnavailableError, isAppError, isDatabaseUnavailable, sqlState } from '../../errors.js';
import type { DatabaseService } from '../../plugins/db.js';
import type { Principal } from '../api-keys/key-verifier.js';
import type { EnvironmentChange } from '../sdk/environment-view.js';
import type { Delivery } from '../sdk/delivery.js';

export interface RequestContext {
  principal: Principal;
  requestId: string;
  /** The caller's own X-Request-Id, if it sent a usable one; stored beside ours, never instead. */
  clientRequestId?: string | undefined;
}

export interface AuditEntry {
  action: string;
  flagKey?: string | null;
  environment?: string | null;
  subject?: string | null;
  before?: unknown;
  after?: unknown;
}

const ENVIRONMENT_SET_LOCK = 4_242_0002;

type LockedEnvironment = Pick<EnvironmentRow, 'id' | 'key' | 'name' | 'revision'>;

interface PendingChange {
  flags: Record<string, Flag | null>;
  segments: Record<string, Segment | null>;
}

/** The state of one write transaction. */
export class Write {
  private readonly locked = new Map<number, LockedEnvironment>();
  private readonly changes = new Map<number, PendingChange>();
  private readonly audits: { entry: AuditEntry; environmentId: number | undefined }[] = [];
  private readonly revisions = new Map<number, number>();

  constructor(
    readonly tx: Database,
    readonly context: RequestContext,
    /** When the write began (before waiting for a connection) and the database's per-statement lock timeout. */
    private readonly lockBudget: { startedAt: number; lockTimeoutMs: number | undefined },
  ) {}

  /**
   * Locks environments (all when `ids` is omitted) in id order. Locking all also takes
   * a transaction-level advisory lock, so a write that spans every environment (a new
   * flag) and one that adds an environment never miss each other.
   */
  async lockEnvironments(ids?: readonly number[]): Promise<LockedEnvironment[]> {
    if (!ids) await this.tx.execute(sql`select pg_advisory_xact_lock(${ENVIRONMENT_SET_LOCK})`);
    const rows = await this.tx
      .select({ id: environments.id, key: environments.key, name: environments.name, revision: environments.revision })
      .from(environments)
      .where(ids ? inArray(environments.id, [...ids]) : undefined)
      .orderBy(asc(environments.id))
      .for('update');
    for (const row of rows) this.locked.set(row.id, row);
    await this.spendLockWait();
    return rows;
  }

  async lockEnvironment(key: string): Promise<LockedEnvironment> {
    const [row] = await this.tx
      .select({ id: environments.id, key: environments.key, name: environments.name, revision: environments.revision })
      .from(environments)
      .where(eq(environments.key, key))
      .for('update');
    if (!row) throw new NotFoundError(`Environment "${key}" does not exist`);
    this.locked.set(row.id, row);
    await this.spendLockWait();
    return row;
  }

  /**
   * Postgres bounds each statement's lock wait, not the transaction's. A write that queued
   * for the environment locks behind one stuck on a table lock (an operator's LOCK TABLE,
   * a migration) would then wait as long again on that table itself. So the time spent
   * getting here comes off the lock timeout of the statements that follow, and the write
   * gives up about one lock timeout after it started. Without a queue (the usual case)
   * this costs nothing.
   */
  private async spendLockWait(): Promise<void> {
    const { startedAt, lockTimeoutMs } = this.lockBudget;
    if (lockTimeoutMs === undefined) return;
    const waited = Date.now() - startedAt;
    if (waited < 100) return;
    const left = Math.max(1, lockTimeoutMs - waited);
    await this.tx.execute(sql`select set_config('lock_timeout', ${`${left}ms`}, true)`);
  }

  get lockedEnvironments(): LockedEnvironment[] {
    return [...this.locked.values()];
  }

  private pending(environmentId: number): PendingChange {
    if (!this.locked.has(environmentId)) throw new Error(`environment ${environmentId} changed without being locked`);
    let change = this.changes.get(environmentId);
    if (!change) {
      change = { flags: {}, segments: {} };
      this.changes.set(environmentId, change);
    }
    return change;
  }

  flagChanged(environmentId: number, key: string, doc: Flag | null): void {
    this.pending(environmentId).flags[key] = doc;
  }

  /** Segments are shared: the change lands in every locked environment. */
  segmentChanged(key: string, doc: Segment | null): void {
    for (const id of this.locked.keys()) this.pending(id).segments[key] = doc;
  }

  /** Bumps an environment's revision without a flag or segment change (e.g. a new environment). */
  touch(environmentId: number): void {
    this.pending(environmentId);
  }

  audit(entry: AuditEntry, environmentId?: number): void {
    this.audits.push({ entry, environmentId });
  }

  /** Bumps revisions and writes the audit rows; the last statements before commit. */
  async finish(): Promise<void> {
    for (const id of [...this.changes.keys()].sort((a, b) => a - b)) {
      const [row] = await this.tx
        .update(environments)
        .set({ revision: sql`${environments.revision} + 1` })
        .where(eq(environments.id, id))
        .returning({ revision: environments.revision });
      this.revisions.set(id, row!.revision);
    }
    if (this.audits.length === 0) return;
    const { principal, requestId, clientRequestId } = this.context;
    await this.tx.insert(auditEvents).values(
      this.audits.map(({ entry, environmentId }) => ({
        actor: principal.name,
        keyId: principal.keyId,
        action: entry.action,
        flagKey: entry.flagKey ?? null,
        environment: entry.environment ?? (environmentId !== undefined ? this.locked.get(environmentId)?.key ?? null : null),
        subject: entry.subject ?? null,
        revision: environmentId !== undefined ? this.revisions.get(environmentId) ?? null : null,
        before: entry.before ?? null,
        after: entry.after ?? null,
        requestId,
        clientRequestId: clientRequestId ?? null,
      })),
    );
  }

  /** What to apply and fan out once committed. */
  committedChanges(committedAt: number): EnvironmentChange[] {
    return [...this.changes].map(([id, change]) => {
      const out: EnvironmentChange = { environment: this.locked.get(id)!.key, revision: this.revisions.get(id)!, committedAt };
      if (Object.keys(change.flags).length > 0) out.flags = change.flags;
      if (Object.keys(change.segments).length > 0) out.segments = change.segments;
      return out;
    });
  }

  revisionOf(environmentId: number): number | undefined {
    return this.revisions.get(environmentId);
  }
}

export interface Idempotency {
  key: string;
  /** The route and the caller, so keys never collide across callers or routes. */
  scope: string;
  /** The request body; a retry with the same key and a different body is refused. */
  body: unknown;
}

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

export class Writer {
  constructor(
    private readonly database: DatabaseService,
    private readonly delivery: Delivery,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Runs `fn` in one transaction and publishes what it changed after commit. */
  async run<T>(context: RequestContext, fn: (w: Write) => Promise<T>): Promise<T> {
    const db = this.database.readyDb();
    const lockBudget = { startedAt: Date.now(), lockTimeoutMs: this.database.handle.lockTimeoutMs };
    let write: Write | undefined;
    let result: T;
    try {
      result = await db.transaction(async (tx) => {
        write = new Write(tx as unknown as Database, context, lockBudget);
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
    return result;
  }

  /**
   * A create that honours `Idempotency-Key`: the first request's answer is stored in the
   * same transaction and replayed to retries with the same body for 24 h.
   */
  async runCreate(
    context: RequestContext,
    idempotency: Idempotency | undefined,
    fn: (w: Write) => Promise<{ status: number; body: unknown; stored?: unknown }>,
  ): Promise<StoredResponse> {
    if (!idempotency) {
      const out = await this.run(context, fn);
      return { status: out.status, body: out.body, replayed: false };
    }
    const fingerprint = createHash('sha256').update(JSON.stringify(idempotency.body ?? null)).digest('hex');
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

/** The caller and request id of an authenticated admin request. */
export function requestContext(request: { principal: Principal | null; id: string; clientRequestId?: string | undefined }): RequestContext {
  if (!request.principal) throw new Error('admin route reached without a principal');
  return { principal: request.principal, requestId: request.id, clientRequestId: request.clientRequestId };
}

/** `Idempotency-Key` handling for a create route, scoped to the caller and the route. */
export function idempotencyOf(
  request: { principal: Principal | null; headers: Record<string, unknown>; routeOptions: { url?: string | undefined }; method: string },
  body: unknown,
): Idempotency | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return undefined;
  const caller = request.principal?.keyId ?? 'admin-token';
  return { key, scope: `${caller} ${request.method} ${request.routeOptions.url ?? ''}`, body };
}
