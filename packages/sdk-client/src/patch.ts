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
 * The tables merged into a null-prototype copy without null entries (a patch's
 * removals), so a flag keyed "__proto__" is an own property like any other.
 */
const table = <T>(...from: (Record<string, T | null> | undefined | false)[]): Record<string, T> => {
  const out = Object.assign(Object.create(null) as Record<string, T | null>, ...from);
  for (const k in out) if (out[k] == null) delete out[k];
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
    flags: table(snapshot.flags, { [key]: flag && held && flag.version <= held.version ? held : flag }),
    segments: table(snapshot.segments, isObject(segments) && segments),
  };
}
