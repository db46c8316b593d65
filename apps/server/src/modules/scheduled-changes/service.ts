/**
 * Scheduled changes: validated like the PATCH they carry when created, applied once at
 * their time through the PATCH route's own path (`editConfigIn`: versioned config write,
 * audit row, revision bump, delivery to SDKs), with the status change in that transaction.
 */
import { randomUUID } from 'node:crypto';
import type { CreateScheduledChangeBody, ScheduledChange, ScheduledChangeQuery } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import type { ConfigFields, FlagRow, ScheduledChangeRow, ScheduledChangeStatus } from '../../db/schema/index.js';
import { AppError, ConflictError, NotFoundError, ValidationError, isAppError, issuesError } from '../../errors.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter, StoredResponse } from '../changes/change-writer.js';
import { validateEdit } from '../changes/validation.js';
import { configFields, flagDocument, flagIssues } from '../flags/documents.js';
import { findEnvironment } from '../environments/store.js';
import { editConfigIn } from '../flags/service.js';
import { findConfig, findFlag, type ConfigWithEnvironment } from '../flags/store.js';
import * as store from './store.js';
import { resolveWallTime } from './wall-time.js';

/** How far in the past a runAt may be and still be taken (clock skew, a slow client); it then applies at once. */
export const PAST_TOLERANCE_MS = 30_000;
const DEFAULT_MAX_LATENESS_SEC = 3600;
/** Due changes claimed per round; a full round is followed by another at once. */
const DUE_BATCH = 20;
const MAX_ERROR_LENGTH = 500;

export interface ScheduledChangeOptions {
  /** Pending changes allowed per flag and environment (SCHEDULED_CHANGES_MAX_PENDING). */
  maxPendingPerConfig: number;
}

type Change = ScheduledChangeRow['change'];

export function scheduledChangeView(row: ScheduledChangeRow): ScheduledChange {
  return {
    id: row.id,
    flag: row.flagKey,
    environment: row.environment,
    status: row.status,
    runAt: row.runAt.toISOString(),
    runAtLocal:
      row.localTime !== null && row.timeZone !== null
        ? { local: row.localTime, timeZone: row.timeZone, ...(row.utcOffset !== null ? { offset: row.utcOffset } : {}) }
        : null,
    change: row.change,
    baseVersion: row.baseVersion,
    maxLatenessSec: row.maxLatenessSec,
    comment: row.comment,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    appliedVersion: row.appliedVersion,
    error: row.error,
  };
}

/** The audit action PATCH would record for this change. */
function patchAction(change: Change): string {
  const keys = Object.keys(change);
  if (keys.length === 1 && typeof change.enabled === 'boolean') return change.enabled ? 'config.enable' : 'config.kill';
  return 'config.update';
}

/** Who applies a scheduled change: the schedule, naming who made it. */
function scheduleContext(id: string, createdBy: string): RequestContext {
  return {
    principal: {
      kind: 'admin',
      keyId: null,
      userId: null,
      name: `scheduled change ${id} (by ${createdBy})`,
      environment: null,
      role: 'admin',
      environments: null,
    },
    requestId: `scheduled-change-${id}`,
  };
}

/** The config with `change` applied, checked the way PATCH checks it; field names in errors start with `change.`. */
async function patchedConfig(
  w: ChangeTransaction,
  flag: FlagRow,
  environmentId: number,
  current: ConfigWithEnvironment,
  change: Change,
): Promise<ConfigFields> {
  const fields = { ...configFields(current), ...(change as Partial<ConfigFields>) };
  const doc = flagDocument(flag, fields, current.version + 1);
  const issues = flagIssues(doc);
  if (issues.length > 0) throw issuesError(issues, 'change');
  if (flag.archived) return fields;
  try {
    await validateEdit(w, [environmentId], { flags: { [flag.key]: doc } });
  } catch (err) {
    if (isAppError(err) && err.code === 'VALIDATION_FAILED') {
      throw new ValidationError(`change.${err.message}`, err.field !== undefined ? `change.${err.field}` : 'change');
    }
    throw err;
  }
  return fields;
}

