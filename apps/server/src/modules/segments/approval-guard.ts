/**
 * Segments are shared by every environment, so a segment edit changes the targeting of each
 * environment whose flags use it. Where an environment requires approvals, that would skip
 * its change requests; such a write is refused instead (409) until no flag there uses the
 * segment. Decision: docs/decisions/change-requests.md ("Segments").
 */
import type { Condition, Flag, Segment, Snapshot } from '@switchboard/core';
import { ConflictError } from '../../errors.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import { readSnapshots } from '../sdk/store.js';

export interface SegmentUse {
  environment: string;
  flags: string[];
}

const refsOf = (conditions: readonly Condition[] | undefined): string[] =>
  (conditions ?? []).flatMap((c) => (c.operator === 'inSegment' ? (c.values ?? []).filter((v): v is string => typeof v === 'string') : []));

/** `key` and every segment that refers to it, directly or through other segments. */
export function segmentsReaching(segments: Readonly<Record<string, Segment>>, key: string): Set<string> {
  const reaching = new Set([key]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [k, segment] of Object.entries(segments)) {
      if (!reaching.has(k) && refsOf(segment.conditions).some((r) => reaching.has(r))) {
        reaching.add(k);
        grew = true;
      }
    }
  }
  return reaching;
}

/** Keys of the flags in `snapshot` whose rules use segment `key`, directly or through nested segments. */
export function flagsUsingSegment(snapshot: Pick<Snapshot, 'flags' | 'segments'>, key: string): string[] {
  const reaching = segmentsReaching(snapshot.segments ?? {}, key);
  const uses = (flag: Flag) => (flag.rules ?? []).some((rule) => refsOf(rule.conditions).some((r) => reaching.has(r)));
  return Object.values(snapshot.flags)
    .filter(uses)
    .map((f) => f.key)
    .sort();
}

/**
 * Throws 409 when a caller's write to segment `key` would change targeting in an environment
 * that requires approvals. Runs after the write locked every environment: a config write that
 * adds a reference locks its environment too, so it either committed before this read or waits
 * for this write to commit.
 */
export async function refuseUnapprovedSegmentWrite(
  w: ChangeTransaction,
  envs: readonly { id: number; requiredApprovals: number }[],
  key: string,
  verb: 'edit' | 'delete',
): Promise<void> {
  // The server's own writes carry no caller to hold accountable; the gate lets them pass too.
  if (!w.context.reasonRequired) return;
  const gated = envs.filter((e) => e.requiredApprovals > 0).map((e) => e.id);
  if (gated.length === 0) return;
  const uses: SegmentUse[] = [];
  for (const snapshot of await readSnapshots(w.tx, gated)) {
    const flags = flagsUsingSegment(snapshot, key);
    if (flags.length > 0) uses.push({ environment: snapshot.environment, flags });
  }
  if (uses.length === 0) return;
  const where = uses.map((u) => `${u.environment} (${u.flags.map((f) => `"${f}"`).join(', ')})`).join('; ');
  throw new ConflictError(
    `Can't ${verb} segment "${key}" directly: it changes targeting in environments that require approvals, where flags use it: ` +
      `${where}. Remove the segment from those rules through a change request first (or lower requiredApprovals), ` +
      'or make a new segment and switch the rules to it through change requests',
    'key',
  );
}
