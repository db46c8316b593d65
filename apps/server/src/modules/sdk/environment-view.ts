/**
 * One environment's snapshot held in memory, with both projections pre-serialized, so
 * `GET /api/sdk/flags` is a map lookup plus a write of a cached string, and a change is
 * turned into SSE events once for all connections.
 */
import { SCHEMA_VERSION, type Condition, type Flag, type Segment, type Snapshot } from '@switchboard/core';

/** A committed change to one environment, as applied locally and fanned out. */
export interface EnvironmentChange {
  environment: string;
  /** The environment's revision after the change. */
  revision: number;
  /** Changed flags; `null` when the flag left the snapshot (deleted or archived). */
  flags?: Record<string, Flag | null>;
  /** Changed segments; `null` when deleted. */
  segments?: Record<string, Segment | null>;
  /** Commit time on the writer (epoch ms), for the propagation-lag metric. */
  committedAt: number;
}

export interface Projection {
  body: string;
  etag: string;
  /** The `put` event for a new stream, built on first use. */
  putEvent: string | undefined;
}

/** SSE events for one change: either a full `put` or a list of `patch` events. */
export type StreamEvents = 'put' | string[];

export interface ApplyOutcome {
  server: StreamEvents;
  client: StreamEvents;
}

/** Above this many changed flags a resync sends one `put` instead of patches. */
const MAX_PATCHES = 50;

export function sseEvent(event: string, id: number, data: string): string {
  return `event: ${event}\nid: ${id}\ndata: ${data}\n\n`;
}

function segmentRefs(conditions: readonly Condition[] | undefined, out: string[]): void {
  for (const c of conditions ?? []) {
    if (c.operator !== 'inSegment') continue;
    for (const v of c.values) if (typeof v === 'string') out.push(v);
  }
}

function flagSegmentRefs(flag: Flag): string[] {
  const out: string[] = [];
  for (const rule of flag.rules ?? []) segmentRefs(rule.conditions, out);
  return out;
}

export class EnvironmentView {
  readonly environment: string;
  revision: number;
  readonly flags: Map<string, Flag>;
  readonly segments: Map<string, Segment>;
  server!: Projection;
  client!: Projection;
  /** Flags and segments in the client projection. */
  private clientFlags = new Set<string>();

  constructor(snapshot: Snapshot) {
    this.environment = snapshot.environment;
    this.revision = snapshot.revision;
    this.flags = new Map(Object.entries(snapshot.flags));
    this.segments = new Map(Object.entries(snapshot.segments ?? {}));
    this.rebuild();
  }

  /** Segments reachable from `keys` through `inSegment` conditions (segments may nest). */
  private closure(keys: string[]): Map<string, Segment> {
    const out = new Map<string, Segment>();
    const stack = [...keys];
    while (stack.length > 0) {
      const key = stack.pop()!;
      if (out.has(key)) continue;
      const segment = this.segments.get(key);
      if (!segment) continue;
      out.set(key, segment);
      segmentRefs(segment.conditions, stack);
    }
    return out;
  }

  private rebuild(): void {
    const etag = `"${this.revision}"`;
    const head = { schemaVersion: SCHEMA_VERSION, environment: this.environment, revision: this.revision };
    this.server = {
      body: JSON.stringify({ ...head, flags: Object.fromEntries(this.flags), segments: Object.fromEntries(this.segments) }),
      etag,
      putEvent: undefined,
    };
    const visible: Record<string, Flag> = {};
    const refs: string[] = [];
    this.clientFlags = new Set();
    for (const [key, flag] of this.flags) {
      if (flag.clientSide !== true) continue;
      visible[key] = flag;
      this.clientFlags.add(key);
      refs.push(...flagSegmentRefs(flag));
    }
    this.client = {
      body: JSON.stringify({ ...head, flags: visible, segments: Object.fromEntries(this.closure(refs)) }),
      etag,
      putEvent: undefined,
    };
  }

  putEvent(projection: Projection): string {
    projection.putEvent ??= sseEvent('put', this.revision, projection.body);
    return projection.putEvent;
  }

  /**
   * Applies a change that follows this view's revision directly. Returns `'stale'` for a
   * change already covered, `'gap'` when changes are missing in between (caller resyncs).
   */
  apply(change: EnvironmentChange): ApplyOutcome | 'stale' | 'gap' {
    if (change.revision <= this.revision) return 'stale';
    if (change.revision !== this.revision + 1) return 'gap';
    const wasClient = new Set(this.clientFlags);
    for (const [key, flag] of Object.entries(change.flags ?? {})) {
      if (flag) this.flags.set(key, flag);
      else this.flags.delete(key);
    }
    const segmentsChanged = change.segments !== undefined && Object.keys(change.segments).length > 0;
    for (const [key, segment] of Object.entries(change.segments ?? {})) {
      if (segment) this.segments.set(key, segment);
      else this.segments.delete(key);
    }
    this.revision = change.revision;
    this.rebuild();
    if (segmentsChanged) return { server: 'put', client: 'put' };
    return this.patches(Object.keys(change.flags ?? {}), wasClient);
  }

  /**
   * Replaces the whole view (a resync) and describes the difference as events. An older
   * snapshot is ignored unless `authoritative` (it comes from Postgres and this view came
   * from a cache), in which case streams get a `put`.
   */
  replace(snapshot: Snapshot, authoritative = false): ApplyOutcome | 'stale' {
    if (snapshot.revision < this.revision && !authoritative) return 'stale';
    const wentBack = snapshot.revision < this.revision;
    const wasClient = new Set(this.clientFlags);
    const oldFlags = new Map(this.flags);
    const oldSegments = JSON.stringify(Object.fromEntries(this.segments));
    this.flags.clear();
    for (const [k, f] of Object.entries(snapshot.flags)) this.flags.set(k, f);
    this.segments.clear();
    for (const [k, s] of Object.entries(snapshot.segments ?? {})) this.segments.set(k, s);
    const sameRevision = snapshot.revision === this.revision;
    this.revision = snapshot.revision;
    this.rebuild();
    if (wentBack || JSON.stringify(Object.fromEntries(this.segments)) !== oldSegments) return { server: 'put', client: 'put' };
    const changed: string[] = [];
    for (const key of new Set([...oldFlags.keys(), ...this.flags.keys()])) {
      const before = oldFlags.get(key);
      const after = this.flags.get(key);
      if (!before || !after || before.version !== after.version || JSON.stringify(before) !== JSON.stringify(after)) changed.push(key);
    }
    if (changed.length === 0 && sameRevision) return { server: [], client: [] };
    if (changed.length > MAX_PATCHES) return { server: 'put', client: 'put' };
    return this.patches(changed, wasClient);
  }

  private patches(keys: string[], wasClient: Set<string>): ApplyOutcome {
    const server: string[] = [];
    const client: string[] = [];
    for (const key of keys) {
      const flag = this.flags.get(key) ?? null;
      server.push(sseEvent('patch', this.revision, JSON.stringify({ revision: this.revision, key, flag })));
      if (flag && this.clientFlags.has(key)) {
        const segments = this.closure(flagSegmentRefs(flag));
        const data = segments.size > 0
          ? { revision: this.revision, key, flag, segments: Object.fromEntries(segments) }
          : { revision: this.revision, key, flag };
        client.push(sseEvent('patch', this.revision, JSON.stringify(data)));
      } else if (wasClient.has(key)) {
        client.push(sseEvent('patch', this.revision, JSON.stringify({ revision: this.revision, key, flag: null })));
      }
    }
    return { server, client };
  }
}
