/**
 * The browser client: one user's context, one environment's client projection, local
 * synchronous evaluation, and its delivery and events. Written as one closure rather
 * than classes and modules passing state around: minifiers shorten local names but not
 * property names, and every byte here is loaded by every page (the size target and
 * ceiling are in scripts/size.mjs).
 *
 * Delivery: `GET /api/sdk/stream` read with `fetch` and a `ReadableStream`, so the key
 * travels in the `Authorization` header (an `EventSource` can only put it in the URL),
 * or ETag polling of `GET /api/sdk/flags` when streaming is off or the server has no
 * stream. Reconnects back off exponentially with jitter; a refused key waits minutes.
 * Once the page has been hidden for `pauseWhenHidden` ms the connection is closed; when
 * it is visible again it reconnects at once, and the `put` that starts every stream (or
 * the poll) brings the snapshot up to date.
 *
 * Events: evaluation counts and `track()` events, sent in batches to
 * `POST /api/sdk/events` (the Node SDK's payload) every `flushInterval`, and with
 * `keepalive` when the page is hidden so the last batch survives the tab closing. A
 * batch that failed for a reason retrying can fix (network, 401/403, 408, 429, 5xx)
 * keeps its events for the next one (at most MAX_QUEUE); its counts are dropped. What
 * is dropped, and what the server would refuse (core's EVENT_LIMITS), is counted in the
 * next batch's `dropped`.
 */
// Core's compact engine: it interprets the flag document on each call, with none of the
// compile step and prebuilt results the main entry keeps for Node's speed, and hashes
// with the compact murmur3 (same buckets as the fast one, in less code). Same results as
// the main entry's evaluate; neither compile.js nor the fast murmur3 reaches this bundle
// (src/size.test.ts checks).
import { createEvaluator, murmur3Compact } from '@switchboard/core/evaluator';
import { EVENT_FLAG_LENGTH, EVENT_NAME_LENGTH, EVENT_USER_ID_LENGTH, EVENT_VALUE_MAX, eventText } from '@switchboard/core/events';
import type { EvaluationContext, EvaluationResult, FlagValue, TrackedEvent } from '@switchboard/core';
import { error, type SwitchboardError } from './errors.js';
import { createSseParser } from './sse.js';
import { check, usesExtended, type ClientSnapshot } from './snapshot.js';
import type { Resolver } from './remote.js';
import { applyPatch, type ClientStatus, type Patch, type SnapshotSource } from '@switchboard/sdk-client';

/** The status machine and snapshot sources are @switchboard/sdk-client's, shared with the Node SDK. */
export type { ClientStatus, SnapshotSource };

/** A user id, a context, or nothing for the client's own context. */
export type UserOrContext = string | EvaluationContext | null | undefined;

/** What `variant()` returns: core's result (`ruleId` included when a rule decided). */
export type VariantResult<T = FlagValue | undefined> = EvaluationResult<T>;

/** `value('limit', ctx, 10)` is a number, not the literal type 10. */
export type Widen<T> = T extends boolean ? boolean : T extends string ? string : T extends number ? number : T;

