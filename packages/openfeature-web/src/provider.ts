/**
 * An OpenFeature web provider over the Switchboard browser SDK. Evaluation is local and
 * synchronous (the SDK holds the client projection); this class translates contexts,
 * results and events.
 *
 * Lifecycle: `initialize` sets the static context and waits for the first snapshot.
 * `onContextChange` returns a promise (the SDK reports RECONCILING, then
 * CONTEXT_CHANGED) that resolves once the new context is in use — after private
 * attributes are hashed. Flag changes emit PROVIDER_CONFIGURATION_CHANGED with the
 * changed keys; a lost connection PROVIDER_STALE and, if not back within
 * `errorGracePeriod`, PROVIDER_ERROR; reconnecting PROVIDER_READY; a refused key
 * PROVIDER_ERROR.
 */
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/web-sdk';
import { fromOpenFeatureContext, toResolutionDetails } from '@switchboard/core/openfeature';
import { createClient, type ClientEvents, type ClientOptions, type EvaluationContext as SwitchboardContext, type FlagValue, type SwitchboardClient } from '@switchboard/browser';

export interface SwitchboardWebProviderOptions extends Omit<ClientOptions, 'context'> {
  /** Wrap this client instead of creating one from the options (the caller then owns closing it). */
  client?: SwitchboardClient;
  /** How long `initialize` waits for the first snapshot, ms. Default: the client's `timeout` (10 000). */
  initTimeout?: number;
  /** After PROVIDER_STALE, emit PROVIDER_ERROR if the connection isn't back within this many ms. Default 5 000. */
  errorGracePeriod?: number;
}

/**
 * OpenFeature's context → Switchboard's: `targetingKey` becomes `userId` (unless the
 * context sets `userId` itself), and top-level Dates become ISO strings for date operators
 * (`fromOpenFeatureContext` from `@switchboard/core/openfeature`, which both providers share).
 */
export function toSwitchboardContext(context: EvaluationContext): SwitchboardContext {
  return fromOpenFeatureContext(context);
}

type State = 'initializing' | 'init-failed' | 'ready' | 'stale' | 'error' | 'closed';

export class SwitchboardWebProvider implements Provider {
  readonly metadata = { name: 'switchboard' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly hooks: Hook[] = [];
  /** The browser SDK client underneath, for direct use. */
  readonly client: SwitchboardClient;
  private readonly ownsClient: boolean;
  private readonly initTimeout: number | undefined;
  private readonly errorGracePeriod: number;
  private state: State = 'initializing';
  private reconciling = 0;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Takes the listeners off the client; undefined while they are off (after `onClose`). */
  private detach: (() => void) | undefined;

  constructor(options: SwitchboardWebProviderOptions) {
    const { client, initTimeout, errorGracePeriod, ...clientOptions } = options;
    this.client = client ?? createClient(clientOptions);
    this.ownsClient = client === undefined;
    this.initTimeout = initTimeout;
    this.errorGracePeriod = errorGracePeriod ?? 5_000;
    this.listen();
  }

  /**
   * A client the caller gave outlives this provider: `onClose` takes the listeners off it,
   * or every provider ever made over it would stay reachable (and its `error` listener
   * would keep the client from warning). `initialize` puts them back on.
   */
  private listen(): void {
    if (this.detach) return;
    const on = <K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): (() => void) => {
      this.client.on(event, listener);
      return () => this.client.off(event, listener);
    };
    const offs = [
      on('ready', () => {
        if (this.state === 'init-failed') this.becomeReady();
      }),
      on('recovered', () => {
        if (this.state !== 'initializing' && this.state !== 'closed') this.becomeReady();
      }),
      on('change', (flagsChanged) => {
        // During a context change the SDK announces CONTEXT_CHANGED itself.
        if (this.state === 'closed' || this.reconciling > 0) return;
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
      }),
      on('stale', (error) => {
        if (this.state === 'ready') this.becomeStale(error.message);
      }),
      on('error', (error) => {
        if (error.code === 'UNAUTHORIZED' && (this.state === 'ready' || this.state === 'stale')) this.becomeError(error.message);
      }),
    ];
    this.detach = () => {
      for (const off of offs) off();
      this.detach = undefined;
    };
  }

  async initialize(context?: EvaluationContext): Promise<void> {
    this.listen();
    try {
      await this.reconcile(context ?? {});
      await this.client.ready(this.initTimeout);
    } catch (e) {
      this.state = 'init-failed';
      throw e;
    }
    this.state = 'ready';
    if (this.client.status === 'stale') {
      // Serving a stored or bootstrap snapshot while the server is unreachable: say so
      // once the SDK has announced READY for initialize.
      setTimeout(() => {
        if (this.state === 'ready' && this.client.status === 'stale') this.becomeStale('serving the last known snapshot; the server is unreachable');
      }, 0);
    }
  }

  /** A promise, so the SDK reports RECONCILING and then CONTEXT_CHANGED. */
  onContextChange(_old: EvaluationContext, next: EvaluationContext): Promise<void> {
    return this.reconcile(next);
  }

  async onClose(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.graceTimer);
    this.detach?.();
    if (this.ownsClient) await this.client.close();
  }

  track(trackingEventName: string, _context: EvaluationContext, details?: TrackingEventDetails): void {
    this.client.track(trackingEventName, undefined, details?.value);
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean): ResolutionDetails<boolean> {
    return this.resolve(flagKey, defaultValue);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string): ResolutionDetails<string> {
    return this.resolve(flagKey, defaultValue);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number): ResolutionDetails<number> {
    return this.resolve(flagKey, defaultValue);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
    return this.resolve(flagKey, defaultValue);
  }

  /**
   * Synchronous resolution for the static context (the client's); never throws. The
   * context argument the SDK passes is that same static context, already set through
   * `initialize`/`onContextChange`.
   */
  resolve<T extends FlagValue | JsonValue>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
    try {
      if (this.client.source === 'none' && this.client.status === 'initializing') {
        return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY, errorMessage: 'no flag snapshot has been received yet' };
      }
      const result = this.client.variant(flagKey, undefined, defaultValue as FlagValue);
      return toResolutionDetails(flagKey, result) as ResolutionDetails<T>;
    } catch (e) {
      return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.GENERAL, errorMessage: e instanceof Error ? e.message : String(e) };
    }
  }

  private async reconcile(context: EvaluationContext): Promise<void> {
    this.reconciling++;
    try {
      await this.client.setContext(toSwitchboardContext(context));
    } finally {
      this.reconciling--;
    }
  }

  private becomeReady(): void {
    clearTimeout(this.graceTimer);
    this.state = 'ready';
    this.events.emit(ProviderEvents.Ready, { message: 'connected to Switchboard' });
  }

  private becomeStale(message: string): void {
    this.state = 'stale';
    this.events.emit(ProviderEvents.Stale, { message });
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      if (this.state === 'stale') this.becomeError(`not reconnected within ${this.errorGracePeriod} ms: ${message}`);
    }, this.errorGracePeriod);
  }

  private becomeError(message: string): void {
    clearTimeout(this.graceTimer);
    this.state = 'error';
    this.events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.GENERAL });
  }
}
