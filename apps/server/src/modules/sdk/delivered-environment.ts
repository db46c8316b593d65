/**
 * One environment's snapshot held in memory, with both projections pre-serialized, so
 * `GET /api/sdk/flags` is a map lookup plus a write of a cached string, and a change is
 * turned into SSE events once for all connections.
 *
 * Client-side flags that read a private attribute appear in the client projection only as
 * stubs (private-flags.ts), with none of their rules or segments.
 */
import { SCHEMA_VERSION, type Condition, type Flag, type Segment, type Snapshot } from '@switchboard/core';
import { remoteStub, serverEvaluatedFlags } from './private-flags.js';

/** A snapshot as read from the database or the Redis cache. */
export type EnvironmentSnapshot = Snapshot;

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
  /** `body` as UTF-8, encoded on first use and then shared by every response of this revision. */
  bodyBytes: Buffer | undefined;
  /** The `put` event, encoded on first use and then shared by every stream of this revision. */
  putEvent: Buffer | undefined;
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

/** One environment as this instance delivers it to SDKs: its snapshot and the two projections served from it. */
export class DeliveredEnvironment {
  readonly environment: string;
  revision: number;
  readonly flags: Map<string, Flag>;
  readonly segments: Map<string, Segment>;
  server!: Projection;
  client!: Projection;
  /** Flags in the client projection, as sent there (stubs for those evaluated on the server). */
  private clientFlags = new Map<string, Flag>();
  /** Client flags evaluated on the server, and every flag their results depend on through prerequisites. */
  private remote = new Set<string>();
  private remoteInputs = new Set<string>();
  /** Client documents by flag document, so a change copies only the flags it touched. */
  private withoutList = new WeakMap<Flag, Flag>();

  constructor(snapshot: EnvironmentSnapshot) {
    this.environment = snapshot.environment;
    this.revision = snapshot.revision;
    this.flags = new Map(Object.entries(snapshot.flags));
    this.segments = new Map(Object.entries(snapshot.segments ?? {}));
    this.rebuild();
  }

  /** What the Redis snapshot cache holds: the server projection, from which a view builds the client one. */
  cacheBody(): string {
    return this.server.body;
  }

  /** The flag as browsers get it: without its `privateAttributes` list, which they have no use for. */
  private clientDocument(flag: Flag): Flag {
    if (flag.privateAttributes === undefined) return flag;
    let doc = this.withoutList.get(flag);
    if (!doc) {
      const { privateAttributes: _list, ...rest } = flag;
      doc = rest;
      this.withoutList.set(flag, doc);
    }
    return doc;
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
      bodyBytes: undefined,
      putEvent: undefined,
    };
    const refs: string[] = [];
    this.clientFlags = new Map();
    this.remote = serverEvaluatedFlags(this.flags, this.segments);
    this.remoteInputs = prerequisiteClosure(this.flags, this.remote);
    for (const [key, flag] of this.flags) {
      if (flag.clientSide !== true) continue;
      if (this.remote.has(key)) {
        this.clientFlags.set(key, remoteStub(flag) as unknown as Flag);
        continue;
      }
      this.clientFlags.set(key, this.clientDocument(flag));
      refs.push(...flagSegmentRefs(flag));
    }
    const body = { ...head, flags: Object.fromEntries(this.clientFlags), segments: Object.fromEntries(this.closure(refs)) };
    this.client = { body: JSON.stringify(body), etag, bodyBytes: undefined, putEvent: undefined };
  }

  /** Where the client projection stood before a change, to tell whether patches can describe it. */
  private clientState(): ClientState {
    return { flags: new Set(this.clientFlags.keys()), remote: [...this.remote].sort().join('\n'), remoteInputs: this.remoteInputs };
  }

  /**
   * The projection for `GET /api/sdk/flags`. Written as one shared Buffer, a response that
   * isn't read holds a reference, not a copy (a string is copied per response).
   */
  bodyBytes(projection: Projection): Buffer {
    projection.bodyBytes ??= Buffer.from(projection.body);
    return projection.bodyBytes;
  }

  /** Projections are rebuilt on every change, so the cached event is always this revision's. */
  putEvent(projection: Projection): Buffer {
    projection.putEvent ??= Buffer.from(sseEvent('put', this.revision, projection.body));
    return projection.putEvent;
  }

  /**
   * Applies a change that follows this view's revision directly. Returns `'stale'` for a
   * change already covered, `'gap'` when changes are missing in between (caller resyncs).
   */
  apply(change: EnvironmentChange): ApplyOutcome | 'stale' | 'gap' {
    if (change.revision <= this.revision) return 'stale';
    if (change.revision !== this.revision + 1) return 'gap';
    const wasClient = this.clientState();
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
  replace(snapshot: EnvironmentSnapshot, authoritative = false): ApplyOutcome | 'stale' {
    if (snapshot.revision < this.revision && !authoritative) return 'stale';
    const wentBack = snapshot.revision < this.revision;
    const wasClient = this.clientState();
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

  private patches(keys: string[], before: ClientState): ApplyOutcome {
    const server: string[] = [];
    for (const key of keys) {
      const flag = this.flags.get(key) ?? null;
      server.push(sseEvent('patch', this.revision, JSON.stringify({ revision: this.revision, key, flag })));
    }
    // A browser asks the server again for every stub a `put` brings: send one when the set of
    // server-evaluated flags changed, or a flag their results depend on did.
    const remoteChanged =
      before.remote !== [...this.remote].sort().join('\n') ||
      keys.some((key) => before.remoteInputs.has(key) || this.remoteInputs.has(key));
    if (remoteChanged) return { server, client: 'put' };
    const client: string[] = [];
    for (const key of keys) {
      const flag = this.clientFlags.get(key);
      if (flag) {
        const segments = this.closure(flagSegmentRefs(flag));
        const data =
          segments.size > 0
            ? { revision: this.revision, key, flag, segments: Object.fromEntries(segments) }
            : { revision: this.revision, key, flag };
        client.push(sseEvent('patch', this.revision, JSON.stringify(data)));
      } else if (before.flags.has(key)) {
        client.push(sseEvent('patch', this.revision, JSON.stringify({ revision: this.revision, key, flag: null })));
      }
    }
    return { server, client };
  }
}

interface ClientState {
  flags: Set<string>;
  /** The server-evaluated flags' keys, sorted, one per line. */
  remote: string;
  remoteInputs: Set<string>;
}

/** The flags `remote` flags read through prerequisites, at any depth (not the remote flags themselves). */
function prerequisiteClosure(flags: Map<string, Flag>, remote: Set<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...remote];
  while (stack.length > 0) {
    for (const p of flags.get(stack.pop()!)?.prerequisites ?? []) {
      if (out.has(p.flag) || remote.has(p.flag)) continue;
      out.add(p.flag);
      stack.push(p.flag);
    }
  }
  return out;
}
