/**
 * The browser client: one user's context, one environment's client projection, local
 * synchronous evaluation. Written as one closure rather than a class: minifiers can't
 * shorten property names, and every byte here is loaded by every page.
 */
import { createEvaluator, murmur3 } from '@switchboard/core/evaluator';
import type { EvaluationContext, EvaluationResult, FlagValue } from '@switchboard/core';
import { connect } from './connection.js';
import { error, type SwitchboardError } from './errors.js';
import { createRecorder, type Recorder, type TrackedEvent } from './events.js';
import { applyPatch, checkPatch, checkSnapshot, usesExtended, type ClientSnapshot, type Patch } from './snapshot.js';

/**
 * `initializing`: no snapshot from the server yet (evaluations use the stored or
 * bootstrap snapshot, or defaults). `ready`: serving a current snapshot. `stale`:
 * serving the last known snapshot while the server is unreachable. `closed`.
 */
export type ClientStatus = 'initializing' | 'ready' | 'stale' | 'closed';

/** Where the snapshot being served came from. */
export type SnapshotSource = 'none' | 'bootstrap' | 'stored' | 'server';

/** A user id, a context, or nothing for the client's own context. */
export type UserOrContext = string | EvaluationContext | null | undefined;

/** What `variant()` returns: core's result (`ruleId` included when a rule decided). */
export type VariantResult<T = FlagValue | undefined> = EvaluationResult<T>;

/** `value('limit', ctx, 10)` is a number, not the literal type 10. */
export type Widen<T> = T extends boolean ? boolean : T extends string ? string : T extends number ? number : T;

export interface ClientEvents {
  /** A snapshot is being served: the server's, or (server unreachable) the stored or bootstrap one. */
  ready: [];
  /** Flags whose definition, or whose result for the client's context, changed. */
  change: [flagKeys: string[]];
  error: [error: SwitchboardError];
  /** The connection was lost; the last known snapshot keeps serving. */
  stale: [error: SwitchboardError];
  /** The connection is back after `stale`. */
  recovered: [];
}

/** Something that keeps the last good snapshot between page loads; `localStorage` by default. */
export interface SnapshotStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ClientOptions {
  /** Base URL of the Switchboard server. Required unless `offline`. */
  url?: string;
  /** A client key for one environment. Required unless `offline`. */
  key?: string;
  /** The user this page evaluates for; `setContext` changes it. */
  context?: EvaluationContext;
  /** Evaluate `bootstrap` only: no network, no storage, no events. */
  offline?: boolean;
  /** A snapshot to serve at once, e.g. embedded by the server-rendered page. */
  bootstrap?: ClientSnapshot;
  /** Stream changes over SSE; `false` polls. Default true. */
  stream?: boolean;
  /** ms between polls (when polling). Default 30 000. */
  pollInterval?: number;
  /** ms for a request to answer, and the default for `ready()`. Default 10 000. */
  timeout?: number;
  /** ms of stream silence (heartbeats count) after which it is reconnected. Default 60 000. */
  idleTimeout?: number;
  /** Reconnect delays, ms: first and longest. Default 1 000 and 30 000. */
  backoff?: { initial?: number; max?: number };
  /** Close the connection once the page has been hidden this long, ms; `false` never. Default 10 000. */
  pauseWhenHidden?: number | false;
  /** Where the last good snapshot is kept; `false` for nowhere. Default `localStorage`. */
  storage?: SnapshotStorage | false;
  /** Evaluation counts and `track` events; `false` turns them off. Default every 10 000 ms. */
  events?: { flushInterval?: number } | false;
  /** The fetch implementation. Default the global one. */
  fetch?: typeof fetch;
}

export interface SwitchboardClient {
  /**
   * Resolves once a snapshot is being served: the server's, or — when the server can't
   * be reached (a failed attempt, or `timeout` elapsing) — the stored or bootstrap one.
   * Rejects on timeout with nothing to serve (`TIMEOUT`), at once when the key is
   * refused and there is nothing to serve (`UNAUTHORIZED`), or after `close()`.
   */
  ready(timeout?: number): Promise<void>;
  /** `true` only when a boolean flag serves `true`; `false` on any error. */
  isEnabled(flag: string, user?: UserOrContext): boolean;
  /** `{ value, variant, reason, errorCode?, ruleId? }`; without a default `value` is undefined on error. */
  variant<T extends FlagValue>(flag: string, user: UserOrContext, defaultValue: T): VariantResult<Widen<T>>;
  variant(flag: string, user?: UserOrContext): VariantResult;
  /** The flag's value, or `defaultValue` on any error. */
  value<T extends FlagValue>(flag: string, user: UserOrContext, defaultValue: T): Widen<T>;
  /** Replaces the client's context; resolves once it is in use (after hashing private attributes). */
  setContext(context: EvaluationContext): Promise<void>;
  /** The client's context, as given. */
  readonly context: EvaluationContext;
  /** Records a custom event; `value` is a number. */
  track(event: string, user?: UserOrContext, value?: number): void;
  /** Sends held evaluation counts and events now. */
  flush(): Promise<void>;
  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): SwitchboardClient;
  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): SwitchboardClient;
  /** Stops the connection and sends held events. Evaluation keeps answering. */
  close(): Promise<void>;
  readonly status: ClientStatus;
  readonly source: SnapshotSource;
  /** Revision of the snapshot being served; -1 before any. */
  readonly revision: number;
}

