/**
 * `@switchboard/core/openfeature`: what the OpenFeature providers (server and web) share:
 * the context and result mapping, and the provider lifecycle (status, events, grace
 * timer, listeners, closing). The types here are structural, so core depends on no
 * OpenFeature package and no SDK; each provider passes in its SDK's client, its
 * OpenFeature SDK's event emitter and `ProviderEvents`, and casts the details to its
 * SDK's `ResolutionDetails`.
 */
import type { ErrorCode, EvaluationResult } from './result.js';
import type { EvaluationContext } from './snapshot.js';

/**
 * OpenFeature's context → Switchboard's: `targetingKey` becomes `userId` (unless the
 * context sets `userId` itself), and top-level Dates become ISO strings for the date
 * operators. An invalid Date stays a Date: date operators read it as no date, so its
 * conditions are false.
 */
export function fromOpenFeatureContext(context: Readonly<Record<string, unknown>>): EvaluationContext {
  const out: EvaluationContext = {};
  for (const key of Object.keys(context)) {
    if (key === 'targetingKey') continue;
    const value = context[key];
    out[key] = value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value;
  }
  if (typeof context.targetingKey === 'string' && out.userId === undefined) out.userId = context.targetingKey;
  return out;
}

/**
 * The OpenFeature error codes a provider reports: core's evaluation codes, plus
 * `PROVIDER_NOT_READY` (no snapshot yet), which an SDK may report itself.
 */
export type OpenFeatureErrorCode = ErrorCode | 'PROVIDER_NOT_READY';

/** OpenFeature's `ResolutionDetails`, structurally (`errorCode` is one of its error codes). */
export interface ResolutionDetails<T> {
  value: T;
  reason: string;
  variant?: string;
  flagMetadata?: { ruleId: string };
  errorCode?: OpenFeatureErrorCode;
  errorMessage?: string;
}

/** An evaluation result as an SDK reports it; its error code may be one core doesn't produce. */
export type SdkEvaluationResult<T> = Omit<EvaluationResult<T>, 'errorCode'> & { errorCode?: string };

const ERROR_MESSAGES: Record<OpenFeatureErrorCode, string> = {
  FLAG_NOT_FOUND: 'not found',
  TYPE_MISMATCH: 'has a different type from the default value',
  PARSE_ERROR: 'is malformed',
  GENERAL: 'could not be evaluated',
  PROVIDER_NOT_READY: 'not evaluated: no flag snapshot has been received yet',
};

function isOpenFeatureErrorCode(code: string): code is OpenFeatureErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, code);
}

/**
 * A Switchboard result as OpenFeature resolution details. Reasons pass through
 * (`PREREQUISITE_FAILED` is a custom reason, as OpenFeature allows), error codes map
 * one to one (a code OpenFeature doesn't know becomes `GENERAL`), and a rule's id
 * travels as `flagMetadata.ruleId`.
 */
export function toResolutionDetails<T>(flagKey: string, result: SdkEvaluationResult<T>): ResolutionDetails<T> {
  const details: ResolutionDetails<T> = { value: result.value, reason: result.reason };
  if (result.variant !== undefined) details.variant = result.variant;
  if (result.ruleId !== undefined) details.flagMetadata = { ruleId: result.ruleId };
  if (result.errorCode !== undefined) {
    const code = isOpenFeatureErrorCode(result.errorCode) ? result.errorCode : 'GENERAL';
    details.errorCode = code;
    details.errorMessage = `flag ${JSON.stringify(flagKey)} ${ERROR_MESSAGES[code]}`;
  }
  return details;
}

/**
 * What the provider lifecycle listens to; both SDK clients emit these. It also listens to
 * `recovered` (a reconnect), which an SDK may emit instead of `ready` again.
 */
export interface ProviderClientEvents {
  ready: [];
  change: [flagKeys: string[]];
  stale: [error: { message: string }];
  error: [error: { code: string; message: string }];
}

/** The part of a Switchboard SDK client the provider lifecycle drives. */
export interface ProviderClient {
  on<K extends keyof ProviderClientEvents>(event: K, listener: (...args: ProviderClientEvents[K]) => void): unknown;
  off<K extends keyof ProviderClientEvents>(event: K, listener: (...args: ProviderClientEvents[K]) => void): unknown;
  readonly status: string;
  readonly source: string;
  ready(timeout?: number): Promise<void>;
  close(): Promise<void>;
}

