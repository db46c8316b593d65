/**
 * Shape checks for what the server sends, and the rules for applying it. Checks are
 * shallow on purpose: a flag with a malformed rule still evaluates (to the caller's
 * default with `PARSE_ERROR`), so one bad flag never costs the whole snapshot. Unknown
 * fields are ignored everywhere.
 *
 * Flags are held compiled (`compileFlag` from core): one representation per flag, which
 * evaluation uses as it is and which still reads as the flag document (change detection
 * below, persistence through `JSON.stringify`).
 */
import { SCHEMA_VERSION, compileFlag, compileFlags, type Flag, type Segment, type Snapshot } from '@switchboard/core';
import { applyPatch, type Patch } from '@switchboard/sdk-client';

export type { Patch };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRevision = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function flagProblem(key: string, flag: unknown): string | undefined {
  if (!isObject(flag)) return `flag ${JSON.stringify(key)} is not an object`;
  if (typeof flag.version !== 'number' || !Number.isFinite(flag.version)) return `flag ${JSON.stringify(key)} has no numeric version`;
  return undefined;
}

const dropEmpty = <T>(v: T): T | undefined => (Array.isArray(v) && v.length === 0 ? undefined : v);

/**
 * Shares structurally equal parts between flags: most boolean flags have the same
 * `variants`, many the same `fallthrough` or `serve`. Held flags are never mutated (a
 * change replaces the whole flag), so sharing is safe. One pool per snapshot.
 */
export type SharePool = Map<string, unknown>;

function share<T>(value: T, pool: SharePool | undefined): T {
  if (pool === undefined || typeof value !== 'object' || value === null) return value;
  const key = JSON.stringify(value);
  const hit = pool.get(key);
  if (hit !== undefined) return hit as T;
  pool.set(key, value);
  return value;
}

function compactRules(rules: Flag['rules'], pool: SharePool | undefined): Flag['rules'] {
  if (!Array.isArray(rules) || rules.length === 0) return dropEmpty(rules);
  return rules.map((r) =>
    isObject(r) ? { id: r.id, conditions: share(r.conditions, pool), serve: share(r.serve, pool) } : r,
  ) as Flag['rules'];
}

/**
 * A flag as held in memory. Normally its compiled form; a flag with something malformed
 * can't be compiled ahead of time without losing what evaluation must report, so it is
 * held as a document (which evaluation compiles on first use).
 */
function holdFlag(flag: Flag): Flag {
  const compiled = compileFlag(flag);
  return compiled === flag ? compactFlag(flag) : compiled;
}

/**
 * A malformed flag as held in memory: only the fields evaluation reads, always in one
 * order, with equal parts shared through `pool`. Empty lists and a salt equal to the key
 * are dropped: evaluation treats them exactly like absent ones. Malformed parts are kept
 * as they are, so evaluation still reports them (`PARSE_ERROR`).
 */
export function compactFlag(flag: Flag, pool?: SharePool): Flag {
  return {
    key: flag.key,
    version: flag.version,
    type: flag.type,
    enabled: flag.enabled,
    variants: share(flag.variants, pool),
    offVariant: flag.offVariant,
    salt: flag.salt === flag.key ? undefined : flag.salt,
    prerequisites: dropEmpty(flag.prerequisites),
    rules: compactRules(flag.rules, pool),
    fallthrough: share(flag.fallthrough, pool),
  };
}

