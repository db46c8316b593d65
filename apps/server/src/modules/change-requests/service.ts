/**
 * Change requests: listing, review (approve, reject), the author's edit and cancel, and apply,
 * which writes the held patch through `editConfigIn` in one transaction with its audit rows.
 */
import type { ChangeRequest, ChangeRequestQuery, UpdateChangeRequestBody } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import type { ChangeRequestRow, ConfigFields } from '../../db/schema/index.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '../../errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { editConfigIn } from '../flags/service.js';
import { identityOf } from './content.js';
import * as store from './store.js';
import { changeRequestView } from './view.js';

const PENDING = new Set(['open', 'approved']);

export class ChangeRequestService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
  ) {}

  async list(query: ChangeRequestQuery): Promise<ChangeRequest[]> {
    const db = this.db();
    const rows = await store.listChangeRequests(db, query);
    return this.views(db, rows);
  }

  async get(id: number): Promise<ChangeRequest> {
    const db = this.db();
    const row = await store.findChangeRequest(db, id);
    if (!row) throw notFound(id);
    return (await this.views(db, [row]))[0]!;
  }

  /** An approval of the content at `revision` by someone other than its author. */
  approve(ctx: RequestContext, id: number, revision: number): Promise<ChangeRequest> {
    return this.review(ctx, id, revision, async (w, row) => {
      if (identityOf(ctx.principal) === row.author) {
        throw new ForbiddenError(`Change request #${id} is yours: someone else has to approve it`);
      }
      const added = await store.insertApproval(w.tx, {
        changeRequestId: id,
        approver: identityOf(ctx.principal),
        approverName: ctx.principal.name,
        contentHash: row.contentHash,
      });
      if (!added) throw new ConflictError(`You already approved change request #${id} as it stands`);
      const required = (await store.requirements(w.tx, [row.environment])).get(row.environment) ?? 0;
      const count = (await store.currentApprovals(w.tx, [row])).get(id)!.length;
      const status = count >= required ? 'approved' : 'open';
      const updated = await store.updateChangeRequest(w.tx, id, { status });
      const view = await this.viewIn(w, updated);
      w.audit({ action: 'change-request.approve', flagKey: row.flagKey, environment: row.environment, subject: String(id), after: view });
      if (status === 'approved' && row.status !== 'approved') {
        w.webhookEvent({ type: 'change_request.approved', environment: row.environment, data: { ...view } });
      }
      return view;
    });
  }

  reject(ctx: RequestContext, id: number, revision: number): Promise<ChangeRequest> {
    return this.review(ctx, id, revision, async (w, row) => {
      if (identityOf(ctx.principal) === row.author) throw new ForbiddenError(`Change request #${id} is yours: cancel it instead`);
      return this.resolve(w, row, 'rejected', 'change-request.reject', 'change_request.rejected');
    });
  }

  cancel(ctx: RequestContext, id: number, revision: number): Promise<ChangeRequest> {
    return this.review(ctx, id, revision, async (w, row) => {
      if (identityOf(ctx.principal) !== row.author && ctx.principal.role !== 'admin') {
        throw new ForbiddenError(`Only the author of change request #${id} (or an admin) can cancel it`);
      }
      return this.resolve(w, row, 'cancelled', 'change-request.cancel', 'change_request.cancelled');
    });
  }

  /** The author's edit: a new patch against the same base version; earlier approvals stop counting. */
  async update(ctx: RequestContext, id: number, revision: number, body: UpdateChangeRequestBody): Promise<ChangeRequest> {
    const row = await this.pending(id);
    inScope(ctx, row);
    if (identityOf(ctx.principal) !== row.author) throw new ForbiddenError(`Only the author of change request #${id} can edit it`);
    const gate = { mode: 'revise' as const, id, revised: undefined as unknown };
    await this.writer.run({ ...ctx, approvalGate: gate }, async (w) => {
      await w.lockEnvironment(row.environment);
      await this.locked(w, id, revision);
      await editConfigIn(w, row.flagKey, row.environment, row.baseVersion, row.action, (current) => ({
        ...current,
        ...(body.patch as Partial<ConfigFields>),
      }));
    });
    if (!gate.revised) throw new ConflictError(`"${row.environment}" no longer requires approvals: make the change directly`);
    return gate.revised as ChangeRequest;
  }

  /**
   * Writes an approved request: its base version must still be current (else 412, and the
   * request is marked `conflicted`). The config write, the request's status and an audit row
   * naming author and approvers commit together.
   */
  async apply(ctx: RequestContext, id: number, revision: number): Promise<ChangeRequest> {
    const row = await this.pending(id);
    inScope(ctx, row);
    let moved = false;
    const reason = ctx.reason ?? row.reason ?? undefined;
    try {
      return await this.writer.run({ ...ctx, reason, approvalGate: { mode: 'apply', id } }, async (w) => {
        await w.lockEnvironment(row.environment);
        const current = await this.locked(w, id, revision);
        const approvals = (await store.currentApprovals(w.tx, [current])).get(id)!;
        const required = (await store.requirements(w.tx, [current.environment])).get(current.environment) ?? 0;
        if (approvals.length < required) {
          throw new ConflictError(`Change request #${id} has ${approvals.length} of the ${required} approval(s) it needs`, 'status');
        }
        let config;
        try {
          config = await editConfigIn(w, current.flagKey, current.environment, current.baseVersion, current.action, (fields) => ({
            ...fields,
            ...current.patch,
          }));
        } catch (err) {
          if (err instanceof AppError && err.code === 'PRECONDITION_FAILED') moved = true;
          throw err;
        }
        const updated = await store.updateChangeRequest(w.tx, id, {
          status: 'applied',
          appliedVersion: config.version,
          resolvedAt: new Date(),
          resolvedBy: ctx.principal.name,
        });
        const view = changeRequestView(updated, approvals, required);
        const approvers = approvals.map((a) => a.approverName);
        w.audit({
          action: 'change-request.apply',
          flagKey: current.flagKey,
          environment: current.environment,
          subject: String(id),
          after: {
            id,
            author: current.authorName,
            approvers,
            appliedBy: ctx.principal.name,
            version: config.version,
            reason: current.reason,
          },
        });
        w.webhookEvent({ type: 'change_request.applied', environment: current.environment, data: { ...view, approvers } });
        return view;
      });
    } catch (err) {
      if (moved) await this.markConflicted(ctx, id);
      throw err;
    }
  }

  private async markConflicted(ctx: RequestContext, id: number): Promise<void> {
    await this.writer.run(ctx, async (w) => {
      const row = await store.findChangeRequest(w.tx, id, true);
      if (!row || !PENDING.has(row.status)) return;
      await this.resolve(w, row, 'conflicted', 'change-request.conflict', 'change_request.conflicted');
    });
  }

  private review(
    ctx: RequestContext,
    id: number,
    revision: number,
    fn: (w: ChangeTransaction, row: ChangeRequestRow) => Promise<ChangeRequest>,
  ): Promise<ChangeRequest> {
    return this.writer.run(ctx, async (w) => {
      const row = await this.locked(w, id, revision);
      inScope(ctx, row);
      return fn(w, row);
    });
  }

  private async resolve(
    w: ChangeTransaction,
    row: ChangeRequestRow,
    status: 'rejected' | 'cancelled' | 'conflicted',
    action: string,
    event: string,
  ): Promise<ChangeRequest> {
    const updated = await store.updateChangeRequest(w.tx, row.id, { status, resolvedAt: new Date(), resolvedBy: w.context.principal.name });
    const view = await this.viewIn(w, updated);
    w.audit({ action, flagKey: row.flagKey, environment: row.environment, subject: String(row.id), after: view });
    w.webhookEvent({ type: event, environment: row.environment, data: { ...view } });
    return view;
  }

  /** The request, locked, at the revision the caller saw and still pending. */
  private async locked(w: ChangeTransaction, id: number, revision: number): Promise<ChangeRequestRow> {
    const row = await store.findChangeRequest(w.tx, id, true);
    if (!row) throw notFound(id);
    if (row.revision !== revision) throw new PreconditionFailedError(row.revision);
    if (!PENDING.has(row.status)) throw new ConflictError(`Change request #${id} is ${row.status}`, 'status');
    return row;
  }

  private async pending(id: number): Promise<ChangeRequestRow> {
    const row = await store.findChangeRequest(this.db(), id);
    if (!row) throw notFound(id);
    if (!PENDING.has(row.status)) throw new ConflictError(`Change request #${id} is ${row.status}`, 'status');
    return row;
  }

  private async viewIn(w: ChangeTransaction, row: ChangeRequestRow): Promise<ChangeRequest> {
    return (await this.views(w.tx, [row]))[0]!;
  }

  private async views(db: Database, rows: ChangeRequestRow[]): Promise<ChangeRequest[]> {
    const approvals = await store.currentApprovals(db, rows);
    const required = await store.requirements(
      db,
      rows.map((r) => r.environment),
    );
    return rows.map((r) => changeRequestView(r, approvals.get(r.id) ?? [], required.get(r.environment) ?? 0));
  }
}

/** The routes can't name the request's environment, so its scope is checked here: a staging-only editor can't act on production. */
function inScope(ctx: RequestContext, row: ChangeRequestRow): void {
  const allowed = ctx.principal.environments;
  if (allowed !== null && !allowed.includes(row.environment)) {
    throw new ForbiddenError(
      `This needs access to environment ${row.environment}; the caller may act in ${allowed.length === 0 ? 'no environment' : allowed.join(', ')} only`,
    );
  }
}

function notFound(id: number): NotFoundError {
  return new NotFoundError(`Change request #${id} does not exist`);
}
