/**
 * Keeps this instance's in-memory snapshots current and pushes changes to its SSE
 * streams. Changes arrive three ways:
 *   - `local`: a write committed on this instance (applied before the HTTP answer);
 *   - `redis`: a write committed on another instance, through pub/sub;
 *   - `revision-check`: the once-a-second comparison with Postgres, which resyncs any
 *     environment that is behind — it covers lost messages and Redis outages.
 * Without Redis only the first and third exist (in-process fan-out).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../db/client.js';
import type { ApplyPath, Metrics } from '../../plugins/metrics.js';
import type { RedisLink } from '../../plugins/redis.js';
import { DeliveredEnvironment, type ApplyOutcome, type EnvironmentChange, type EnvironmentSnapshot } from './delivered-environment.js';
import { StreamHub, type StreamHubOptions } from './stream-hub.js';
import { environmentRevisions, loadSnapshots } from './store.js';

export type FanoutMessage =
  | { type: 'change'; origin: string; change: EnvironmentChange }
  | { type: 'environment-removed'; origin: string; environment: string }
  | { type: 'key-revoked'; origin: string; keyId: string }
  /** Something the message can't carry changed (an environment was created): compare revisions now. */
  | { type: 'check'; origin: string };

export interface DeliveryDeps {
  db: Database;
  redis: RedisLink | null;
  metrics: Metrics;
  log: FastifyBaseLogger;
  instanceId: string;
  hub: Omit<StreamHubOptions, 'onCountChange' | 'onDrop' | 'onReject'>;
}

function looksLikeSnapshot(v: unknown): v is EnvironmentSnapshot {
  const s = v as EnvironmentSnapshot;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.schemaVersion === 1 &&
    typeof s.environment === 'string' &&
    Number.isInteger(s.revision) &&
    typeof s.flags === 'object' &&
    s.flags !== null
  );
}

export class Delivery {
  readonly views = new Map<string, DeliveredEnvironment>();
  readonly hub: StreamHub;
  /** Database ids of the environments whose views came from Postgres. */
  private readonly environmentIds = new Map<string, number>();
  /** Changes that arrived ahead of a missing one, by environment and revision. */
  private readonly pending = new Map<string, Map<number, EnvironmentChange>>();
  private readonly keyRevokedListeners: ((keyId: string) => void)[] = [];
  private checkRequested: (() => void) | null = null;

  constructor(private readonly deps: DeliveryDeps) {
    const { metrics } = deps;
    this.hub = new StreamHub({
      ...deps.hub,
      onCountChange: (kind, delta) => metrics.sseConnections.inc({ kind }, delta),
      onDrop: (reason) => metrics.sseDropped.inc({ reason }),
      onReject: (reason) => metrics.sseRejected.inc({ reason }),
    });
    deps.redis?.onMessage((raw) => this.receive(raw));
    deps.redis?.onReady(() => {
      // Messages may have been lost while disconnected, and Redis may have restarted
      // empty: compare with Postgres now and re-warm the snapshot cache.
      this.requestCheck();
      for (const view of this.views.values()) void deps.redis?.cacheSnapshot(view.environment, view.revision, view.cacheBody());
    });
  }

  /** Lets the revision watcher be woken early (a gap, a resubscribe, a new environment). */
  setCheckTrigger(trigger: () => void): void {
    this.checkRequested = trigger;
  }

  onKeyRevoked(listener: (keyId: string) => void): void {
    this.keyRevokedListeners.push(listener);
  }

  private requestCheck(): void {
    this.checkRequested?.();
  }

  private publish(message: FanoutMessage): void {
    const redis = this.deps.redis;
    if (!redis) return;
    void redis.publish(JSON.stringify(message)).then((ok) => {
      if (!ok) this.deps.metrics.redisPublishFailures.inc();
    });
  }

  // ---- called by writers on this instance, after commit ----

  committed(changes: readonly EnvironmentChange[]): void {
    // Publish first: the command is on its way to Redis, and to the other instances'
    // streams, while this instance spends its next milliseconds writing to its own.
    for (const change of changes) this.publish({ type: 'change', origin: this.deps.instanceId, change });
    for (const change of changes) this.apply(change, 'local');
  }

  environmentsChanged(): void {
    this.requestCheck();
    this.publish({ type: 'check', origin: this.deps.instanceId });
  }

  environmentRemoved(environment: string): void {
    this.drop(environment);
    this.publish({ type: 'environment-removed', origin: this.deps.instanceId, environment });
  }

  keyRevoked(keyId: string): void {
    this.closeKey(keyId);
    this.publish({ type: 'key-revoked', origin: this.deps.instanceId, keyId });
  }

  // ---- fan-out in ----

  private receive(raw: string): void {
    let message: FanoutMessage;
    try {
      message = JSON.parse(raw) as FanoutMessage;
    } catch {
      return;
    }
    if (message.origin === this.deps.instanceId) return;
    switch (message.type) {
      case 'change':
        this.apply(message.change, 'redis');
        break;
      case 'environment-removed':
        this.drop(message.environment);
        break;
      case 'key-revoked':
        this.closeKey(message.keyId);
        break;
      case 'check':
        this.requestCheck();
        break;
    }
  }

  private closeKey(keyId: string): void {
    for (const listener of this.keyRevokedListeners) listener(keyId);
    this.hub.closeKey(keyId);
  }

