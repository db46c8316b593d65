/**
 * An OpenFeature web provider over the Switchboard browser SDK. Evaluation is local and
 * synchronous (the SDK holds the client projection); this class only says what
 * `@openfeature/web-sdk`'s `Provider` needs. The lifecycle (status, events, grace timer,
 * listeners, closing) is `createProviderLifecycle` from `@switchboard/core/openfeature`,
 * shared with the server provider.
 *
 * `initialize` sets the static context and waits for the first snapshot.
 * `onContextChange` returns a promise (the SDK reports RECONCILING, then
 * CONTEXT_CHANGED) that resolves once the new context is in use — after private
 * attributes are hashed. Flag changes emit PROVIDER_CONFIGURATION_CHANGED with the
 * changed keys; a lost connection PROVIDER_STALE and, if not back within
 * `errorGracePeriod`, PROVIDER_ERROR; reconnecting PROVIDER_READY; a refused key
 * PROVIDER_ERROR.
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
} from '@openfeature/web-sdk';
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
} from '@switchboard/browser';

export interface SwitchboardWebProviderOptions extends Omit<ClientOptions, 'context'>, ProviderSettings {
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

export class SwitchboardWebProvider implements Provider {
  readonly metadata = { name: 'switchboard' } as const;
  readonly runsOn = 'client' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly hooks: Hook[] = [];
  /** The browser SDK client underneath, for direct use. */
  readonly client: SwitchboardClient;
  private readonly lifecycle: ProviderLifecycle;

  constructor(options: SwitchboardWebProviderOptions) {
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

  /** Sets the static context on the client, then waits for the first projection, at most `initTimeout`. */
  initialize(context?: EvaluationContext): Promise<void> {
    return this.lifecycle.initialize(() => this.useContext(context ?? {}));
  }

  /** A promise, so the SDK reports RECONCILING and then CONTEXT_CHANGED. */
  onContextChange(_old: EvaluationContext, next: EvaluationContext): Promise<void> {
    return this.useContext(next);
  }

  /** Stops emitting events; closes the client if the provider created it. */
  onClose(): Promise<void> {
    return this.lifecycle.close();
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
    const details = this.lifecycle.resolve(flagKey, defaultValue, () => this.client.variant(flagKey, undefined, defaultValue as FlagValue));
    return details as ResolutionDetails<T>;
  }

  private useContext(context: EvaluationContext): Promise<void> {
    return this.lifecycle.changingContext(() => this.client.setContext(toSwitchboardContext(context)));
  }
}
