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
 * A client-side flag's prerequisites must be client-side too: browsers get the client
 * projection only, so a server-only prerequisite would fail there for every user while
 * servers evaluate it. Refused rather than exposed: making a flag visible to browsers is
 * a decision of its own (`clientSide: true` on that flag). Only pairs the edit makes are
 * refused, so one stored before this check existed never blocks a kill switch.
 */
function serverOnlyPrerequisites(before: Snapshot, after: Snapshot): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pairs = (snapshot: Snapshot, key: string): string[] => {
    const flag = snapshot.flags[key];
    if (flag?.clientSide !== true) return [];
    return (flag.prerequisites ?? []).map((p) => p.flag).filter((k) => snapshot.flags[k] && snapshot.flags[k].clientSide !== true);
  };
  for (const [key, flag] of Object.entries(after.flags)) {
    const made = pairs(after, key).filter((k) => !pairs(before, key).includes(k));
    (flag.prerequisites ?? []).forEach((p, i) => {
      if (!made.includes(p.flag)) return;
      issues.push({
        path: `flags.${key}.prerequisites[${i}].flag`,
        message:
          `"${p.flag}" is server-only: browsers, which evaluate the client-side "${key}", can't see it and would always get ` +
          `PREREQUISITE_FAILED. Make "${p.flag}" client-side first, or make "${key}" server-only`,
      });
    });
  }
  return issues;
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
    const after = applyEdit(snapshot, edit);
    const issues = [...validateSnapshot(after), ...serverOnlyPrerequisites(snapshot, after)];
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