/** Returns the snapshot (each flag held as `holdFlag` says), or a message saying why the document isn't one. */
export function checkSnapshot(doc: unknown): Snapshot | string {
  try {
    return readSnapshot(doc);
  } catch (e) {
    // Sharing parts compares them as JSON text, which overflows the stack on a document
    // nested deeper than JSON.parse minds; that is a malformed snapshot, not a crash.
    return `snapshot could not be read: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function readSnapshot(doc: unknown): Snapshot | string {
  if (!isObject(doc)) return 'snapshot is not an object';
  if (doc.schemaVersion !== SCHEMA_VERSION)
    return `unsupported schemaVersion ${JSON.stringify(doc.schemaVersion)} (this SDK reads ${SCHEMA_VERSION})`;
  if (!isRevision(doc.revision)) return 'snapshot revision is not a non-negative integer';
  if (!isObject(doc.flags)) return 'snapshot flags is not an object';
  if (doc.segments !== undefined && !isObject(doc.segments)) return 'snapshot segments is not an object';
  for (const key of Object.keys(doc.flags)) {
    const problem = flagProblem(key, doc.flags[key]);
    if (problem) return problem;
  }
  // A null-prototype record: a flag keyed "__proto__" is an own property like any other.
  const flags = compileFlags(doc.flags as Record<string, Flag>);
  const pool: SharePool = new Map();
  for (const key of Object.keys(flags)) {
    const flag = flags[key]!;
    if (flag === doc.flags[key]) flags[key] = compactFlag(flag, pool);
  }
  const segments = Object.create(null) as Record<string, Segment>;
  if (doc.segments) {
    for (const key of Object.keys(doc.segments)) {
      const segment = doc.segments[key];
      if (!isObject(segment)) return `segment ${JSON.stringify(key)} is not an object`;
      segments[key] = segment as unknown as Segment;
    }
  }
  const snapshot: Snapshot = {
    schemaVersion: SCHEMA_VERSION,
    environment: typeof doc.environment === 'string' ? doc.environment : '',
    revision: doc.revision,
    flags,
    segments,
  };
  // Found now, while the whole snapshot is being read anyway, rather than on the first
  // patch: that one should only cost what the patch itself needs (kill-switch latency).
  holdersOf(snapshot);
  return snapshot;
}

export function checkPatch(doc: unknown): Patch | string {
  if (!isObject(doc)) return 'patch is not an object';
  if (!isRevision(doc.revision)) return 'patch revision is not a non-negative integer';
  if (typeof doc.key !== 'string' || doc.key.length === 0) return 'patch key is not a string';
  if (doc.flag !== null) {
    const problem = flagProblem(doc.key, doc.flag);
    if (problem) return problem;
  }
  if (doc.segments !== undefined) {
    if (!isObject(doc.segments)) return 'patch segments is not an object';
    for (const key of Object.keys(doc.segments)) {
      const s = doc.segments[key];
      if (s !== null && !isObject(s)) return `segment ${JSON.stringify(key)} is not an object`;
    }
  }
  const patch: Patch = { revision: doc.revision, key: doc.key, flag: doc.flag === null ? null : holdFlag(doc.flag as Flag) };
  if (doc.segments !== undefined) patch.segments = doc.segments as Record<string, Segment | null>;
  return patch;
}

const own = <T>(table: Record<string, T> | undefined, key: string): T | undefined =>
  table !== undefined && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;

/**
 * The snapshot after a patch (`next`: a new one, by @switchboard/sdk-client's rules; the
 * one given is never mutated) and the flag keys whose definition changed, prerequisite
 * and segment dependents included (empty when nothing did).
 */
export function patchSnapshot(snapshot: Snapshot, patch: Patch): { next: Snapshot; changed: string[] } {
  const next = applyPatch(snapshot, patch);
  if (next === snapshot) return { next, changed: [] };
  const changed: string[] = [];
  const before = own(snapshot.flags, patch.key);
  const after = own(next.flags, patch.key);
  if (before !== after) changed.push(patch.key);
  // The flags holding prerequisites stay the same unless this flag gains or loses some.
  const holders = prerequisiteHolders.get(snapshot);
  if (holders !== undefined && !hasPrerequisites(before) && !hasPrerequisites(after)) prerequisiteHolders.set(next, holders);
  if (patch.segments) {
    const touched = Object.keys(patch.segments).filter(
      (key) => JSON.stringify(own(snapshot.segments, key)) !== JSON.stringify(own(next.segments, key)),
    );
    if (touched.length > 0) changed.push(...flagsUsingSegments(next, new Set(touched)));
  }
  return { next, changed: withDependents(next, changed) };
}

/** Keys of flags whose evaluation may differ between two snapshots. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const changed: string[] = [];
  const a = before.flags;
  const b = after.flags;
  for (const key of Object.keys(b)) {
    const old = Object.prototype.hasOwnProperty.call(a, key) ? a[key] : undefined;
    if (old === undefined || old.version !== b[key]!.version) changed.push(key);
  }
  for (const key of Object.keys(a)) if (!Object.prototype.hasOwnProperty.call(b, key)) changed.push(key);
  const sa = before.segments ?? {};
  const sb = after.segments ?? {};
  const segs = new Set<string>();
  for (const key of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
    if (JSON.stringify(sa[key]) !== JSON.stringify(sb[key])) segs.add(key);
  }
  if (segs.size > 0) changed.push(...flagsUsingSegments(after, segs));
  return withDependents(after, changed);
}

// Flags whose rules (or whose rules' segments, transitively) reference the segments.
function flagsUsingSegments(snapshot: Snapshot, segmentKeys: Set<string>): string[] {
  const segments = snapshot.segments ?? {};
  // Widen to segments that include a changed segment.
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, segment] of Object.entries(segments)) {
      if (segmentKeys.has(key) || !isObject(segment) || !Array.isArray(segment.conditions)) continue;
      if (segment.conditions.some((c) => referencesSegment(c, segmentKeys))) {
        segmentKeys.add(key);
        grew = true;
      }
    }
  }
  const out: string[] = [];
  for (const [key, flag] of Object.entries(snapshot.flags)) {
    const rules = isObject(flag) && Array.isArray(flag.rules) ? flag.rules : [];
    if (rules.some((r) => isObject(r) && Array.isArray(r.conditions) && r.conditions.some((c) => referencesSegment(c, segmentKeys))))
      out.push(key);
  }
  return out;
}

function referencesSegment(condition: unknown, segmentKeys: Set<string>): boolean {
  if (!isObject(condition) || condition.operator !== 'inSegment' || !Array.isArray(condition.values)) return false;
  return condition.values.some((v) => typeof v === 'string' && segmentKeys.has(v));
}

function hasPrerequisites(flag: unknown): boolean {
  return isObject(flag) && Array.isArray(flag.prerequisites) && flag.prerequisites.length > 0;
}

// Keys of the flags that have prerequisites, per snapshot: finding a change's dependents
// runs on every patch, and most snapshots have none. Carried to the patched snapshot
// when the patch can't change it.
const prerequisiteHolders = new WeakMap<Snapshot, string[]>();

function holdersOf(snapshot: Snapshot): string[] {
  let holders = prerequisiteHolders.get(snapshot);
  if (holders === undefined) {
    holders = Object.keys(snapshot.flags).filter((key) => hasPrerequisites(snapshot.flags[key]));
    prerequisiteHolders.set(snapshot, holders);
  }
  return holders;
}

// Adds flags that depend on a changed flag through prerequisites, transitively.
function withDependents(snapshot: Snapshot, changed: string[]): string[] {
  if (changed.length === 0) return changed;
  const holders = holdersOf(snapshot);
  if (holders.length === 0) return changed;
  const out = new Set(changed);
  const flags = snapshot.flags;
  let grew = true;
  while (grew) {
    grew = false;
    for (const key of holders) {
      const flag = flags[key];
      if (out.has(key) || !isObject(flag) || !Array.isArray(flag.prerequisites)) continue;
      if (flag.prerequisites.some((p) => isObject(p) && typeof p.flag === 'string' && out.has(p.flag))) {
        out.add(key);
        grew = true;
      }
    }
  }
  return [...out];
}
