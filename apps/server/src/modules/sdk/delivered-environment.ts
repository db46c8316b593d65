/**
 * One environment's snapshot held in memory, with both projections pre-serialized, so
 * `GET /api/sdk/flags` is a map lookup plus a write of a cached string, and a change is
 * turned into SSE events once for all connections.
 *
 * Private attributes: in the client projection, a client-side flag's conditions on its
 * `privateAttributes` test `"#" + attribute` against lowercase hex SHA-256 hashes of
 * `salt + String(value)`, where the salt is the environment's (from the database, so the
 * same on every instance). The body then also carries
 * `"privateAttributes": {"salt", "attributes"}` so a browser can hash its own context the
 * same way. Segments are sent as they are: keep private targeting in flag rules.
 */
import { createHash } from 'node:crypto';
import { SCHEMA_VERSION, type Condition, type Flag, type Segment, type Snapshot } from '@switchboard/core';

/** A snapshot as read from the database: with the environment's private-attribute salt. */
export interface EnvironmentSnapshot extends Snapshot {
  /**
   * Absent only in snapshots cached by an older server; flags with private attributes then
   * stay out of the client projection until Postgres answers.
   */
  privateAttributeSalt?: string;
}

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

/** Lowercase hex SHA-256 of `salt + String(value)`: how private values reach browsers. */
export function hashPrivateValue(salt: string, value: unknown): string {
  return createHash('sha256')
    .update(salt + String(value))
    .digest('hex');
}

/** A copy of `flag` whose conditions on its private attributes compare hashes (`"#" + attribute`). */
export function hashPrivateConditions(flag: Flag, salt: string): Flag {
  const priv = new Set(flag.privateAttributes);
  return {
    ...flag,
    rules: flag.rules?.map((rule) => ({
      ...rule,
      conditions: rule.conditions.map((c) =>
        c.attribute !== undefined && priv.has(c.attribute) && c.operator !== 'inSegment'
          ? { ...c, attribute: `#${c.attribute}`, values: c.values.map((v) => hashPrivateValue(salt, v)) }
          : c,
      ),
    })),
  };
}

const hasPrivate = (flag: Flag | undefined): boolean => (flag?.privateAttributes?.length ?? 0) > 0;

/** One environment as this instance delivers it to SDKs: its snapshot and the two projections served from it. */
export class DeliveredEnvironment {
  readonly environment: string;
  revision: number;
  readonly flags: Map<string, Flag>;
  readonly segments: Map<string, Segment>;
  server!: Projection;
  client!: Projection;
  /** The environment's private-attribute salt (see the module comment). */
  private salt: string | undefined;
  /** Flags in the client projection, as sent there (private conditions hashed). */
  private clientFlags = new Map<string, Flag>();
  /** Client flags with private attributes, and the sorted union of those attributes, as JSON. */
  private privateClientFlags = new Set<string>();
  private privateUnion = '[]';
  /** Hashed copies by flag document, so a change rehashes only the flags it touched. */
  private hashed = new WeakMap<Flag, Flag>();

  constructor(snapshot: EnvironmentSnapshot) {
    this.environment = snapshot.environment;
    this.revision = snapshot.revision;
    this.salt = snapshot.privateAttributeSalt;
    this.flags = new Map(Object.entries(snapshot.flags));
    this.segments = new Map(Object.entries(snapshot.segments ?? {}));
    this.rebuild();
  }

  /** What the Redis snapshot cache holds: the server projection plus the salt, so a view loaded from it can build the client projection. */
  cacheBody(): string {
    if (this.salt === undefined) return this.server.body;
    return `{"privateAttributeSalt":${JSON.stringify(this.salt)},${this.server.body.slice(1)}`;
  }

  private clientDocument(flag: Flag): Flag | undefined {
    if (!hasPrivate(flag)) return flag;
    if (this.salt === undefined) return undefined; // fail closed: never send private values in clear
    let doc = this.hashed.get(flag);
    if (!doc) {
      doc = hashPrivateConditions(flag, this.salt);
      this.hashed.set(flag, doc);
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
    const privateAttributes = new Set<string>();
    this.clientFlags = new Map();
    this.privateClientFlags = new Set();
    for (const [key, flag] of this.flags) {
      if (flag.clientSide !== true) continue;
      const doc = this.clientDocument(flag);
      if (!doc) continue;
      this.clientFlags.set(key, doc);
      if (hasPrivate(flag)) {
        this.privateClientFlags.add(key);
        for (const a of flag.privateAttributes!) privateAttributes.add(a);
      }
      refs.push(...flagSegmentRefs(flag));
    }
    const attributes = [...privateAttributes].sort();
    this.privateUnion = JSON.stringify(attributes);
    const body: Record<string, unknown> = {
      ...head,
      flags: Object.fromEntries(this.clientFlags),
      segments: Object.fromEntries(this.closure(refs)),
    };
    // Only when some flag uses it, so projections without private attributes are unchanged.
    if (attributes.length > 0) body.privateAttributes = { salt: this.salt, attributes };
    this.client = { body: JSON.stringify(body), etag, bodyBytes: undefined, putEvent: undefined };
  }

  /** Where the client projection stood before a change, to tell whether patches can describe it. */
  private clientState(): ClientState {
    return {
      flags: new Set(this.clientFlags.keys()),
      privateFlags: new Set(this.privateClientFlags),
      union: this.privateUnion,
      salt: this.salt,
    };
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
    if (snapshot.privateAttributeSalt !== undefined && snapshot.privateAttributeSalt !== this.salt) {
      this.salt = snapshot.privateAttributeSalt;
      this.hashed = new WeakMap();
    }
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
    if (changed.length === 0 && sameRevision && wasClient.salt === this.salt) return { server: [], client: [] };
    if (changed.length > MAX_PATCHES) return { server: 'put', client: 'put' };
    return this.patches(changed, wasClient);
  }

  private patches(keys: string[], before: ClientState): ApplyOutcome {
    const server: string[] = [];
    for (const key of keys) {
      const flag = this.flags.get(key) ?? null;
      server.push(sseEvent('patch', this.revision, JSON.stringify({ revision: this.revision, key, flag })));
    }
    // A browser reads the salt and the private attributes from a `put`: resend the whole
    // projection when a client flag with private attributes changed, or they did.
    const privateChanged =
      before.union !== this.privateUnion ||
      (before.salt !== this.salt && this.privateClientFlags.size > 0) ||
      keys.some((key) => before.privateFlags.has(key) || this.privateClientFlags.has(key));
    if (privateChanged) return { server, client: 'put' };
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
  privateFlags: Set<string>;
  union: string;
  salt: string | undefined;
}
