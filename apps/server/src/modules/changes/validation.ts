/**
 * Write-time validation with `@switchboard/core/validate`: each flag or segment on its
 * own, then the would-be snapshot of every affected environment as a whole, which
 * catches prerequisite and segment cycles and references to things that don't exist.
 */
import type { Flag, Segment, Snapshot } from '@switchboard/core';
import { validateSnapshot, type ValidationIssue } from '@switchboard/core/validate';
import { ConflictError, issuesError } from '../../errors.js';
import { readSnapshots } from '../sdk/store.js';
import type { ChangeTransaction } from './change-transaction.js';

export interface SnapshotEdit {
  flags?: Record<string, Flag | null>;
  segments?: Record<string, Segment | null>;
}

function applyEdit(snapshot: Snapshot, edit: SnapshotEdit): Snapshot {
  const flags = { ...snapshot.flags };
  const segments = { ...(snapshot.segments ?? {}) };
  for (const [k, f] of Object.entries(edit.flags ?? {})) {
    if (f) flags[k] = f;
    else delete flags[k];
  }
  for (const [k, s] of Object.entries(edit.segments ?? {})) {
    if (s) segments[k] = s;
    else delete segments[k];
  }
  // Only the document's own fields: the snapshot read also carries server-side extras.
  return { schemaVersion: snapshot.schemaVersion, environment: snapshot.environment, revision: snapshot.revision, flags, segments };
}

/**
 * Validates the snapshots of the given (locked) environments as they would be after the
 * edit. Problems in what the request edits are 400s naming the field (relative to the
 * edited document); problems it causes elsewhere (a flag still referring to what is being
 * removed) are 409s.
 */
export async function validateEdit(w: ChangeTransaction, environmentIds: readonly number[], edit: SnapshotEdit): Promise<void> {
  const snapshots = await readSnapshots(w.tx, environmentIds);
  const own = [...Object.keys(edit.flags ?? {}).map((k) => `flags.${k}`), ...Object.keys(edit.segments ?? {}).map((k) => `segments.${k}`)];
  for (const snapshot of snapshots) {
    const issues = validateSnapshot(applyEdit(snapshot, edit));
    if (issues.length === 0) continue;
    const mine: ValidationIssue[] = [];
    const others: ValidationIssue[] = [];
    for (const issue of issues) {
      const prefix = own.find((p) => issue.path === p || issue.path.startsWith(`${p}.`));
      if (prefix) mine.push({ path: issue.path.slice(prefix.length + 1), message: issue.message });
      else others.push(issue);
    }
    if (mine.length > 0) throw issuesError(mine);
    const first = others[0]!;
    throw new ConflictError(`In ${snapshot.environment}, ${first.path} ${first.message}`, first.path);
  }
}