function runAtOf(body: CreateScheduledChangeBody): { runAt: Date; local?: { localTime: string; timeZone: string; utcOffset: string } } {
  if (typeof body.runAt === 'string') {
    // The schema's date-time format already requires the offset (RFC 3339).
    return { runAt: new Date(body.runAt) };
  }
  const resolved = resolveWallTime(body.runAt);
  return { runAt: resolved.at, local: { localTime: body.runAt.local, timeZone: body.runAt.timeZone, utcOffset: resolved.offset } };
}

export class ScheduledChangeService {
  /** Told when a change is created or cancelled here, so this instance's timer can re-arm. */
  onScheduled: (runAt: Date) => void = () => {};

  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
    private readonly options: ScheduledChangeOptions,
  ) {}

  /** Honours `Idempotency-Key` like every create: a retry gets the first answer, not a second schedule. */
  async create(
    ctx: RequestContext,
    key: string,
    env: string,
    body: CreateScheduledChangeBody,
    idempotency?: Idempotency,
  ): Promise<StoredResponse> {
    const { runAt, local } = runAtOf(body);
    const field = typeof body.runAt === 'string' ? 'runAt' : 'runAt.local';
    if (runAt.getTime() < Date.now() - PAST_TOLERANCE_MS) {
      throw new ValidationError(`runAt ${runAt.toISOString()} is in the past`, field);
    }
    const change = body.change as Change;
    const out = await this.writer.runCreate(ctx, idempotency, async (w) => {
      const environment = await w.lockEnvironment(env);
      const flag = await findFlag(w.tx, key);
      if (!flag) throw new NotFoundError(`Flag "${key}" does not exist`);
      const current = await findConfig(w.tx, flag.id, environment.id);
      if (!current) throw new NotFoundError(`Flag "${key}" has no config in "${env}"`);
      if (body.baseVersion !== undefined && body.baseVersion !== current.version) {
        throw new ConflictError(
          `The config is at version ${current.version}, not ${body.baseVersion}: the change would conflict`,
          'baseVersion',
        );
      }
      const pending = await store.countPending(w.tx, key, env);
      if (pending >= this.options.maxPendingPerConfig) {
        throw new ConflictError(
          `${key} already has ${pending} pending scheduled changes in ${env} (the limit); cancel one or wait for it to run`,
        );
      }
      await patchedConfig(w, flag, environment.id, current, change);
      const row = await store.insertScheduledChange(w.tx, {
        id: randomUUID(),
        flagKey: key,
        environment: env,
        runAt,
        ...local,
        change,
        baseVersion: body.baseVersion ?? null,
        maxLatenessSec: body.maxLatenessSec ?? DEFAULT_MAX_LATENESS_SEC,
        comment: body.comment ?? null,
        createdBy: ctx.principal.name,
      });
      const created = scheduledChangeView(row);
      w.audit({ action: 'schedule.create', flagKey: key, environment: env, subject: row.id, after: created });
      w.webhookEvent({ type: 'schedule.created', environment: env, data: { ...created } });
      return { status: 201, body: created };
    });
    this.onScheduled(runAt);
    return out;
  }

  /** Every flag's changes, filtered. */
  async list(filter: ScheduledChangeQuery): Promise<ScheduledChange[]> {
    const rows = await store.listScheduledChanges(this.db(), {
      flagKey: filter.flag,
      environment: filter.environment,
      status: filter.status,
      limit: filter.limit ?? 100,
    });
    return rows.map(scheduledChangeView);
  }

  /** One flag's changes in one environment; 404 when either doesn't exist (the global list still shows a deleted flag's). */
  async listForConfig(key: string, env: string, filter: Pick<ScheduledChangeQuery, 'status' | 'limit'>): Promise<ScheduledChange[]> {
    const db = this.db();
    if (!(await findFlag(db, key))) throw new NotFoundError(`Flag "${key}" does not exist`);
    if (!(await findEnvironment(db, env))) throw new NotFoundError(`Environment "${env}" does not exist`);
    return this.list({ ...filter, flag: key, environment: env });
  }

  /** Cancels a pending change; waits for an instance applying it right now, then finds it no longer pending (409). */
  async cancel(ctx: RequestContext, key: string, env: string, id: string): Promise<ScheduledChange> {
    const view = await this.writer.run(ctx, async (w) => {
      const before = await store.findScheduledChange(w.tx, id);
      if (!before || before.flagKey !== key || before.environment !== env) {
        throw new NotFoundError(`Scheduled change ${id} of ${key} in ${env} does not exist`);
      }
      const row = await store.resolve(w.tx, id, 'cancelled');
      if (!row) {
        const now = await store.findScheduledChange(w.tx, id);
        throw new AppError('CONFLICT', `Scheduled change ${id} is ${now?.status ?? before.status}; only pending ones can be cancelled`);
      }
      const cancelled = scheduledChangeView(row);
      w.webhookEvent({ type: 'schedule.cancelled', environment: env, data: { ...cancelled } });
      w.audit({
        action: 'schedule.cancel',
        flagKey: key,
        environment: env,
        subject: id,
        before: scheduledChangeView(before),
        after: cancelled,
      });
      return cancelled;
    });
    this.onScheduled(new Date(view.runAt));
    return view;
  }

  async nextRunAt(): Promise<Date | undefined> {
    return store.nextRunAt(this.db());
  }

  /**
   * Applies, expires, conflicts or fails the changes due by now. Returns true when the
   * round was full and this instance took some, so more may be due at once (a round of
   * changes all held by another instance is not worth repeating at once). Throws when the
   * database can't be used.
   */
  async runDue(): Promise<boolean> {
    const due = await store.dueChanges(this.db(), new Date(), DUE_BATCH);
    let taken = 0;
    for (const { id, createdBy } of due) if (await this.runOne(id, createdBy)) taken++;
    return due.length === DUE_BATCH && taken > 0;
  }

  /**
   * One change in one transaction: claimed, then its outcome and (when applied) the config
   * write commit together. False when another instance had it.
   */
  private async runOne(id: string, createdBy: string): Promise<boolean> {
    const ctx = scheduleContext(id, createdBy);
    try {
      return await this.writer.run(ctx, (w) => this.apply(w, id));
    } catch (err) {
      // The database going away is not the change's fault: it stays pending for the next round.
      if (isAppError(err) && err.code === 'UNAVAILABLE') throw err;
      const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);
      return this.writer.run(ctx, async (w) => {
        if (!(await store.claimPending(w.tx, id))) return false;
        await this.finish(w, id, 'failed', { error: message });
        return true;
      });
    }
  }

  private async apply(w: ChangeTransaction, id: string): Promise<boolean> {
    const row = await store.claimPending(w.tx, id);
    if (!row) return false; // another instance has it, or had it
    const lateMs = Date.now() - row.runAt.getTime();
    if (lateMs > row.maxLatenessSec * 1000) {
      const error = `no server ran it within maxLatenessSec (${row.maxLatenessSec} s) of runAt; it was ${Math.round(lateMs / 1000)} s late`;
      await this.finish(w, id, 'expired', { error });
      return true;
    }
    const environment = await w.lockEnvironment(row.environment);
    const flag = await findFlag(w.tx, row.flagKey);
    if (!flag) throw new NotFoundError(`Flag "${row.flagKey}" does not exist`);
    const current = await findConfig(w.tx, flag.id, environment.id);
    if (!current) throw new NotFoundError(`Flag "${row.flagKey}" has no config in "${row.environment}"`);
    if (row.baseVersion !== null && row.baseVersion !== current.version) {
      const error = `the config moved to version ${current.version} after baseVersion ${row.baseVersion}; nothing was written`;
      await this.finish(w, id, 'conflicted', { error });
      return true;
    }
    // The PATCH route's own path: validated, versioned, audited (by the schedule) and delivered.
    const after = await editConfigIn(w, flag.key, row.environment, current.version, patchAction(row.change), (fields) => ({
      ...fields,
      ...(row.change as Partial<ConfigFields>),
    }));
    await this.finish(w, id, 'applied', { appliedVersion: after.version });
    return true;
  }

  /** The outcome, with its audit row and `schedule.<status>` webhook event, in the caller's transaction. */
  private async finish(
    w: ChangeTransaction,
    id: string,
    status: Exclude<ScheduledChangeStatus, 'pending' | 'cancelled'>,
    extra: { error?: string; appliedVersion?: number },
  ): Promise<void> {
    const row = await store.resolve(w.tx, id, status, extra);
    if (!row) return;
    const view = scheduledChangeView(row);
    w.audit({ action: `schedule.${status}`, flagKey: row.flagKey, environment: row.environment, subject: id, after: view });
    w.webhookEvent({ type: `schedule.${status}`, environment: row.environment, data: { ...view } });
  }
}
