/**
 * Snapshot changes from the stream. One semantics for every SDK: a held snapshot is
 * never mutated (an evaluation, a pending update or a caller may still hold it); a patch
 * makes a new snapshot that shares every unchanged flag and segment with the old one.
 */
import type { Flag, Segment, Snapshot } from '@switchboard/core';

/** One flag change from the stream; `flag: null` removes the flag. */
export interface Patch {
  revision: number;
  key: string;
  flag: Flag | null;
  /** Segments the flag needs, merged when present; `null` removes one. */
  segments?: Record<string, Segment | null>;
}

/** A plain object: not null, not an array. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v == 'object' && !!v && !Array.isArray(v);

/**
 * `table` with `changes` merged into a null-prototype copy, so a flag keyed "__proto__"
 * is an own property like any other; a null change (or anything else falsy, which no
 * flag or segment is) removes the entry. Only the changed keys are visited: a patch
 * costs a copy of the table, not a second pass over it.
 */
const merged = <T>(table: Record<string, T> | undefined, changes: Record<string, T | null>): Record<string, T> => {
  const out = Object.assign(Object.create(null) as Record<string, T | null>, table, changes);
  for (const k in changes) if (!changes[k]) delete out[k];
  return out as Record<string, T>;
};

/**
 * The snapshot after a patch, as a new object; `snapshot` itself when the patch is older
 * (several patches of one change share a revision, so an equal one applies). A flag is
 * replaced only by a higher `version`.
 */
export function applyPatch<S extends Snapshot>(snapshot: S, { revision, key, flag, segments }: Patch): S {
  if (revision < snapshot.revision) return snapshot;
  const held = snapshot.flags[key];
  return {
    ...snapshot,
    revision,
    flags: merged(snapshot.flags, { [key]: flag && held && flag.version <= held.version ? held : flag }),
    segments: isObject(segments) ? merged(snapshot.segments, segments) : snapshot.segments,
  };
}
