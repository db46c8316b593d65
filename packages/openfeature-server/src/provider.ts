/**
 * An OpenFeature server provider over the Switchboard Node SDK. Evaluation is local (the
 * SDK holds the snapshot); this class only says what `@openfeature/server-sdk`'s
 * `Provider` needs. The lifecycle (status, events, grace timer, listeners, closing) is
 * `createProviderLifecycle` from `@switchboard/core/openfeature`, shared with the web
 * provider: `initialize` waits for the first snapshot; a lost connection emits
 * PROVIDER_STALE and, if not back within `errorGracePeriod`, PROVIDER_ERROR; reconnecting
 * emits PROVIDER_READY; flag changes emit PROVIDER_CONFIGURATION_CHANGED with the changed
 * keys; a refused key emits PROVIDER_ERROR.
 */
import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import {
  createProviderLifecycle,
  fromOpenFeatureContext,
  type ProviderLifecycle,
  type ProviderSettings,
} from '@switchboard/core/openfeature';
import {
  createClient,
  type ClientOptions,
  type EvaluationContext as SwitchboardContext,
  type FlagValue,
  type SwitchboardClient,
} from '@switchboard/node';

export interface SwitchboardProviderOptions extends ClientOptions, ProviderSettings {
  /** Wrap this client instead of creating one from the options (the caller then owns closing it). */
  client?: SwitchboardClient;
}

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
  private readonly lifecycle: ProviderLifecycle;

  constructor(options: SwitchboardProviderOptions) {
    const { client, initTimeout, errorGracePeriod, ...clientOptions } = options;
    this.client = client ?? createClient(clientOptions);
    this.lifecycle = createProviderLifecycle({
      client: this.client,
      ownsClient: client === undefined,
      events: this.events,
      eventNames: ProviderEvents,
      initTimeout,
      errorGracePeriod,
    });
  }

  /** Waits for the first snapshot (or a persisted/bootstrap fallback), at most `initTimeout`. */
  initialize(): Promise<void> {
    return this.lifecycle.initialize();
  }

  /** Stops emitting events; closes the client if the provider created it. */
  onClose(): Promise<void> {
    return this.lifecycle.close();
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

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context));
  }

  /** Synchronous resolution; never throws. */
  resolve<T extends FlagValue | JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    const details = this.lifecycle.resolve(flagKey, defaultValue, () =>
      this.client.variant(flagKey, toSwitchboardContext(context ?? {}), defaultValue as FlagValue),
    );
    return details as ResolutionDetails<T>;
  }
}
