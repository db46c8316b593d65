/**
 * Client options, their defaults, and the one place they are checked. The README's
 * option table is this file in prose; keep them together.
 */
import type { Snapshot } from '@switchboard/core';
import { REFUSED_DELAY } from '@switchboard/sdk-client';
import { createSystemClock, type Clock } from './clock.js';
import type { BackoffSettings } from './delivery/backoff.js';
import type { SnapshotStore } from './persistence.js';

export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

export interface EventOptions {
  /** How often evaluation counts and tracked events are sent, ms. Default 10 000. */
  flushInterval?: number;
  /** Most tracked events in one request; a full batch is sent at once. Default 1 000. */
  maxBatch?: number;
  /** Most tracked events held while the server is unreachable; the oldest are dropped. Default 10 000. */
  maxQueue?: number;
}

export interface BackoffOptions {
  /** First reconnect delay, ms; a server `retry:` replaces it. Default 1 000. */
  initial?: number;
  /** Longest reconnect delay, ms. Default 30 000. */
  max?: number;
  /** A connection healthy this long resets the delays, ms. Default 60 000. */
  resetAfter?: number;
  /** Delay after 401/403 (and other refusals that retrying soon won't fix), ms, jittered down to half. Default 300 000. */
  refused?: number;
}

export interface ClientOptions {
  /** Base URL of the Switchboard server, e.g. `http://localhost:4242`. Required unless `offline`. */
  url?: string;
  /** A server key for one environment. Required unless `offline`. */
  key?: string;
  /** Evaluate `bootstrap` only; no network at all. Default false. */
  offline?: boolean;
  /** A snapshot to evaluate before the first one arrives (or instead of it, when offline). */
  bootstrap?: Snapshot;
  /** Stream changes over SSE. `false` polls instead. Default true. */
  stream?: boolean;
  /** Polling interval, ms: used when `stream` is false or while streaming is unavailable. Default 30 000. */
  pollInterval?: number;
  /** File holding the last good snapshot, read at cold start when the server can't be reached. */
  persistPath?: string;
  /** Anything that loads and saves the snapshot text (instead of `persistPath`). */
  store?: SnapshotStore;
  /** Request timeout (connect, headers, poll body, event upload), ms. Default 10 000. */
  timeout?: number;
  /** A stream silent this long (heartbeats count) is dead and reconnected, ms. Default 60 000. */
  idleTimeout?: number;
  /** @deprecated Renamed `idleTimeout` (the browser SDK's name); this name goes in the next release. */
  streamIdleTimeout?: number;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /** Evaluation counts and `track` events; `false` turns them off. */
  events?: EventOptions | false;
  /** Where the client logs; default: warnings and errors to the console. */
  logger?: Logger;
  /**
   * The fetch implementation; default the global one. When given, the stream is read
   * through it too (proxies, custom agents); otherwise the stream uses node:http(s).
   */
  fetch?: typeof fetch;
  /** Time source and timers (tests speed time up with it). Default the system clock. */
  clock?: Clock;
  /** Random source for jitter, [0, 1). Default Math.random. */
  random?: () => number;
}

export interface ResolvedOptions {
  url: string;
  key: string;
  offline: boolean;
  stream: boolean;
  pollInterval: number;
  persistPath: string | undefined;
  store: SnapshotStore | undefined;
  timeout: number;
  idleTimeout: number;
  backoff: BackoffSettings & { refused: number };
  events: Required<EventOptions> | false;
  logger: Logger;
  fetch: typeof fetch;
  /** The caller passed `fetch`: every request, the stream included, goes through it. */
  customFetch: boolean;
  clock: Clock;
  random: () => number;
}

export const DEFAULTS = {
  stream: true,
  pollInterval: 30_000,
  timeout: 10_000,
  idleTimeout: 60_000,
  /** @deprecated Renamed `idleTimeout`. */
  streamIdleTimeout: 60_000,
  backoff: { initial: 1_000, max: 30_000, resetAfter: 60_000, refused: REFUSED_DELAY },
  events: { flushInterval: 10_000, maxBatch: 1_000, maxQueue: 10_000 },
} as const;

function createConsoleLogger(): Logger {
  const noop = (): void => {};
  return {
    debug: noop,
    info: noop,
    warn: (message, ...args) => console.warn(`[switchboard] ${message}`, ...args),
    error: (message, ...args) => console.error(`[switchboard] ${message}`, ...args),
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`switchboard: option ${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function count(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new TypeError(`switchboard: option ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Fills defaults and rejects options that can only be a programming mistake (a missing
 * URL or key for an online client, a negative interval). Throws TypeError.
 */
export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const offline = options.offline === true;
  let url = '';
  let key = options.key ?? '';
  if (!offline) {
    if (typeof options.url !== 'string' || options.url.length === 0)
      throw new TypeError('switchboard: option url is required unless offline is true');
    if (typeof options.key !== 'string' || options.key.trim().length === 0)
      throw new TypeError('switchboard: option key is required unless offline is true');
    // node:http throws (in the stream's connect, beyond any handler) on a header value
    // fetch would accept: fetch trims surrounding whitespace, so a key read from a file
    // with its trailing newline works for polls. Trim it for every transport, and refuse
    // what no transport can send.
    key = options.key.trim();
    if (!/^[\x20-\x7e]+$/.test(key)) throw new TypeError('switchboard: option key may hold only printable ASCII characters');
    try {
      url = new URL(options.url).href.replace(/\/+$/, '');
    } catch {
      throw new TypeError(`switchboard: option url is not a URL: ${options.url}`);
    }
  }
  const b = options.backoff ?? {};
  const backoff = {
    initial: positive('backoff.initial', b.initial, DEFAULTS.backoff.initial),
    max: positive('backoff.max', b.max, DEFAULTS.backoff.max),
    resetAfter: positive('backoff.resetAfter', b.resetAfter, DEFAULTS.backoff.resetAfter),
    refused: positive('backoff.refused', b.refused, DEFAULTS.backoff.refused),
  };
  if (backoff.max < backoff.initial) backoff.max = backoff.initial;
  let events: Required<EventOptions> | false = false;
  if (options.events !== false && !offline) {
    const e = options.events ?? {};
    events = {
      flushInterval: positive('events.flushInterval', e.flushInterval, DEFAULTS.events.flushInterval),
      maxBatch: count('events.maxBatch', e.maxBatch, DEFAULTS.events.maxBatch),
      maxQueue: count('events.maxQueue', e.maxQueue, DEFAULTS.events.maxQueue),
    };
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (!offline && typeof fetchImpl !== 'function') throw new TypeError('switchboard: no fetch implementation; pass options.fetch');
  return {
    url,
    key,
    offline,
    stream: options.stream ?? DEFAULTS.stream,
    pollInterval: positive('pollInterval', options.pollInterval, DEFAULTS.pollInterval),
    persistPath: options.persistPath,
    store: options.store,
    timeout: positive('timeout', options.timeout, DEFAULTS.timeout),
    idleTimeout: positive(
      options.idleTimeout === undefined && options.streamIdleTimeout !== undefined ? 'streamIdleTimeout' : 'idleTimeout',
      options.idleTimeout ?? options.streamIdleTimeout,
      DEFAULTS.idleTimeout,
    ),
    backoff,
    events,
    logger: options.logger ?? createConsoleLogger(),
    fetch: fetchImpl,
    customFetch: options.fetch !== undefined,
    clock: options.clock ?? createSystemClock(),
    random: options.random ?? Math.random,
  };
}
