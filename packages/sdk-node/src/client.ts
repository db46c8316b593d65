/**
 * The Node SDK client: holds one environment's snapshot, evaluates it locally for any
 * number of users, keeps it current over SSE (or ETag polling), and reports evaluation
 * counts and tracked events. Evaluation is synchronous, never throws and never does I/O.
 */
import {
  evaluate,
  eventContext,
  unitId,
  type EvaluationContext,
  type EvaluationResult,
  type Flag,
  type FlagValue,
  type Snapshot,
} from '@switchboard/core';
import { MAX_TIMER_DELAY } from './clock.js';
import { Emitter } from './emitter.js';
import { SwitchboardError } from './errors.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { createFileStore, type SnapshotStore } from './persistence.js';
import { checkSnapshot, diffSnapshots, patchSnapshot, type Patch } from './snapshot-payloads.js';
import { StreamSource } from './delivery/stream.js';
import { Poller } from './delivery/poller.js';
import type { Failure } from './delivery/http.js';
import { EventRecorder } from './events/recorder.js';
import type { TrackedEvent } from '@switchboard/core';
import {
  delivered,
  keyKind,
  lost,
  notReady,
  notReadyResult,
  placeholder,
  rolloutFlags,
  type ClientStatus,
  type FlagDescriptions,
  type SnapshotSource,
  type TypedClient,
} from '@switchboard/sdk-client';

export type { ClientStatus, SnapshotSource };

export interface ClientEvents {
  /** The first snapshot is being served (from the server, or a fallback when it is unreachable). */
  ready: [];
  /** Flags whose definition changed (prerequisite dependents included), after `ready`. */
  change: [flagKeys: string[]];
  error: [error: SwitchboardError];
  /** The connection was lost; the last known snapshot keeps serving. */
  stale: [error: SwitchboardError];
  /** The connection is back after `stale`. */
  recovered: [];
}

/** What `variant()` returns: core's result (`ruleId` included when a rule decided). */
export type VariantResult<T = FlagValue | undefined> = EvaluationResult<T>;

export type UserOrContext = string | EvaluationContext | undefined;

/**
 * A client typed by the flags `switchboard codegen` generated: only their keys, variant
 * names and value types type-check. The same object as an untyped client.
 */
export type TypedSwitchboardClient<F extends FlagDescriptions<F>> = TypedClient<SwitchboardClient, F, UserOrContext>;

/** `value('limit', ctx, 10)` is a number, not the literal type 10. */
export type Widen<T> = T extends boolean ? boolean : T extends string ? string : T extends number ? number : T;

/** Snapshot writes are coalesced over this window, ms. */
const PERSIST_DELAY = 1_000;
/** `close()` waits at most this long for the last event flush and snapshot write, ms. */
const CLOSE_TIMEOUT = 2_000;

interface ReadyWaiter {
  resolve(): void;
  reject(error: SwitchboardError): void;
  timer: unknown;
  /** Holds the process open while the waiter is pending (see `ready`). */
  hold: NodeJS.Timeout;
}

function keepAlive(): void {}

function emptySnapshot(): Snapshot {
  return { schemaVersion: 1, environment: '', revision: -1, flags: {}, segments: {} };
}