/** The OpenFeature SDK's `ProviderEvents`, the members the lifecycle emits. */
export interface ProviderEventNames<E> {
  Ready: E;
  Stale: E;
  Error: E;
  ConfigurationChanged: E;
}

/** The details the lifecycle emits with an event (OpenFeature's `EventDetails`, structurally). */
export interface ProviderEventDetails {
  message?: string;
  flagsChanged?: string[];
  errorCode?: string;
}

/** The OpenFeature SDK's `OpenFeatureEventEmitter`, the one method the lifecycle calls. */
export interface ProviderEventSink<E> {
  emit(event: E, details?: ProviderEventDetails): void;
}

/** One-shot timers. A handle with `unref` (Node's) is unref'd, so a provider never keeps a process alive. */
export interface ProviderTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Options both providers take on top of their SDK client's. */
export interface ProviderSettings {
  /** How long `initialize` waits for the first snapshot, ms. Default: the client's `timeout` (10 000). */
  initTimeout?: number;
  /** After PROVIDER_STALE, emit PROVIDER_ERROR if the connection isn't back within this many ms. Default 5 000. */
  errorGracePeriod?: number;
}

export interface ProviderLifecycleOptions<E> extends ProviderSettings {
  client: ProviderClient;
  /** Whether closing the provider closes the client (true when the provider created it). */
  ownsClient: boolean;
  events: ProviderEventSink<E>;
  eventNames: ProviderEventNames<E>;
  /** Default: the global `setTimeout`/`clearTimeout`. */
  timers?: ProviderTimers;
}

/** The lifecycle a provider delegates to; see `createProviderLifecycle`. */
export interface ProviderLifecycle {
  /**
   * Puts the listeners on the client (again, after `close`), runs `prepare` (the web
   * provider sets the context there) and waits for the first snapshot. Rejects when
   * that fails; the provider then turns READY when the client does.
   */
  initialize(prepare?: () => Promise<void>): Promise<void>;
  /** Takes the listeners off the client and closes it if the provider owns it. */
  close(): Promise<void>;
  /**
   * `evaluate()` as resolution details; never throws. Before any snapshot: the default
   * with `PROVIDER_NOT_READY`; if `evaluate` throws: the default with `GENERAL`.
   */
  resolve<T>(flagKey: string, defaultValue: T, evaluate: () => SdkEvaluationResult<unknown>): ResolutionDetails<T>;
  /** Runs `work` (a context change) without announcing its flag changes: the SDK announces CONTEXT_CHANGED. */
  changingContext(work: () => Promise<void>): Promise<void>;
}

export const DEFAULT_ERROR_GRACE_PERIOD = 5_000;

/** Codes with which a running client reports that the server refused its key. */
const REFUSED = new Set(['UNAUTHORIZED', 'WRONG_KEY_KIND']);

type LifecycleState = 'initializing' | 'init-failed' | 'ready' | 'stale' | 'error' | 'closed';

const globalTimers: ProviderTimers = {
  set: (callback, ms) => (globalThis as unknown as { setTimeout(cb: () => void, ms: number): unknown }).setTimeout(callback, ms),
  clear: (handle) => (globalThis as unknown as { clearTimeout(handle: unknown): void }).clearTimeout(handle),
};

/**
 * The provider lifecycle both OpenFeature providers share, after flagd's: `initialize`
 * waits for the first snapshot; a lost connection emits PROVIDER_STALE and, if not back
 * within `errorGracePeriod`, PROVIDER_ERROR; reconnecting (or the first snapshot after a
 * failed `initialize`) emits PROVIDER_READY; flag changes emit
 * PROVIDER_CONFIGURATION_CHANGED with the changed keys; a refused key emits
 * PROVIDER_ERROR. Once closed it emits nothing until initialized again.
 */