  private apply(change: EnvironmentChange, path: ApplyPath): void {
    const view = this.views.get(change.environment);
    if (!view) {
      this.requestCheck();
      return;
    }
    const outcome = view.apply(change);
    if (outcome === 'stale') return;
    if (outcome === 'gap') {
      let queue = this.pending.get(change.environment);
      if (!queue) {
        queue = new Map();
        this.pending.set(change.environment, queue);
      }
      queue.set(change.revision, change);
      this.requestCheck();
      return;
    }
    this.deps.metrics.propagationLag.observe({ path }, Math.max(0, Date.now() - change.committedAt) / 1000);
    this.emit(view, outcome, path);
    if (path === 'local') void this.deps.redis?.cacheSnapshot(view.environment, view.revision, view.cacheBody());
    // A change that was waiting for this one can go now.
    const queue = this.pending.get(change.environment);
    if (queue) {
      for (const rev of [...queue.keys()]) if (rev <= view.revision) queue.delete(rev);
      const next = queue.get(view.revision + 1);
      if (queue.size === 0) this.pending.delete(change.environment);
      if (next) this.apply(next, path);
    }
  }

  private emit(view: DeliveredEnvironment, outcome: ApplyOutcome, path: ApplyPath): void {
    this.hub.broadcast(view.environment, 'server', outcome.server, () => view.putEvent(view.server));
    this.hub.broadcast(view.environment, 'client', outcome.client, () => view.putEvent(view.client));
    this.deps.metrics.snapshotRevision.set({ environment: view.environment }, view.revision);
    this.deps.metrics.fanoutApplied.inc({ path });
  }

  /**
   * Installs a whole snapshot (start-up, resync). Ignored when older than what is held,
   * unless `authoritative` (read from Postgres over a view that came from the cache).
   */
  install(snapshot: EnvironmentSnapshot, path: ApplyPath, authoritative = false): void {
    const existing = this.views.get(snapshot.environment);
    if (!existing) {
      const view = new DeliveredEnvironment(snapshot);
      this.views.set(snapshot.environment, view);
      this.deps.metrics.snapshotRevision.set({ environment: view.environment }, view.revision);
      this.deps.metrics.fanoutApplied.inc({ path });
      return;
    }
    const outcome = existing.replace(snapshot, authoritative);
    if (outcome === 'stale') return;
    const queue = this.pending.get(snapshot.environment);
    if (queue) {
      for (const rev of [...queue.keys()]) if (rev <= existing.revision) queue.delete(rev);
      if (queue.size === 0) this.pending.delete(snapshot.environment);
    }
    this.emit(existing, outcome, path);
  }

  private drop(environment: string): void {
    this.views.delete(environment);
    this.environmentIds.delete(environment);
    this.pending.delete(environment);
    this.hub.closeEnvironment(environment);
    this.deps.metrics.snapshotRevision.remove({ environment });
    void this.deps.redis?.forgetSnapshot(environment);
  }

  /** Serves from the Redis snapshot cache until Postgres answers. Returns how many environments loaded. */
  async loadFromCache(timeoutMs: number): Promise<number> {
    const redis = this.deps.redis;
    if (!redis || !(await redis.waitReady(timeoutMs))) return 0;
    let loaded = 0;
    for (const body of await redis.cachedSnapshots()) {
      try {
        const snapshot: unknown = JSON.parse(body);
        if (looksLikeSnapshot(snapshot)) {
          this.install(snapshot, 'redis-cache');
          loaded++;
        }
      } catch {
        // a corrupt cache entry is skipped; Postgres is the truth
      }
    }
    return loaded;
  }

  /**
   * The safety net: compares every environment's revision with Postgres and resyncs
   * those that are behind. Throws when the database doesn't answer.
   */
  async check(): Promise<void> {
    const revisions = await environmentRevisions(this.deps.db);
    const stale: number[] = [];
    for (const { id, key, revision } of revisions) {
      const knownId = this.environmentIds.get(key);
      if (knownId !== undefined && knownId !== id) this.drop(key); // deleted and re-created under the same key
      const view = this.views.get(key);
      if (!view || view.revision < revision || !this.environmentIds.has(key)) stale.push(id);
    }
    const present = new Set(revisions.map((r) => r.key));
    for (const key of [...this.views.keys()]) if (!present.has(key)) this.drop(key);
    if (stale.length === 0) return;
    // Where each view stood before the read: a change applied during the read (from Redis
    // or a local write) is newer than what the read returns.
    const heldBefore = new Map([...this.views].map(([key, view]) => [key, view.revision]));
    const snapshots = await loadSnapshots(this.deps.db, stale);
    const idByKey = new Map(revisions.map((r) => [r.key, r.id]));
    for (const snapshot of snapshots) {
      const before = this.views.get(snapshot.environment)?.revision;
      const fromCache = before !== undefined && !this.environmentIds.has(snapshot.environment);
      if (fromCache && before !== heldBefore.get(snapshot.environment)) {
        // The view from the cache moved on while Postgres was read, so it is following
        // live changes and the read is merely older: installing it "authoritatively"
        // would send streams a `put` with a lower revision. The next check confirms it.
        continue;
      }
      this.install(snapshot, before === undefined ? 'startup' : 'revision-check', fromCache);
      this.environmentIds.set(snapshot.environment, idByKey.get(snapshot.environment)!);
      if (before !== snapshot.revision) {
        this.deps.log.debug(
          { environment: snapshot.environment, from: before, to: snapshot.revision },
          'resynced snapshot from the database',
        );
        void this.deps.redis?.cacheSnapshot(snapshot.environment, snapshot.revision, this.views.get(snapshot.environment)!.cacheBody());
      }
    }
  }

  close(): void {
    this.hub.close();
  }
}