export class SwitchboardClient {
  private snapshot: Snapshot;
  private sourceValue: SnapshotSource = 'none';
  private statusValue: ClientStatus = 'initializing';
  private readonly o: ResolvedOptions;
  private readonly emitter: Emitter<ClientEvents>;
  /** Reused for the `isEnabled(flag, 'user-id')` shorthand: evaluation is synchronous, so sharing is safe. */
  private readonly userContext: EvaluationContext = { userId: '' };
  private readonly emptyContext: EvaluationContext = Object.freeze({}) as EvaluationContext;
  private readonly recorder: EventRecorder | undefined;
  private readonly stream: StreamSource | undefined;
  private readonly poller: Poller | undefined;
  private readonly store: SnapshotStore | undefined;
  private persisted: Snapshot | undefined;
  private readonly persistedLoad: Promise<void>;
  private persistTimer: unknown;
  private persistDirty = false;
  /** The saves asked for so far, chained (see `persist`). */
  private saving: Promise<void> = Promise.resolve();
  private streamUp = false;
  private pollUp = false;
  private waiters: ReadyWaiter[] = [];
  /** The key was refused with nothing to serve; cleared by any other outcome of an attempt. */
  private refused: SwitchboardError | undefined;
  private rolloutFlags: string[] | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: ClientOptions) {
    this.o = resolveOptions(options);
    const logger = this.o.logger;
    this.emitter = new Emitter((event, e) => logger.error(`a '${event}' listener threw`, e));
    this.snapshot = emptySnapshot();
    // The bootstrap is copied (later changes by the caller have no effect) and not kept; a
    // JSON round trip rather than structuredClone, because JSON.parse shares repeated strings.
    if (options.bootstrap !== undefined) {
      let checked: Snapshot | string;
      try {
        checked = checkSnapshot(JSON.parse(JSON.stringify(options.bootstrap)) as unknown);
      } catch (e) {
        checked = `it can't be copied (${e instanceof Error ? e.message : String(e)})`;
      }
      if (typeof checked === 'string') {
        logger.warn(`ignoring bootstrap: ${checked}`);
      } else {
        this.snapshot = checked;
        this.sourceValue = 'bootstrap';
      }
    }
    if (this.o.offline) {
      this.statusValue = 'ready';
      this.persistedLoad = Promise.resolve();
      queueMicrotask(() => this.emitter.emit('ready'));
      return;
    }
    if (keyKind(this.o.key) === 'client') {
      // A client key is served the client projection (client-side flags only): every other
      // flag would silently answer its default. Refused before any request.
      this.refused = new SwitchboardError(
        'WRONG_KEY_KIND',
        'the key is a client key (sb_client_…); the Node SDK needs a server key (sb_server_…) for this environment',
      );
      this.persistedLoad = Promise.resolve();
      queueMicrotask(() => this.reportError(this.refused!));
      return;
    }
    if (this.o.events !== false) {
      this.recorder = new EventRecorder({
        url: this.o.url,
        key: this.o.key,
        fetch: this.o.fetch,
        clock: this.o.clock,
        logger,
        timeout: this.o.timeout,
        ...this.o.events,
        onError: (e) => this.reportError(e),
      });
    }
    this.store = this.o.store ?? (this.o.persistPath !== undefined ? createFileStore(this.o.persistPath) : undefined);
    this.persistedLoad = this.loadPersisted();
    this.poller = new Poller(this.o, {
      heldRevision: () => (this.sourceValue === 'server' ? this.snapshot.revision : undefined),
      put: (snapshot) => {
        this.pollUp = true;
        this.receive(snapshot);
      },
      unchanged: () => {
        this.pollUp = true;
        this.connected();
      },
      down: (failure) => {
        this.pollUp = false;
        this.failed(failure);
      },
    });
    if (this.o.stream) {
      this.stream = new StreamSource(this.o, {
        put: (snapshot) => {
          this.streamUp = true;
          this.poller?.stop();
          this.pollUp = false;
          this.receive(snapshot);
        },
        patch: (patch) => this.receivePatch(patch),
        down: (failure) => {
          this.streamUp = false;
          if (failure.error.code === 'UNAUTHORIZED') {
            // Polling with the same key would be refused too.
            this.poller?.stop();
            this.pollUp = false;
          } else {
            // Poll while the stream is down: at once when the server has no stream,
            // else after one interval (a quick reconnect never polls).
            this.poller?.start(failure.kind === 'unavailable' ? 0 : this.o.pollInterval);
          }
          this.failed(failure);
        },
      });
      this.stream.start();
    } else {
      this.poller.start(0);
    }
  }

  // ---------------------------------------------------------------- evaluation

  /** Whether a boolean flag is on for this user; `false` on any error. Never throws. */
  isEnabled(flag: string, user?: UserOrContext): boolean {
    if (this.notReady()) return false;
    const ctx = this.context(user);
    const result = evaluate(this.snapshot, flag, ctx, false);
    this.record(flag, result, ctx);
    return result.value === true;
  }

  /**
   * The flag's value for this user, or `defaultValue` (which must have the flag's type)
   * on any error. Never throws.
   */
  value<T extends FlagValue>(flag: string, user: UserOrContext, defaultValue: T): Widen<T> {
    if (this.notReady()) return defaultValue as Widen<T>;
    const ctx = this.context(user);
    const result = evaluate<FlagValue>(this.snapshot, flag, ctx, defaultValue);
    this.record(flag, result, ctx);
    return result.value as Widen<T>;
  }

  /**
   * The full outcome: `{ value, variant, reason, errorCode?, ruleId? }`. Without a
   * default, any type is accepted and `value` is undefined on error. Never throws.
   */
  variant<T extends FlagValue>(flag: string, user: UserOrContext, defaultValue: T): VariantResult<Widen<T>>;
  variant(flag: string, user?: UserOrContext): VariantResult;
  variant(flag: string, user?: UserOrContext, defaultValue?: FlagValue): VariantResult {
    const ctx = this.context(user);
    // The snapshot is empty: the engine answers the default with FLAG_NOT_FOUND.
    if (this.notReady()) return notReadyResult(evaluate<FlagValue | undefined>(this.snapshot, flag, ctx, defaultValue));
    let result: VariantResult;
    if (defaultValue !== undefined) {
      result = evaluate<FlagValue | undefined>(this.snapshot, flag, ctx, defaultValue);
    } else {
      result = evaluate<FlagValue | undefined>(this.snapshot, flag, ctx, placeholder(this.snapshot.flags, flag));
      if (result.reason === 'ERROR') result.value = undefined;
    }
    this.record(flag, result, ctx);
    return result;
  }

  /**
   * Counts an evaluation; a result of the flag's fallthrough rollout (SPLIT without a rule)
   * also records its unit, for release-plan guards, which compare arms in distinct units.
   */
  private record(flag: string, result: EvaluationResult<unknown>, ctx: EvaluationContext): void {
    const recorder = this.recorder;
    if (recorder === undefined) return;
    recorder.count(flag, result.variant);
    if (result.reason !== 'SPLIT' || result.ruleId !== undefined) return;
    const value = unitValue(this.snapshot.flags[flag]!, ctx);
    if (value !== undefined) recorder.unit(flag, result.variant!, value);
  }

  /**
   * No snapshot yet: evaluations answer the default with `PROVIDER_NOT_READY` and are not
   * counted (they say nothing about the flag).
   */
  private notReady(): boolean {
    return notReady(this.statusValue, this.sourceValue);
  }

  private context(user: UserOrContext): EvaluationContext {
    if (typeof user === 'string') {
      this.userContext.userId = user;
      return this.userContext;
    }
    return typeof user === 'object' && user !== null ? user : this.emptyContext;
  }

  // ---------------------------------------------------------------- events

  /**
   * Records a custom event (for guarded rollouts and experiments). Sent in batches;
   * dropped (never thrown) when events are off or the client is closed.
   */
  track(event: string, user?: UserOrContext, value?: number): void {
    try {
      if (this.recorder === undefined || this.statusValue === 'closed') return;
      if (typeof event !== 'string' || event.length === 0) {
        this.o.logger.warn('track() needs a non-empty event name; ignored');
        return;
      }
      const tracked: TrackedEvent = { name: event, timestamp: this.o.clock.now() };
      let ctx: EvaluationContext = this.emptyContext;
      if (typeof user === 'string') {
        tracked.userId = user;
        ctx = { userId: user };
      } else if (typeof user === 'object' && user !== null) {
        ctx = user;
        const { userId, ...rest } = user;
        if (typeof userId === 'string') tracked.userId = userId;
        // Copied, with only the attributes the server takes (no objects, BigInts, overlong
        // strings...): one it refuses would fail the upload of the whole batch, counts and
        // all, and later changes to the caller's objects don't change the event.
        const context = eventContext(rest);
        if (context !== undefined) tracked.context = context;
      }
      if (typeof value === 'number' && Number.isFinite(value)) tracked.value = value;
      this.attribute(tracked, ctx);
      this.recorder.track(tracked);
    } catch (e) {
      this.o.logger.warn('track() failed; event dropped', e);
    }
  }

  /** The variant this context gets of each rolling-out flag, and its unit of each it can be bucketed on. */
  private attribute(tracked: TrackedEvent, ctx: EvaluationContext): void {
    this.rolloutFlags ??= rolloutFlags(this.snapshot.flags);
    for (const key of this.rolloutFlags) {
      const flag = this.snapshot.flags[key];
      if (flag === undefined) continue;
      const r = evaluate<unknown>(this.snapshot, key, ctx, placeholder(this.snapshot.flags, key));
      if (r.variant === undefined) continue;
      (tracked.variants ??= {})[key] = r.variant;
      const value = unitValue(flag, ctx);
      if (value !== undefined) (tracked.units ??= {})[key] = unitId(value);
    }
  }

  /** Sends held evaluation counts and events now. */
  flush(): Promise<void> {
    return this.recorder?.flush() ?? Promise.resolve();
  }

  // ---------------------------------------------------------------- lifecycle

  on<K extends keyof ClientEvents & string>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  off<K extends keyof ClientEvents & string>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  get status(): ClientStatus {
    return this.statusValue;
  }

  /** Where the snapshot being served came from. */
  get source(): SnapshotSource {
    return this.sourceValue;
  }

  /** Revision of the snapshot being served; -1 before any. */
  get revision(): number {
    return this.snapshot.revision;
  }

  /**
   * Resolves once a snapshot is being served: the server's, or — when the server can't
   * be reached (a failed attempt, or `timeout` elapsing) — the persisted or bootstrap
   * one. Rejects within `timeout` otherwise (code `TIMEOUT`), at once when the key is
   * refused and there is nothing to fall back on (`UNAUTHORIZED`), at once when the key
   * is a client key (`WRONG_KEY_KIND`: a server key is needed), or on close (`CLOSED`).
   * The client keeps trying after a rejection and serves defaults meanwhile.
   */
  ready(timeout: number = this.o.timeout): Promise<void> {
    if (this.statusValue === 'closed') return Promise.reject(new SwitchboardError('CLOSED', 'client closed'));
    if (this.statusValue !== 'initializing') return Promise.resolve();
    if (this.refused) return Promise.reject(this.refused);
    return new Promise<void>((resolve, reject) => {
      const waiter: ReadyWaiter = {
        resolve,
        reject,
        timer: this.o.clock.setTimeout(() => {
          this.adoptFallback();
          if (this.statusValue !== 'initializing') return; // adopting resolved every waiter
          clearTimeout(waiter.hold);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new SwitchboardError('TIMEOUT', `no snapshot within ${timeout} ms`));
        }, timeout),
        // The client's timers never hold the process open, so between two connection
        // attempts nothing does: a script awaiting ready() at start-up (before it listens
        // on anything) would exit in the middle of the await instead of reaching its catch.
        // A real, referenced timer that does nothing keeps it alive until the waiter settles.
        hold: setTimeout(keepAlive, Math.min(timeout, MAX_TIMER_DELAY)),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Stops streaming and polling, sends held events and saves the snapshot (waiting at
   * most `timeout` ms), then resolves. Evaluation keeps answering from the last snapshot.
   */
  close(timeout: number = CLOSE_TIMEOUT): Promise<void> {
    this.closing ??= this.shutdown(timeout);
    return this.closing;
  }

  private async shutdown(timeout: number): Promise<void> {
    const wasInitializing = this.statusValue === 'initializing';
    this.statusValue = 'closed';
    this.stream?.stop();
    this.poller?.stop();
    if (wasInitializing) this.settleWaiters(new SwitchboardError('CLOSED', 'client closed before a snapshot arrived'));
    if (this.persistTimer !== undefined) this.o.clock.clearTimeout(this.persistTimer);
    let timer: unknown;
    const deadline = new Promise<void>((resolve) => {
      timer = this.o.clock.setTimeout(resolve, timeout);
    });
    // persist() also waits for a save already in progress: one the timer started.
    await Promise.race([Promise.all([this.recorder?.close(timeout), this.persist()]), deadline]);
    this.o.clock.clearTimeout(timer);
    this.emitter.removeAll();
  }

  // ---------------------------------------------------------------- delivery

  private receive(next: Snapshot): void {
    if (this.statusValue === 'closed') return;
    const prev = this.snapshot;
    if (this.sourceValue === 'server' && next.revision <= prev.revision) {
      this.connected();
      return;
    }
    const announce = this.statusValue !== 'initializing';
    this.snapshot = next;
    this.sourceValue = 'server';
    this.rolloutFlags = undefined;
    this.schedulePersist();
    this.connected();
    if (announce) {
      const changed = diffSnapshots(prev, next);
      if (changed.length > 0) this.emitter.emit('change', changed);
    }
  }

  private receivePatch(patch: Patch): void {
    if (this.statusValue === 'closed' || this.sourceValue !== 'server') return;
    const { next, changed } = patchSnapshot(this.snapshot, patch);
    this.snapshot = next;
    if (changed.length === 0) return;
    this.rolloutFlags = undefined;
    this.schedulePersist();
    this.emitter.emit('change', changed);
  }

  /** A delivery succeeded: leave `initializing` or `stale`. */
  private connected(): void {
    if (this.sourceValue !== 'server') return;
    const event = delivered(this.statusValue);
    if (event === undefined) return;
    this.statusValue = 'ready';
    if (event === 'ready') this.settleWaiters();
    this.emitter.emit(event);
  }

  private failed(failure: Failure): void {
    if (this.statusValue === 'closed') return;
    const { error } = failure;
    // A stream the server ended cleanly (restart, max age) is routine, not an error.
    const routine = failure.ended === true && this.sourceValue === 'server';
    if (routine) this.o.logger.info(error.message);
    else this.reportError(error);
    if (this.streamUp || this.pollUp) return;
    if (lost(this.statusValue, false) === 'stale') {
      this.statusValue = 'stale';
      this.emitter.emit('stale', error);
    } else if (this.statusValue === 'initializing') {
      void this.persistedLoad.then(() => {
        this.adoptFallback();
        // Remembered while the key stays refused: a ready() asked later rejects at once too.
        this.refused = error.code === 'UNAUTHORIZED' ? error : undefined;
        if (this.statusValue === 'initializing' && this.refused) this.settleWaiters(this.refused);
      });
    }
  }

  /** While initializing and unreachable: serve the persisted or bootstrap snapshot, if any. */
  private adoptFallback(): void {
    const persisted = this.persisted;
    const bootstrap = this.sourceValue === 'bootstrap' ? this.snapshot : undefined;
    if (lost(this.statusValue, persisted !== undefined || bootstrap !== undefined) !== 'fallback') return;
    if (persisted !== undefined && (bootstrap === undefined || persisted.revision >= bootstrap.revision)) {
      this.snapshot = persisted;
      this.sourceValue = 'persisted';
      this.rolloutFlags = undefined;
    }
    this.o.logger.warn(`server unreachable; serving the ${this.sourceValue} snapshot (revision ${this.snapshot.revision})`);
    this.statusValue = 'stale';
    this.settleWaiters();
    this.emitter.emit('ready');
    this.emitter.emit('stale', new SwitchboardError('NETWORK', `serving the ${this.sourceValue} snapshot until the server answers`));
  }

  private settleWaiters(error?: SwitchboardError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      this.o.clock.clearTimeout(w.timer);
      clearTimeout(w.hold);
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }

  private reportError(error: SwitchboardError): void {
    if (this.emitter.listenerCount('error') === 0) this.o.logger.warn(error.message);
    this.emitter.emit('error', error);
  }

  // ---------------------------------------------------------------- persistence

  private async loadPersisted(): Promise<void> {
    if (this.store === undefined) return;
    try {
      const text = await this.store.load();
      if (text === undefined) return;
      const checked = checkSnapshot(JSON.parse(text));
      if (typeof checked === 'string') throw new Error(checked);
      this.persisted = checked;
    } catch (e) {
      this.reportError(
        new SwitchboardError('PERSISTENCE', `could not read the persisted snapshot: ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        }),
      );
    }
  }

  private schedulePersist(): void {
    if (this.store === undefined) return;
    this.persistDirty = true;
    if (this.persistTimer !== undefined) return;
    this.persistTimer = this.o.clock.setTimeout(() => {
      this.persistTimer = undefined;
      void this.persist();
    }, PERSIST_DELAY);
  }

  /**
   * Saves the snapshot if it changed since the last save; resolves when every save asked
   * for so far is done. Saves run one at a time, in order: overlapping ones (a slow disk
   * or store) may finish in either order, and the older snapshot would be the one kept.
   */
  private persist(): Promise<void> {
    const next = (): Promise<void> => this.save();
    this.saving = this.saving.then(next, next);
    return this.saving;
  }

  private async save(): Promise<void> {
    if (this.store === undefined || !this.persistDirty || this.sourceValue !== 'server') return;
    this.persistDirty = false;
    try {
      await this.store.save(JSON.stringify(this.snapshot));
    } catch (e) {
      // Still unsaved: the next change or close() tries again, rather than leaving the
      // last saved snapshot behind until a flag happens to change.
      this.persistDirty = true;
      this.reportError(
        new SwitchboardError('PERSISTENCE', `could not save the snapshot: ${e instanceof Error ? e.message : String(e)}`, { cause: e }),
      );
    }
  }
}

/**
 * The unit a context is to `flag`'s fallthrough rollout: its bucketing attribute (`bucketBy`,
 * default `userId`) as a string, as core buckets it; undefined when it is missing or neither
 * a string nor a finite number.
 */
function unitValue(flag: Flag, ctx: EvaluationContext): string | undefined {
  const bucketBy = (flag.fallthrough as { bucketBy?: unknown }).bucketBy ?? 'userId';
  if (typeof bucketBy !== 'string') return undefined;
  const value = ctx[bucketBy];
  if (typeof value === 'string') return value;
  return Number.isFinite(value) ? String(value) : undefined;
}

/**
 * Creates a client. Online clients start connecting at once; `await client.ready()`
 * before the first evaluations that matter. Throws TypeError only for invalid options.
 */
export function createClient(options: ClientOptions): SwitchboardClient;
/** The same client, typed by the flags `switchboard codegen` generated: `createClient<Flags>({ … })`. */
export function createClient<F extends FlagDescriptions<F>>(options: ClientOptions): TypedSwitchboardClient<F>;
export function createClient(options: ClientOptions): SwitchboardClient {
  return new SwitchboardClient(options);
}