export function createProviderLifecycle<E>(options: ProviderLifecycleOptions<E>): ProviderLifecycle {
  const { client, ownsClient, events, eventNames, initTimeout } = options;
  const errorGracePeriod = options.errorGracePeriod ?? DEFAULT_ERROR_GRACE_PERIOD;
  const timers = options.timers ?? globalTimers;
  let state: LifecycleState = 'initializing';
  let timer: unknown;
  let contextChanges = 0;
  let attached = false;
  // Read through a call: `close` may run while `initialize` awaits.
  const isClosed = (): boolean => state === 'closed';

  const clearTimer = (): void => {
    if (timer !== undefined) timers.clear(timer);
    timer = undefined;
  };
  const schedule = (callback: () => void, ms: number): void => {
    clearTimer();
    const handle = timers.set(() => {
      timer = undefined;
      callback();
    }, ms);
    (handle as { unref?: () => void } | null)?.unref?.();
    timer = handle;
  };

  const becomeReady = (): void => {
    clearTimer();
    state = 'ready';
    events.emit(eventNames.Ready, { message: 'connected to Switchboard' });
  };
  const becomeError = (message: string): void => {
    clearTimer();
    state = 'error';
    events.emit(eventNames.Error, { message, errorCode: 'GENERAL' });
  };
  const becomeStale = (message: string): void => {
    state = 'stale';
    events.emit(eventNames.Stale, { message });
    schedule(() => {
      if (state === 'stale') becomeError(`not reconnected within ${errorGracePeriod} ms: ${message}`);
    }, errorGracePeriod);
  };

  // `ready` after a failed initialize, or again after `stale` from an SDK that says so.
  const onConnected = (): void => {
    if (state === 'init-failed' || state === 'stale' || state === 'error') becomeReady();
  };
  // Not before initialize resolves (the first snapshot is no change to announce), nor
  // while closed.
  const onChange = (flagsChanged: string[]): void => {
    if ((state !== 'ready' && state !== 'stale' && state !== 'error') || contextChanges > 0) return;
    events.emit(eventNames.ConfigurationChanged, { flagsChanged, message: `${flagsChanged.length} flag(s) changed` });
  };
  const onStale = (error: { message: string }): void => {
    if (state === 'ready') becomeStale(error.message);
  };
  const onError = (error: { code: string; message: string }): void => {
    if (REFUSED.has(error.code) && (state === 'ready' || state === 'stale')) becomeError(error.message);
  };

  // A client the caller gave outlives the provider: left attached, its recovery would
  // revive a closed provider and keep every provider ever made over it reachable.
  // Typed apart: an SDK without the event still fits `ProviderClient`.
  const onRecovered = client as unknown as Record<'on' | 'off', (event: 'recovered', listener: () => void) => unknown>;
  const attach = (): void => {
    if (attached) return;
    attached = true;
    client.on('ready', onConnected);
    onRecovered.on.call(client, 'recovered', onConnected);
    client.on('change', onChange);
    client.on('stale', onStale);
    client.on('error', onError);
  };
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    client.off('ready', onConnected);
    onRecovered.off.call(client, 'recovered', onConnected);
    client.off('change', onChange);
    client.off('stale', onStale);
    client.off('error', onError);
  };

  return {
    async initialize(prepare) {
      state = 'initializing';
      attach();
      try {
        await prepare?.();
        await client.ready(initTimeout);
      } catch (e) {
        if (!isClosed()) state = 'init-failed';
        throw e;
      }
      if (isClosed()) return;
      state = 'ready';
      if (client.status === 'stale') {
        // Serving a stored or bootstrap snapshot while the server is unreachable: say so
        // once the OpenFeature SDK has announced READY for initialize.
        schedule(() => {
          if (state === 'ready' && client.status === 'stale') becomeStale('serving the last known snapshot; the server is unreachable');
        }, 0);
      }
    },

    async close() {
      state = 'closed';
      clearTimer();
      detach();
      if (ownsClient) await client.close();
    },

    resolve<T>(flagKey: string, defaultValue: T, evaluate: () => SdkEvaluationResult<unknown>): ResolutionDetails<T> {
      try {
        if (client.source === 'none' && client.status === 'initializing') {
          return toResolutionDetails(flagKey, { value: defaultValue, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
        }
        return toResolutionDetails(flagKey, evaluate()) as ResolutionDetails<T>;
      } catch (e) {
        return { value: defaultValue, reason: 'ERROR', errorCode: 'GENERAL', errorMessage: e instanceof Error ? e.message : String(e) };
      }
    },

    async changingContext(work) {
      contextChanges++;
      try {
        await work();
      } finally {
        contextChanges--;
      }
    },
  };
}
