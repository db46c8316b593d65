/**
 * The inside of one admin write. Environments are locked first, in id order, so writes to
 * one environment serialize (revisions stay gap-free and version checks see the latest
 * committed state) and concurrent writes cannot deadlock. The change, its audit rows and
 * the revision bump of each environment it touches then commit together.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Flag, Segment } from '@switchboard/core';
import type { Database } from '../../db/client.js';
import { auditEvents, environments, flagConfigs, flags, type EnvironmentRow } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { EnvironmentChange } from '../sdk/delivered-environment.js';
import { flagChangedEvents } from '../webhooks/flag-events.js';
import { enqueueWebhookEvents, type WebhookEvent } from '../webhooks/outbox.js';

export interface AuditEntry {
  action: string;
  flagKey?: string | null;
  environment?: string | null;
  subject?: string | null;
  before?: unknown;
  after?: unknown;
}

const ENVIRONMENT_SET_LOCK = 4_242_0002;

type LockedEnvironment = Pick<EnvironmentRow, 'id' | 'key' | 'name' | 'revision' | 'protected' | 'requiredApprovals' | 'requireReason'>;

const lockedColumns = {
  id: environments.id,
  key: environments.key,
  name: environments.name,
  revision: environments.revision,
  protected: environments.protected,
  requiredApprovals: environments.requiredApprovals,
  requireReason: environments.requireReason,
};

interface PendingChange {
  flags: Record<string, Flag | null>;
  segments: Record<string, Segment | null>;
}

/**
 * One admin write inside its transaction: the environments it locked, what it changed in
 * each, and its audit rows. `ChangeWriter` opens it, commits it and publishes the changes.
 */
