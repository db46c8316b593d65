/**
 * Segments are shared by every environment: a change is validated against, and bumps, each of them.
 * One that would change targeting where approvals are required is refused (see approval-guard.ts).
 */
import type { Segment } from '@switchboard/api-contract';
import type { Condition } from '@switchboard/core';
import { validateSegment } from '@switchboard/core/validate';
import type { Database } from '../../db/client.js';
import type { SegmentRow } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, PreconditionFailedError, issuesError } from '../../errors.js';
import { validateEdit } from '../changes/validation.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { ChangeWriter, StoredResponse } from '../changes/change-writer.js';
import { segmentDocument } from '../flags/documents.js';
import type { CreateSegmentBody, UpdateSegmentBody } from './schemas.js';
import { refuseUnapprovedSegmentWrite } from './approval-guard.js';
import * as store from './store.js';

export function segmentView(row: SegmentRow): Segment {
  return {
    key: row.key,
    name: row.name,
    description: row.description,
    included: row.included,
    excluded: row.excluded,
    conditions: row.conditions,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function checked(row: Pick<SegmentRow, 'key' | 'included' | 'excluded' | 'conditions'>) {
  const doc = segmentDocument(row);
  const issues = validateSegment(doc);
  if (issues.length > 0) throw issuesError(issues);
  return doc;
}

export class SegmentService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly db: () => Database,
  ) {}

  async list(): Promise<Segment[]> {
    return (await store.listSegments(this.db())).map(segmentView);
  }

  async get(key: string): Promise<Segment> {
    const row = await store.findSegment(this.db(), key);
    if (!row) throw new NotFoundError(`Segment "${key}" does not exist`);
    return segmentView(row);
  }

  create(ctx: RequestContext, body: CreateSegmentBody, idempotency: Idempotency | undefined): Promise<StoredResponse> {
    const values = {
      key: body.key,
      name: body.name ?? body.key,
      description: body.description ?? '',
      included: body.included ?? [],
      excluded: body.excluded ?? [],
      conditions: (body.conditions ?? []) as Condition[],
    };
    const doc = checked(values);
    return this.writer.runCreate(ctx, idempotency, async (w) => {
      const envs = await w.lockEnvironments();
      if (await store.findSegment(w.tx, body.key)) throw new ConflictError(`Segment "${body.key}" already exists`, 'key');
      await validateEdit(
        w,
        envs.map((e) => e.id),
        { segments: { [body.key]: doc } },
      );
      const row = await store.insertSegment(w.tx, values);
      w.segmentChanged(row.key, doc);
      const view = segmentView(row);
      w.audit({ action: 'segment.create', subject: row.key, after: view });
      return { status: 201, body: view };
    });
  }

  update(ctx: RequestContext, key: string, expected: number, body: UpdateSegmentBody): Promise<Segment> {
    return this.writer.run(ctx, async (w) => {
      const envs = await w.lockEnvironments();
      const current = await store.findSegment(w.tx, key);
      if (!current) throw new NotFoundError(`Segment "${key}" does not exist`);
      if (current.version !== expected) throw new PreconditionFailedError(current.version);
      const { version: _version, ...changes } = body;
      const next = { ...current, ...(changes as Partial<SegmentRow>) };
      const doc = checked(next);
      // Renaming or describing it changes no one's targeting: only a change to its members is guarded.
      if (JSON.stringify(doc) !== JSON.stringify(segmentDocument(current))) await refuseUnapprovedSegmentWrite(w, envs, key, 'edit');
      await validateEdit(
        w,
        envs.map((e) => e.id),
        { segments: { [key]: doc } },
      );
      const row = await store.updateSegment(w.tx, current.id, changes as Partial<SegmentRow>);
      w.segmentChanged(key, doc);
      const view = segmentView(row);
      w.audit({ action: 'segment.update', subject: key, before: segmentView(current), after: view });
      return view;
    });
  }

  /** Refused (409) while any flag or segment still refers to it (naming, where approvals are required, the flags there). */
  remove(ctx: RequestContext, key: string, expected: number): Promise<void> {
    return this.writer.run(ctx, async (w) => {
      const envs = await w.lockEnvironments();
      const current = await store.findSegment(w.tx, key);
      if (!current) throw new NotFoundError(`Segment "${key}" does not exist`);
      if (current.version !== expected) throw new PreconditionFailedError(current.version);
      await refuseUnapprovedSegmentWrite(w, envs, key, 'delete');
      await validateEdit(
        w,
        envs.map((e) => e.id),
        { segments: { [key]: null } },
      );
      await store.deleteSegment(w.tx, current.id);
      w.segmentChanged(key, null);
      w.audit({ action: 'segment.delete', subject: key, before: segmentView(current) });
    });
  }
}
