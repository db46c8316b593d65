/**
 * React bindings over the browser SDK. Each hook subscribes to one flag through
 * `useSyncExternalStore`; one `change` listener per client fans out to the hooks of the
 * flags that changed, and a hook re-renders only when its result did. Evaluation is the
 * client's, synchronous and local, so server rendering with a `bootstrap` snapshot and
 * hydration in the browser with the same snapshot produce the same markup.
 */
import { createContext, createElement, useContext, useRef, useSyncExternalStore, type ReactNode } from 'react';
import type {
  FlagDescription,
  FlagValue,
  SwitchboardClient,
  TypedSwitchboardClient,
  TypedVariantResult,
  VariantResult,
  Widen,
} from '@switchboard/browser';

/**
 * Types the hooks by the flags `switchboard codegen` generated, once for the app:
 * `declare module '@switchboard/react' { interface Register { flags: Flags } }`.
 * Unregistered, the hooks take any key, as before.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the app's declaration
export interface Register {}

type Registered = Register extends { flags: infer F } ? F : never;
/** The registered client-side flags, or never. */
type Typed = { [K in keyof Registered as Registered[K] extends { clientSide: true } ? K : never]: Registered[K] };
type TypedKey = [Registered] extends [never] ? never : Extract<keyof Typed, string>;
/** Any key when nothing is registered; none (so the typed overload decides) when flags are. */
type UntypedKey = [Registered] extends [never] ? string : never;
type Described<K extends keyof Typed> = Typed[K] extends FlagDescription ? Typed[K] : never;
/** The client the provider takes: the registered flags' typed client, or an untyped one. */
type ProvidedClient = [Registered] extends [never] ? SwitchboardClient : SwitchboardClient | TypedSwitchboardClient<Registered>;

interface Store {
  client: SwitchboardClient;
  subscribe(flag: string, onChange: () => void): () => void;
}

// One store per client, shared by every provider of that client.
const stores = new WeakMap<SwitchboardClient, Store>();

function storeOf(client: SwitchboardClient): Store {
  let store = stores.get(client);
  if (store) return store;
  const byFlag = new Map<string, Set<() => void>>();
  const onChange = (keys: string[]): void => {
    for (const key of keys) byFlag.get(key)?.forEach((notify) => notify());
  };
  store = {
    client,
    subscribe(flag, notify) {
      if (byFlag.size === 0) client.on('change', onChange);
      let set = byFlag.get(flag);
      if (!set) byFlag.set(flag, (set = new Set()));
      set.add(notify);
      return () => {
        set.delete(notify);
        if (set.size === 0) byFlag.delete(flag);
        if (byFlag.size === 0) client.off('change', onChange);
      };
    },
  };
  stores.set(client, store);
  return store;
}

const FlagsContext = createContext<Store | null>(null);

export interface FlagsProviderProps {
  /** A browser SDK client (typed or not); on the server, one created per request with `bootstrap`. */
  client: ProvidedClient;
  children?: ReactNode;
}

/** Makes `client` available to the hooks below it. */
export function FlagsProvider({ client, children }: FlagsProviderProps): ReactNode {
  // A typed client is the same object as an untyped one: only its method types differ.
  return createElement(FlagsContext.Provider, { value: storeOf(client as SwitchboardClient) }, children);
}

function useStore(): Store {
  const store = useContext(FlagsContext);
  if (!store) throw new Error('switchboard: hooks need a <FlagsProvider client={…}> above them');
  return store;
}

/** The client given to the nearest `FlagsProvider`. */
export function useFlagsClient(): ProvidedClient;
export function useFlagsClient(): SwitchboardClient {
  return useStore().client;
}

/** Same outcome: every field equal (a JSON value is the same object from the snapshot). */
function sameResult<T>(a: VariantResult<T>, b: VariantResult<T>): boolean {
  return (
    a === b ||
    (a.value === b.value && a.variant === b.variant && a.reason === b.reason && a.ruleId === b.ruleId && a.errorCode === b.errorCode)
  );
}

/**
 * Subscribes to one flag; `read` evaluates it. The browser's evaluator builds a new
 * result object per call, and useSyncExternalStore needs the same object while nothing
 * changed, so the last result is kept for as long as the outcome is the same: a
 * re-render happens only when it changed.
 */
function useFlagResult<T>(flag: string, read: (client: SwitchboardClient) => VariantResult<T>): VariantResult<T> {
  const { client, subscribe } = useStore();
  const last = useRef<VariantResult<T> | undefined>(undefined);
  const snapshot = (): VariantResult<T> => {
    const next = read(client);
    const prev = last.current;
    if (prev && sameResult(prev, next)) return prev;
    return (last.current = next);
  };
  return useSyncExternalStore((notify) => subscribe(flag, notify), snapshot, snapshot);
}

/** The flag's value for the client's context, or `defaultValue` on any error (including a default of the wrong type). */
export function useFlag<K extends TypedKey>(flag: K, defaultValue: Described<K>['value']): Described<K>['value'];
export function useFlag<T extends FlagValue>(flag: UntypedKey, defaultValue: T): Widen<T>;
export function useFlag<T extends FlagValue>(flag: string, defaultValue: T): Widen<T> {
  const result = useFlagResult(flag, (client) => client.variant(flag, undefined, defaultValue));
  return (result.reason === 'ERROR' ? defaultValue : result.value) as Widen<T>;
}

/** The full result for the client's context: `{ value, variant, reason, errorCode?, ruleId? }`; `value` is undefined on error. */
export function useVariant<K extends TypedKey>(flag: K): TypedVariantResult<Described<K>, Described<K>['value'] | undefined>;
export function useVariant(flag: UntypedKey): VariantResult;
export function useVariant(flag: string): VariantResult {
  return useFlagResult(flag, (client) => client.variant(flag));
}