type Listener = (arg?: never) => void;

const PLACEHOLDERS: Record<string, FlagValue> = { boolean: false, string: '', number: 0 };

/**
 * Creates a client. Online clients serve the stored (or bootstrap) snapshot at once and
 * start connecting. Throws TypeError only without `url`/`key` when not offline.
 */
export function createClient(options: ClientOptions): SwitchboardClient {
  const { offline, key = '', timeout = 10_000, events } = options;
  const url = (options.url ?? '').replace(/\/+$/, '');
  if (!offline && !(url && key)) throw new TypeError('switchboard: url and key required');
  const listeners: Record<string, Set<Listener>> = {};
  const storage = offline ? undefined : (options.storage ?? (typeof localStorage == 'object' ? localStorage : undefined)) || undefined;
  const storageKey = 'switchboard:' + url + ':' + murmur3(key).toString(36);
  let evaluate = createEvaluator();
  let operators: Promise<void> | undefined;
  let extended = false;
  let snapshot: ClientSnapshot = { schemaVersion: 1, environment: '', revision: -1, flags: {} };
  let user: EvaluationContext = options.context ?? {};
  // The context evaluations use: `user` plus hashed private attributes.
  let hashed = user;
  let status: ClientStatus = 'initializing';
  let source: SnapshotSource = 'none';
  const waiters = new Set<(e?: SwitchboardError) => void>();
  let tail: Promise<void> | undefined;
  let recorder: Recorder | undefined;
  let stop: (() => void) | undefined;
  // A connection attempt failed before anything was served (the stored snapshot may still be loading).
  let unreachable = false;

  const emit = (event: keyof ClientEvents, arg?: unknown): void =>
    listeners[event]?.forEach((l) => {
      try {
        l(arg as never);
      } catch (e) {
        console.error('[switchboard]', e);
      }
    });
  const report = (e: SwitchboardError): void => {
    if (!listeners.error?.size) console.warn('[switchboard]', e.message);
    emit('error', e);
  };
  const settle = (e?: SwitchboardError): void => {
    waiters.forEach((w) => w(e));
    waiters.clear();
  };
  const announce = (event: keyof ClientEvents, next: ClientStatus): void => {
    status = next;
    settle();
    emit(event);
  };

  const evaluateAny = (s: ClientSnapshot, flag: string, context: EvaluationContext) =>
    evaluate(s, flag, context, PLACEHOLDERS[s.flags[flag]?.type as string] ?? null);
  const run = <T>(flag: string, u: UserOrContext, d: T): EvaluationResult<T> => {
    const r = evaluate(snapshot, flag, typeof u == 'string' ? { userId: u } : u || hashed, d);
    recorder?.count(flag, r.variant);
    return r;
  };

  const connected = (): void => {
    if (source === 'server' && (status === 'initializing' || status === 'stale')) announce(status === 'stale' ? 'recovered' : 'ready', 'ready');
  };
  // Initializing and the server unreachable: go on with the stored or bootstrap snapshot.
  const fallback = (): void => {
    if (status !== 'initializing' || source === 'none') return;
    announce('ready', 'stale');
    emit('stale', error('NETWORK', 'serving the ' + source + ' snapshot'));
  };

  const commit = (next: ClientSnapshot, context: EvaluationContext, h: EvaluationContext, from?: SnapshotSource): void => {
    if (status === 'closed') return;
    const prev = snapshot;
    const prevContext = hashed;
    snapshot = next;
    user = context;
    hashed = h;
    source = from ?? source;
    if (storage && from === 'server' && next !== prev) {
      try {
        storage.setItem(storageKey, JSON.stringify(next));
      } catch {
        // full or disabled: the next page load just starts without it
      }
    }
    // Flags whose definition changed, or whose result for the client's context did.
    const changed = Object.keys({ ...prev.flags, ...next.flags }).filter((k) => {
      const a = evaluateAny(prev, k, prevContext);
      const b = evaluateAny(next, k, h);
      return prev.flags[k]?.version !== next.flags[k]?.version || a.variant !== b.variant || a.reason !== b.reason;
    });
    if (changed.length) emit('change', changed);
    if (from === 'server') connected();
    else if (unreachable) fallback();
  };

  /**
   * Every snapshot and context change goes through here, in order. When the next
   * snapshot needs the extended operators (not loaded yet) or the context needs hashing,
   * the current snapshot keeps serving until both are done; otherwise it applies at once.
   */
  const update = (make: (current: ClientSnapshot) => ClientSnapshot | undefined, newContext?: EvaluationContext, from?: SnapshotSource): Promise<void> => {
    const go = (): Promise<void> | void => {
      const next = make(snapshot);
      // Without a new context, the one in use when this update's turn comes.
      const context = newContext ?? user;
      if (!next) return;
      const pa = next.privateAttributes;
      const rehash = pa && (context !== user || JSON.stringify(pa) !== JSON.stringify(snapshot.privateAttributes));
      const load = !extended && usesExtended(next);
      if (!rehash && !load) return commit(next, context, pa ? hashed : context, from);
      return Promise.all([
        load &&
          (operators ??= import('@switchboard/core/operators').then(
            (m) => {
              evaluate = createEvaluator(m.extendedOperators);
              extended = true;
            },
            (e: unknown) => {
              operators = undefined;
              report(error('NETWORK', String(e)));
            },
          )),
        rehash
          ? import('./private-attributes.js')
              .then((m) => m.hashContext(context, pa))
              .catch((e: unknown) => (report(error('CRYPTO', String(e))), context))
          : pa
            ? hashed
            : context,
      ]).then(([, h]) => commit(next, context, h, from));
    };
    const p = tail ? tail.then(go) : go();
    if (!p) return Promise.resolve();
    // Never rejects, so one failed update can't stall the ones queued after it.
    const done = (): void => {
      if (tail === t) tail = undefined;
    };
    const t: Promise<void> = (tail = p.then(done, (e: unknown) => {
      done();
      report(error('MALFORMED', String(e)));
    }));
    return t;
  };

  // Instant start: the bootstrap or the last good snapshot from storage, whichever is newer.
  const boot = checkSnapshot(options.bootstrap);
  let stored: ClientSnapshot | undefined;
  try {
    stored = checkSnapshot(JSON.parse(storage?.getItem(storageKey) ?? '0'));
  } catch {
    // unreadable: ignored
  }
  const first = stored && !(boot && boot.revision >= stored.revision) ? stored : boot;
  const started = update(() => first, undefined, first === stored ? 'stored' : 'bootstrap');

  if (offline) {
    void started.then(() => status === 'initializing' && announce('ready', 'ready'));
  } else {
    if (events !== false) recorder = createRecorder(url, key, options.fetch ?? fetch, events?.flushInterval ?? 10_000, report);
    stop = connect(options, url, key, (type, doc) => {
      if (type === 'current') return connected();
      if (type === 'down') {
        const e = doc as SwitchboardError;
        if (status === 'closed') return;
        report(e);
        if (status === 'ready') {
          status = 'stale';
          emit('stale', e);
        }
        unreachable = true;
        fallback();
        if (status === 'initializing' && e.code === 'UNAUTHORIZED') settle(e);
        return;
      }
      const next = type === 'put' ? checkSnapshot(doc) : checkPatch(doc);
      // A put not newer than the server's last only confirms we're connected; patches
      // apply on top of a server snapshot.
      if (next)
        void update(
          (cur) =>
            type === 'patch'
              ? source === 'server'
                ? applyPatch(cur, next as Patch)
                : undefined
              : source === 'server' && (next as ClientSnapshot).revision <= cur.revision
                ? void connected()
                : (next as ClientSnapshot),
          undefined,
          'server',
        );
      return !!next;
    });
  }

  const client: SwitchboardClient = {
    ready(ms = timeout) {
      if (status === 'closed') return Promise.reject(error('CLOSED', 'closed'));
      if (status !== 'initializing') return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const w = (e?: SwitchboardError): void => (e ? reject(e) : resolve());
        waiters.add(w);
        setTimeout(() => {
          fallback();
          if (waiters.delete(w)) reject(error('TIMEOUT', 'no snapshot within ' + ms + ' ms'));
        }, ms);
      });
    },
    isEnabled: (flag, u) => run(flag, u, false).value === true,
    variant(flag: string, u?: UserOrContext, d?: FlagValue) {
      const r = run<FlagValue | undefined>(flag, u, d === undefined ? (PLACEHOLDERS[snapshot.flags[flag]?.type as string] ?? null) : d);
      if (d === undefined && r.reason === 'ERROR') r.value = undefined;
      return r;
    },
    value: <T extends FlagValue>(flag: string, u: UserOrContext, d: T) => run(flag, u, d).value as Widen<T>,
    setContext: (context) => update((cur) => cur, context || {}),
    get context() {
      return user;
    },
    track(name, u, value) {
      if (!recorder || status === 'closed' || !name) return;
      const { userId, ...context } = typeof u == 'string' ? { userId: u } : u || user;
      const event: TrackedEvent = { name, timestamp: Date.now() };
      if (typeof userId == 'string') event.userId = userId;
      if (Object.keys(context).length) event.context = context;
      if (Number.isFinite(value)) event.value = value;
      recorder.track(event);
    },
    flush: async () => recorder?.flush(),
    on(event, listener) {
      (listeners[event] ??= new Set()).add(listener as Listener);
      return client;
    },
    off(event, listener) {
      listeners[event]?.delete(listener as Listener);
      return client;
    },
    async close() {
      if (status === 'closed') return;
      settle(error('CLOSED', 'closed'));
      status = 'closed';
      stop?.();
      await recorder?.close();
    },
    get status() {
      return status;
    },
    get source() {
      return source;
    },
    get revision() {
      return snapshot.revision;
    },
  };
  return client;
}
