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
 * `table` with `changes` merged into a copy; a null change (or anything else falsy, which
 * no flag or segment is) removes the entry. A spread copy keeps a key "__proto__" an own
 * property like any other; the copy has Object's prototype, as a parsed snapshot's
 * tables do, so readers look entries up as own properties (core's evaluators do).
 */
const merged = <T>(table: Record<string, T> | undefined, changes: Record<string, T | null>): Record<string, T> => {
  const out = { ...table, ...changes };
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