export interface ClientEvents {
  /** A snapshot is being served: the server's, or (server unreachable) the persisted or bootstrap one. */
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
   * be reached (a failed attempt, or `timeout` elapsing) — the persisted or bootstrap one.
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

const SDK = { name: '@switchboard/browser', version: '0.1.0' };
/** Most events held for the next batch. */
const MAX_QUEUE = 500;
/** Longest wait: after a refused key, and the cap on `Retry-After`. */
const REFUSED = 300_000;
/** An attempt that lasted this long (a stream that stayed up) starts the reconnect delays over. */
const RESET_AFTER = 60_000;

/**
 * Creates a client. Online clients serve the persisted (or bootstrap) snapshot at once and
 * start connecting. Throws TypeError only without `url`/`key` when not offline.
 */
export function createClient(options: ClientOptions): SwitchboardClient {
  const {
    offline,
    key = '',
    timeout = 10_000,
    events,
    pollInterval = 30_000,
    idleTimeout = 60_000,
    pauseWhenHidden = 10_000,
    backoff: { initial = 1_000, max = 30_000 } = {},
  } = options;
  const url = options.url?.replace(/\/+$/, '');
  if (!offline && !(url && key)) throw TypeError('switchboard: url and key required');
  const recording = !offline && events !== false;
  const listeners: Record<string, Set<Listener>> = {};
  // Set when the persisted snapshot is read, below.
  let storage: SnapshotStorage | false | undefined;
  const storageKey = 'switchboard:' + url + ':' + murmur3Compact(key).toString(36);
  const doc = globalThis.document as Document | undefined;
  // Called unbound: a browser's fetch refuses to run as a method of another object. The key
  // goes in a header, never in the URL.
  const get = (path: string, init: RequestInit, headers?: Record<string, string> | null): Promise<Response> =>
    (options.fetch ?? fetch)(url + '/api/sdk/' + path, { ...init, headers: { ...headers, authorization: 'Bearer ' + key } });
  let evaluate = createEvaluator();
  let operators: Promise<void> | undefined;
  // Asks the server for the flags it evaluates (see update()); made on first use.
  let resolve: Resolver | undefined;
  // Nothing served yet: only what evaluation and `revision` read.
  let snapshot = { revision: -1, flags: {} } as ClientSnapshot;
  let user: EvaluationContext = options.context ?? {};
  let status: ClientStatus = 'initializing';
  let source: SnapshotSource = 'none';
  const waiters: ((e?: SwitchboardError) => void)[] = [];
  // The key was refused, with nothing to serve: a later ready() rejects with it at once.
  let refused: SwitchboardError | undefined;
  let tail: Promise<void> | undefined;

  // Over a copy: a listener that takes itself off and back on (or adds another) would
  // otherwise be called again in the same round, forever.
  const emit = (event: keyof ClientEvents, arg?: unknown): void =>
    new Set(listeners[event]).forEach((l) => {
      try {
        l(arg as never);
      } catch (e) {
        console.error(e);
      }
    });
  const report = (e: SwitchboardError): void => {
    if (!listeners.error?.size) console.warn(e);
    emit('error', e);
  };
  // ready() promises; after close() they are rejected.
  const settle = (e?: SwitchboardError): void => {
    for (const w of waiters.splice(0)) w(e);
  };
  const announce = (event: keyof ClientEvents, next: ClientStatus): void => {
    status = next;
    settle();
    emit(event);
  };
  const contextOf = (u: UserOrContext, fallback: EvaluationContext): EvaluationContext =>
    typeof u == 'string' ? { userId: u } : u || fallback;
  // A default of the flag's own type (json: null), so the result is never TYPE_MISMATCH.
  const placeholder = (s: ClientSnapshot, flag: string): FlagValue =>
    (({ boolean: false, string: '', number: 0 }) as Record<string, FlagValue>)[s.flags[flag]?.type as string] ?? null;

  // Evaluation counts, by flag and variant, the distinct units of rollouts (what release
  // guards compare), and tracked events, until the next batch.
  let counts: Record<string, { flag: string; variant: string | null; count: number }> = {};
  let units: Record<string, { flag: string; variant: string; units: Set<string> }> = {};
  // The unit a flag's fallthrough rollout buckets `c` on: core's unitId of its attribute, in less code.
  const unitOf = (s: ClientSnapshot, flag: string, c: EvaluationContext): string | void => {
    const v = c[(s.flags[flag]?.fallthrough as { bucketBy?: string } | undefined)?.bucketBy ?? 'userId'];
    if (typeof v == 'string' || Number.isFinite(v)) return (murmur3Compact(String(v)) + 2 ** 32).toString(16).slice(1);
  };
  let queue: TrackedEvent[] = [];
  let windowStart = Date.now();
  // What was dropped since the last batch the server took: events, evaluations.
  let droppedEvents = 0;
  let droppedEvaluations = 0;
  const run = <T>(flag: string, u: UserOrContext, d: T): EvaluationResult<T> => {
    const c = contextOf(u, user);
    const r = evaluate(snapshot, flag, c, d);
    // Keyed by flag and variant ("\0" for none); nothing is counted before the first
    // snapshot (an offline client, which may have none, doesn't record).
    if (!recording || source == 'none') return r;
    // A key the server would refuse is counted as dropped instead.
    if (eventText(flag, EVENT_FLAG_LENGTH)) {
      const key = flag + '\0' + (r.variant ?? '\0');
      (counts[key] ??= { flag, variant: r.variant ?? null, count: 0 }).count++;
      // Served by the fallthrough rollout (not a rule): a unit of the flag's arms. (At most
      // the server's 10,000 per variant; a page rarely has more than one user.)
      const id = r.reason == 'SPLIT' && !r.ruleId && unitOf(snapshot, flag, c);
      if (id && (units[key] ??= { flag, variant: r.variant!, units: new Set() }).units.size < 1e4) units[key].units.add(id);
    } else droppedEvaluations++;
    return r;
  };
  const flush = async (keepalive?: boolean): Promise<void> => {
    const windowEnd = Date.now();
    const evaluations = Object.values(counts).map((c) => ({ ...c, windowStart, windowEnd }));
    const served = Object.values(units).map((x) => ({ ...x, units: [...x.units], windowStart, windowEnd }));
    const batch = queue;
    const events = droppedEvents;
    const evaluated = droppedEvaluations;
    if (evaluations.length || batch.length || events + evaluated) {
      counts = {};
      units = {};
      queue = [];
      droppedEvents = droppedEvaluations = 0;
      windowStart = windowEnd;
      try {
        const res = await get(
          'events',
          {
            method: 'POST',
            body: JSON.stringify({
              sdk: SDK,
              evaluations,
              events: batch,
              dropped: { events, evaluations: evaluated },
              units: served.length ? served : undefined,
            }),
            keepalive,
          },
          { 'content-type': 'application/json' },
        );
        if (!res.ok) throw error('EVENTS', 'HTTP ' + res.status, res.status);
      } catch (e) {
        // (A custom fetch may reject with nothing.)
        const s = (e as SwitchboardError | undefined)?.status;
        // The counts go; retrying can't fix a 3xx, nor a 4xx other than 401/403/408/429:
        // those events go too. (The status as text: one short regex instead of five comparisons.)
        droppedEvaluations += evaluations.reduce((n, c) => n + c.count, evaluated);
        droppedEvents +=
          events +
          (/^(3|4(?!0[138]|29))/.test(s as never) ? batch : (queue = batch.concat(queue)).splice(0, queue.length - MAX_QUEUE)).length;
        report(s ? (e as SwitchboardError) : error('EVENTS', e));
      }
    }
  };

  /**
   * The server is unreachable: a failed attempt (`cause`), or ready() timing out. A ready
   * client goes stale; one still initializing goes on with the persisted or bootstrap
   * snapshot, or, with nothing to serve and the key refused, rejects ready() at once.
   */
  const lost = (cause?: SwitchboardError): void => {
    if (status == 'ready' && cause) {
      status = 'stale';
      emit('stale', cause);
    } else if (status == 'initializing') {
      if (source != 'none') {
        announce('ready', 'stale');
        emit('stale', error('NETWORK', 'serving ' + source));
      } else if ((refused = cause?.code == 'UNAUTHORIZED' ? cause : undefined)) settle(cause);
    }
  };

  const commit = (next: ClientSnapshot, context: EvaluationContext, from?: SnapshotSource): void => {
    // What a flag is for a context: its definition and its result (`ruleId` included).
    const state = (s: ClientSnapshot, k: string, c: EvaluationContext): string => {
      const r = evaluate(s, k, c, placeholder(s, k));
      return JSON.stringify([s.flags[k]?.version, r]);
    };
    const prev = snapshot;
    const changed = Object.keys({ ...prev.flags, ...next.flags }).filter((k) => state(prev, k, user) != state(next, k, context));
    snapshot = next;
    user = context;
    source = from || source;
    if (storage && source == 'server' && next != prev) {
      try {
        storage.setItem(storageKey, JSON.stringify(next));
      } catch {
        // full or disabled: the next page load just starts without it
      }
    }
    if (changed.length) emit('change', changed);
    // From the server (even unchanged: a 304, a put not newer): connected. After close()
    // (by a listener above, or while this update was pending) the update still applies, as
    // evaluation keeps answering, but the status stays closed.
    if (from == 'server' && status != 'ready' && status != 'closed') announce(status == 'stale' ? 'recovered' : 'ready', 'ready');
  };

  /**
   * Every snapshot and context change goes through here, in order. When the next
   * snapshot needs the extended operators, or has flags only the server may evaluate
   * (`"remote"` stubs, resolved for the context by ./remote.ts), the current snapshot keeps
   * serving until that is done; otherwise, with nothing queued, it applies at once (an
   * async function runs synchronously up to its first await).
   */
  const update = async (
    make: (current: ClientSnapshot) => ClientSnapshot | undefined | void,
    from?: SnapshotSource,
    newContext?: EvaluationContext,
  ): Promise<void> => {
    const go = (): Promise<void> | void => {
      const next = make(snapshot);
      // Without a new context, the one in use when this update's turn comes.
      const context = newContext || user;
      if (!next) return;
      // (Once loaded, `operators` is a settled promise: such a snapshot waits a tick.)
      const text = JSON.stringify(next);
      const load = usesExtended(text);
      const far = !offline && /"remote":true/.test(text);
      if (!load && !far) return commit(next, context, from);
      return Promise.all([
        load &&
          (operators ??= import('@switchboard/core/operators').then(
            (m) => {
              evaluate = createEvaluator(m.extendedOperators);
            },
            (e: unknown) => {
              operators = undefined;
              report(error('NETWORK', e));
            },
          )),
        far &&
          import('./remote.js')
            .then((m) =>
              (resolve ??= m.createResolver(get, report, () => status != 'closed' && update((cur) => cur), error, murmur3Compact))(
                next,
                context,
                snapshot,
              ),
            )
            .catch((e: unknown) => report(error('NETWORK', e))),
      ]).then(([, n]) => commit(n || next, context, from));
    };
    const malformed = (e: unknown): void => report(error('MALFORMED', e));
    let p: Promise<void> | void = undefined;
    try {
      p = tail ? tail.then(go) : go();
    } catch (e) {
      // Applied at once, it threw (a bootstrap that can't be serialized, say).
      malformed(e);
    }
    // Never rejects, so one failed update can't stall the ones queued after it.
    const t = (tail = p?.catch(malformed).then(() => {
      if (tail == t) tail = undefined;
    }));
    await t;
  };

  // Instant start: the bootstrap or the last good snapshot persisted in storage, whichever is newer.
  let first = check(options.bootstrap);
  let from: SnapshotSource = 'bootstrap';
  try {
    // (globalThis: undefined outside a browser, where `localStorage` alone would throw; in
    // a sandboxed frame or with cookies blocked, reading it throws.)
    storage = !offline && (options.storage ?? (globalThis.localStorage as Storage | undefined));
    const stored = check(JSON.parse((storage && storage.getItem(storageKey)) || '0'));
    if (stored && !(first && first.revision >= stored.revision)) {
      first = stored;
      from = 'persisted';
    }
  } catch {
    // unreadable: ignored
  }
  const started = update(() => first, from);

  // Delivery.
  // A browser that can't decode a fetch stream (before TextDecoderStream) polls instead.
  let stream = (options.stream ?? true) && !!globalThis.TextDecoderStream;
  let attempt = 0;
  let base = initial;
  let etag: string | null | undefined;
  // The current attempt's; undefined while paused (hidden) or closed.
  let ctrl: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let hiddenTimer: ReturnType<typeof setTimeout> | undefined;
  let flushTimer: ReturnType<typeof setInterval> | undefined;

  /** A `put` or `patch` from the server, as JSON text; throws when it isn't one. */
  const receive = (type: string, text: string): void => {
    // Unknown events are ignored; a put or patch that isn't one drops the stream.
    if (type != 'put' && type != 'patch') return;
    let d: unknown;
    try {
      d = JSON.parse(text);
    } catch {
      // not JSON: refused below
    }
    const next = check(d, type);
    if (!next) throw error('MALFORMED', 'bad ' + type);
    // A put not newer than the server's last changes nothing (the current snapshot is
    // committed again, which confirms we're connected); patches apply on top of a server
    // snapshot.
    void update(
      (cur) =>
        type == 'patch'
          ? source == 'server'
            ? applyPatch(cur, next as Patch)
            : undefined
          : source == 'server' && next.revision <= cur.revision
            ? cur
            : (next as ClientSnapshot),
      'server',
    );
  };

  const connect = async (): Promise<void> => {
    const c = (ctrl = new AbortController());
    // `timer` is the attempt's watchdog (the connect timeout, then the stream's silence
    // limit), then the next attempt. None once the attempt is over: a listener may close
    // the client while a chunk is read.
    const arm = (ms: number): void => {
      clearTimeout(timer);
      if (c == ctrl) timer = setTimeout(() => c.abort(), ms);
    };
    let delay = pollInterval;
    // An attempt that lasts RESET_AFTER was a healthy stream (the watchdog ends silent ones).
    const since = Date.now();
    arm(timeout);
    try {
      const res = await get(
        stream ? 'stream' : 'flags',
        { signal: c.signal, cache: 'no-store' },
        etag ? { 'if-none-match': etag } : undefined,
      );
      const s = res.status;
      if (!stream && (s == 304 || s == 200)) {
        // Unchanged: committed again from the server, which confirms we're connected.
        if (s == 304) void update((cur) => cur, 'server');
        else {
          receive('put', await res.text());
          etag = res.headers.get('etag');
        }
        attempt = 0;
      } else if (s == 200 && /^text\/event-stream/i.test(res.headers.get('content-type')!)) {
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const feed = createSseParser(receive, (ms) => (base = Math.min(Math.max(ms, 100), max)));
        for (let chunk; arm(idleTimeout), !(chunk = await reader.read()).done;) feed(chunk.value);
        throw error('NETWORK', 'stream ended');
      } else if (stream && (s == 200 || s == 404 || s == 405 || s == 501)) {
        // No stream here (404/405/501, or not an event stream): poll instead, at once.
        stream = false;
        delay = 0;
      } else {
        throw error(s == 401 || s == 403 ? 'UNAUTHORIZED' : 'HTTP_STATUS', 'HTTP ' + s, s, +res.headers.get('retry-after')! * 1000 || 0);
      }
    } catch (e) {
      // (Paused or closed meanwhile: not a failure.)
      if (c == ctrl) {
        // Aborted by the watchdog; ours (a string code); or a network failure.
        const f = c.signal.aborted
          ? error('TIMEOUT', 'timed out')
          : typeof (e as SwitchboardError | undefined)?.code == 'string'
            ? (e as SwitchboardError)
            : error('NETWORK', e);
        if (Date.now() - since >= RESET_AFTER) attempt = 0;
        // A 4xx other than 408/429 won't be fixed by retrying soon: wait minutes.
        // Subtractive jitter, so a fleet doesn't reconnect in step; Retry-After is a floor.
        delay = Math.max(
          (/^4(?!08|29)/.test(f.status as never) ? REFUSED : Math.min(max, base * 2 ** attempt++)) * (1 - Math.random() / 2),
          Math.min(f.retryAfter || 0, REFUSED),
        );
        report(f);
        // Once the persisted or bootstrap snapshot is in use (it may still be loading).
        void started.then(() => lost(f));
      }
    }
    c.abort();
    // (Paused or closed meanwhile: the timer is another attempt's, or cleared.)
    if (c == ctrl) {
      clearTimeout(timer);
      timer = setTimeout(connect, delay);
    }
  };

  const halt = (): void => {
    clearTimeout(timer);
    clearTimeout(hiddenTimer);
    ctrl?.abort();
    ctrl = undefined;
  };

  const onVisibility = (): void => {
    clearTimeout(hiddenTimer);
    if (doc!.visibilityState == 'hidden') {
      void flush(true);
      if (pauseWhenHidden !== false) hiddenTimer = setTimeout(halt, pauseWhenHidden);
    } else if (!ctrl) {
      // Back from a pause: at once, and the reconnect delays start over.
      attempt = 0;
      void connect();
    }
  };

  if (offline) {
    void started.then(() => status == 'initializing' && announce('ready', 'ready'));
  } else {
    if (recording) flushTimer = setInterval(flush, (events && events.flushInterval) ?? 10_000);
    doc?.addEventListener('visibilitychange', onVisibility);
    void connect();
    // A page opened in a background tab starts hidden: it gets its snapshot, then pauses.
    if (doc?.visibilityState == 'hidden') onVisibility();
  }

  const client: SwitchboardClient = {
    ready: (ms = timeout) =>
      new Promise<void>((resolve, reject) => {
        if (status == 'closed') return reject(error('CLOSED', 'closed'));
        if (status != 'initializing') return resolve();
        if (refused) return reject(refused);
        const t = setTimeout(() => {
          lost();
          // Settled by lost(): rejecting changes nothing.
          reject(error('TIMEOUT', 'timed out'));
        }, ms);
        // Cleared when settled: a pending timer would keep a Node process (a server render) alive.
        waiters.push((e) => (clearTimeout(t), e ? reject(e) : resolve()));
      }),
    isEnabled: (flag, u) => run(flag, u, false).value === true,
    variant(flag: string, u?: UserOrContext, d?: FlagValue) {
      const r = run<FlagValue | undefined>(flag, u, d === undefined ? placeholder(snapshot, flag) : d);
      if (d === undefined && r.reason == 'ERROR') r.value = undefined;
      return r;
    },
    value: <T extends FlagValue>(flag: string, u: UserOrContext, d: T) => run(flag, u, d).value as Widen<T>,
    setContext: (context) => update((cur) => cur, undefined, context || {}),
    get context() {
      return user;
    },
    track(name, u, value) {
      if (!recording || status == 'closed') return;
      // A name or value the server refuses would fail every batch it is part of.
      if (!eventText(name, EVENT_NAME_LENGTH) || Math.abs(value!) > EVENT_VALUE_MAX) return void droppedEvents++;
      // The user's id, not the rest of the context: the server keeps no context, and a page
      // has no reason to send its user's attributes with every event.
      const { userId } = contextOf(u, user);
      // The variant this user gets of each flag that rolls out (at most 50, what the server
      // takes), as the Node SDK attaches: that is what puts the event in the flag's metrics.
      // Found in the JSON: a JSON value with a "rollout" field only adds a flag.
      // With each, the user's unit of the flag: what joins the event to the flag's release arms.
      let variants: Record<string, string> | undefined;
      let ids: Record<string, string> | undefined;
      const c = contextOf(u, user);
      for (const k of Object.keys(snapshot.flags)
        .filter((k) => /"rollout"/.test(JSON.stringify(snapshot.flags[k])))
        .slice(0, 50)) {
        const v = evaluate(snapshot, k, c, placeholder(snapshot, k)).variant;
        const id = v && unitOf(snapshot, k, c);
        if (v) (variants ??= {})[k] = v;
        if (id) (ids ??= {})[k] = id;
      }
      // (The id isn't stored: one the server can't take is left out, and the event stays.)
      if (
        queue.push({
          name,
          userId: typeof userId == 'string' && userId.length <= EVENT_USER_ID_LENGTH ? userId : undefined,
          value: Number.isFinite(value) ? value : undefined,
          timestamp: Date.now(),
          variants,
          units: ids,
        }) > MAX_QUEUE
      ) {
        queue.shift();
        droppedEvents++;
      }
    },
    // Nothing is held when not recording.
    flush,
    on: (event, listener) => ((listeners[event] ??= new Set()).add(listener as Listener), client),
    off: (event, listener) => (listeners[event]?.delete(listener as Listener), client),
    // (Again: sends what was counted since.)
    close() {
      status = 'closed';
      settle(error('CLOSED', 'closed'));
      halt();
      clearTimeout(flushTimer);
      doc?.removeEventListener('visibilitychange', onVisibility);
      return flush(true);
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
