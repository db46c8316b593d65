/**
 * An OpenFeature server provider over the Switchboard Node SDK. Evaluation is local (the
 * SDK holds the snapshot); this class only translates contexts, results and events.
 *
 * Lifecycle, after flagd's provider: `initialize` waits for the first snapshot; a lost
 * connection emits PROVIDER_STALE and, if not back within `errorGracePeriod`,
 * PROVIDER_ERROR; reconnecting emits PROVIDER_READY; flag changes emit
 * PROVIDER_CONFIGURATION_CHANGED with the changed keys. A refused key emits PROVIDER_ERROR.
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
} from '@openfeature/server-sdk';
import { fromOpenFeatureContext, toResolutionDetails } from '@switchboard/core/openfeature';
import { createClient, type ClientOptions, type EvaluationContext as SwitchboardContext, type FlagValue, type SwitchboardClient, type SwitchboardError } from '@switchboard/node';

export interface SwitchboardProviderOptions extends ClientOptions {
  /** Wrap this client instead of creating one from the options (the caller then owns closing it). */
  client?: SwitchboardClient;
  /** How long `initialize` waits for the first snapshot, ms. Default: the client's `timeout` (10 000). */
  initTimeout?: number;
  /** After PROVIDER_STALE, emit PROVIDER_ERROR if the connection isn't back within this many ms. Default 5 000. */
  errorGracePeriod?: number;
}

const DEFAULT_ERROR_GRACE_PERIOD = 5_000;

type ProviderState = 'initializing' | 'init-failed' | 'ready' | 'stale' | 'error' | 'closed';

/**
 * OpenFeature's context → Switchboard's: `targetingKey` becomes `userId` (unless the
 * context sets `userId` itself), and top-level Dates become ISO strings for date operators
 * (`fromOpenFeatureContext` from `@switchboard/core/openfeature`, which both providers share).
 */
export function toSwitchboardContext(context: EvaluationContext): SwitchboardContext {
  return fromOpenFeatureContext(context);
}

export class SwitchboardProvider implements Provider {
  readonly metadata = { name: 'switchboard' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly hooks: Hook[] = [];
  /** The Node SDK client underneath, for direct use (`isEnabled` is faster than the OpenFeature path). */
  readonly client: SwitchboardClient;
  private readonly ownsClient: boolean;
  private readonly initTimeout: number | undefined;
  private readonly errorGracePeriod: number;
  private state: ProviderState = 'initializing';
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(options: SwitchboardProviderOptions) {
    const { client, initTimeout, errorGracePeriod, ...clientOptions } = options;
    this.client = client ?? createClient(clientOptions);
    this.ownsClient = client === undefined;
    this.initTimeout = initTimeout;
    this.errorGracePeriod = errorGracePeriod ?? DEFAULT_ERROR_GRACE_PERIOD;
    this.client.on('ready', this.onReady);
    this.client.on('recovered', this.onRecovered);
    this.client.on('change', this.onChange);
    this.client.on('stale', this.onStale);
    this.client.on('error', this.onError);
  }

  private readonly onReady = (): void => {
    // During initialize the SDK announces READY itself when initialize resolves.
    if (this.state === 'init-failed') this.becomeReady();
  };

  private readonly onRecovered = (): void => {
    if (this.state !== 'initializing' && this.state !== 'closed') this.becomeReady();
  };

  private readonly onChange = (flagsChanged: string[]): void => {
    if (this.state === 'closed') return;
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged, message: `${flagsChanged.length} flag(s) changed` });
  };

  private readonly onStale = (error: SwitchboardError): void => {
    if (this.state === 'ready') this.becomeStale(error.message);
  };

  private readonly onError = (error: SwitchboardError): void => {
    if (error.code === 'UNAUTHORIZED' && (this.state === 'ready' || this.state === 'stale')) this.becomeError(error.message);
  };

  async initialize(): Promise<void> {
    try {
      await this.client.ready(this.initTimeout);
    } catch (e) {
      if (this.state !== 'closed') this.state = 'init-failed';
      throw e;
    }
    if (this.state === 'closed') return;
    this.state = 'ready';
    if (this.client.status === 'stale') {
      // Serving a persisted or bootstrap snapshot while the server is unreachable: say so
      // once the SDK has finished announcing READY for initialize.
      setTimeout(() => {
        if (this.state === 'ready' && this.client.status === 'stale') this.becomeStale('serving the last known snapshot; the server is unreachable');
      }, 0).unref();
    }
  }

  async onClose(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.graceTimer);
    // A client passed in lives on after the provider: left attached, its recovery made
    // this closed provider READY again and its changes reached OpenFeature through it.
    this.client.off('ready', this.onReady);
    this.client.off('recovered', this.onRecovered);
    this.client.off('change', this.onChange);
    this.client.off('stale', this.onStale);
    this.client.off('error', this.onError);
    if (this.ownsClient) await this.client.close();
  }

  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    this.client.track(trackingEventName, toSwitchboardContext(context), trackingEventDetails?.value);
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  /** Synchronous resolution; never throws. */
  resolve<T extends FlagValue | JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    try {
      if (this.client.source === 'none' && this.client.status === 'initializing') {
        return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY, errorMessage: 'no flag snapshot has been received yet' };
      }
      const result = this.client.variant(flagKey, toSwitchboardContext(context ?? {}), defaultValue as FlagValue);
      return toResolutionDetails(flagKey, result) as ResolutionDetails<T>;
    } catch (e) {
      return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.GENERAL, errorMessage: e instanceof Error ? e.message : String(e) };
    }
  }

  private becomeReady(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.state = 'ready';
    this.events.emit(ProviderEvents.Ready, { message: 'connected to Switchboard' });
  }

  private becomeStale(message: string): void {
    this.state = 'stale';
    this.events.emit(ProviderEvents.Stale, { message });
    clearTimeout(this.graceTimer);
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if (this.state === 'stale') this.becomeError(`not reconnected within ${this.errorGracePeriod} ms: ${message}`);
    }, this.errorGracePeriod);
    this.graceTimer.unref();
  }

  private becomeError(message: string): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.state = 'error';
    this.events.emit(ProviderEvents.Error, { message, errorCode: ErrorCode.GENERAL });
  }
}