export class ChangeTransaction {
  private readonly locked = new Map<number, LockedEnvironment>();
  private readonly changes = new Map<number, PendingChange>();
  private readonly audits: { entry: AuditEntry; environmentId: number | undefined }[] = [];
  private readonly revisions = new Map<number, number>();
  private readonly webhookEvents: WebhookEvent[] = [];
  /** `<environment id> <flag key>` of config writes the approval gate let through (see checkApprovals). */
  private readonly gated = new Set<string>();
  /** Webhook deliveries this write put in the outbox (the writer wakes the dispatcher after commit). */
  enqueuedDeliveries = 0;

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
      .select(lockedColumns)
      .from(environments)
      .where(ids ? inArray(environments.id, [...ids]) : undefined)
      .orderBy(asc(environments.id))
      .for('update');
    for (const row of rows) this.locked.set(row.id, row);
    await this.spendLockWait();
    return rows;
  }

  async lockEnvironment(key: string): Promise<LockedEnvironment> {
    const [row] = await this.tx.select(lockedColumns).from(environments).where(eq(environments.key, key)).for('update');
    if (!row) throw new NotFoundError(`Environment "${key}" does not exist`);
    this.locked.set(row.id, row);
    await this.spendLockWait();
    return row;
  }

  /**
   * Postgres bounds each statement's lock wait, not the transaction's: time spent queueing
   * for the environment locks comes off what the following statements may wait.
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

  /** Queues a webhook event (`release.*`, `schedule.*`…) to be written to the outbox with this change. */
  webhookEvent(event: WebhookEvent): void {
    this.webhookEvents.push(event);
  }

  /** Bumps revisions, writes the audit rows and the webhook outbox; the last statements before commit. */
  async finish(): Promise<void> {
    this.checkReason();
    await this.checkApprovals();
    for (const id of [...this.changes.keys()].sort((a, b) => a - b)) {
      const [row] = await this.tx
        .update(environments)
        .set({ revision: sql`${environments.revision} + 1` })
        .where(eq(environments.id, id))
        .returning({ revision: environments.revision });
      this.revisions.set(id, row!.revision);
    }
    const { principal, requestId, clientRequestId } = this.context;
    const auditIds =
      this.audits.length === 0
        ? []
        : await this.tx
            .insert(auditEvents)
            .values(
              this.audits.map(({ entry, environmentId }) => ({
                actor: principal.name,
                keyId: principal.keyId,
                action: entry.action,
                flagKey: entry.flagKey ?? null,
                environment: entry.environment ?? (environmentId !== undefined ? (this.locked.get(environmentId)?.key ?? null) : null),
                subject: entry.subject ?? null,
                revision: environmentId !== undefined ? (this.revisions.get(environmentId) ?? null) : null,
                before: entry.before ?? null,
                after: entry.after ?? null,
                requestId,
                clientRequestId: clientRequestId ?? null,
                reason: this.context.reason ?? null,
              })),
            )
            .returning({ id: auditEvents.id });
    await this.writeOutbox(auditIds.map((r) => r.id));
  }

  /** A caller's write that changes or audits an environment requiring a reason must give one (400, nothing written). */
  private checkReason(): void {
    if (!this.context.reasonRequired || this.context.reason !== undefined) return;
    const touched = new Set<number>(this.changes.keys());
    for (const { entry, environmentId } of this.audits) {
      if (environmentId !== undefined) touched.add(environmentId);
      // A review (approve, reject, cancel) changes nothing there; the reason stays optional.
      if (entry.action.startsWith('change-request.')) continue;
      for (const env of this.locked.values()) if (env.key === entry.environment) touched.add(env.id);
    }
    const strict = [...touched].map((id) => this.locked.get(id)).find((env) => env?.requireReason);
    if (strict) {
      throw new ValidationError(
        `Environment "${strict.key}" requires a reason for every change: send it as X-Change-Reason`,
        'X-Change-Reason',
      );
    }
  }

  /** The approval gate (modules/change-requests/gate.ts) let this config write through. */
  passedApprovalGate(environmentId: number, flagKey: string): void {
    this.gated.add(`${environmentId} ${flagKey}`);
  }

  /**
   * Where approvals are required, a caller's write that changes a flag there without passing the
   * gate (archive, variants, visibility: flag-level edits) is refused while the flag is on there;
   * and schedules or release plans can't be created there except to switch a flag off.
   */
  private async checkApprovals(): Promise<void> {
    if (!this.context.reasonRequired) return;
    for (const [id, change] of this.changes) {
      const env = this.locked.get(id)!;
      if (env.requiredApprovals === 0) continue;
      for (const [flagKey, doc] of Object.entries(change.flags)) {
        if (this.gated.has(`${id} ${flagKey}`) || (doc !== null && !doc.enabled)) continue;
        const [row] = await this.tx
          .select({ enabled: flagConfigs.enabled })
          .from(flagConfigs)
          .innerJoin(flags, eq(flags.id, flagConfigs.flagId))
          .where(and(eq(flags.key, flagKey), eq(flagConfigs.environmentId, id)));
        if (doc === null && !row?.enabled) continue;
        throw new ConflictError(
          `Flag "${flagKey}" is on in "${env.key}", which requires approvals: switch it off there first (the kill switch needs none), ` +
            'or change its targeting through a change request',
          'environment',
        );
      }
    }
    for (const { entry } of this.audits) {
      if (entry.action !== 'schedule.create' && entry.action !== 'release.create') continue;
      const env = [...this.locked.values()].find((e) => e.key === entry.environment);
      if (!env || env.requiredApprovals === 0) continue;
      const change = (entry.after as { change?: Record<string, unknown> } | null)?.change;
      if (change && Object.keys(change).length === 1 && change.enabled === false) continue;
      throw new ConflictError(
        `"${env.key}" requires ${env.requiredApprovals} approval(s) for targeting changes, which ${entry.action === 'schedule.create' ? 'scheduled changes' : 'release plans'} ` +
          'would skip: make the change through a change request (a config edit opens one), or lower requiredApprovals',
        'environment',
      );
    }
  }

  /** `flag.changed` for every flag this write changed, plus the events queued with `webhookEvent`. */
  private async writeOutbox(auditIds: number[]): Promise<void> {
    const envKey = (id: number | undefined) => (id === undefined ? undefined : this.locked.get(id)?.key);
    const audited = this.audits.map(({ entry, environmentId }, i) => ({
      auditId: auditIds[i]!,
      action: entry.action,
      flagKey: entry.flagKey ?? null,
      environment: entry.environment ?? envKey(environmentId),
      before: entry.before,
      after: entry.after,
    }));
    const writes = [...this.changes].flatMap(([id, change]) =>
      Object.entries(change.flags).map(([flagKey, doc]) => ({ environment: envKey(id)!, flagKey, version: doc?.version ?? null })),
    );
    const events = [...flagChangedEvents(this.context.principal.name, audited, writes), ...this.webhookEvents];
    this.enqueuedDeliveries = await enqueueWebhookEvents(this.tx, events);
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
