/**
 * `@switchboard/core/openfeature-conformance`: the lifecycle cases every Switchboard
 * OpenFeature provider must pass, written once and run by `@switchboard/openfeature-server`
 * and `@switchboard/openfeature-web` against their own SDK client over a backend that
 * speaks the SDK protocol. Each case throws on failure, so any test runner can run it.
 */
import type { Flag } from './snapshot.js';
import type { ProviderSettings } from './openfeature.js';

/** A backend speaking the SDK protocol, holding one boolean flag `checkout` serving `on` (true). */
export interface ConformanceBackend {
  /** Drops every connection and refuses new ones until `comeBack`. */
  goDown(): Promise<void>;
  comeBack(): Promise<void>;
  /** Ends the open streams; clients reconnect. */
  dropStreams(): void;
  /** Replaces a flag; open streams get the change. */
  setFlag(flag: Flag): void;
  /** Refuses the key (401) from now on. */
  refuseKey(): void;
  /** Accepts streams but sends nothing on them. */
  silence(): void;
  close(): Promise<void>;
}

/** The provider as the cases drive it (both providers' shapes fit). */
export interface ConformanceProvider {
  initialize(context?: Record<string, unknown>): Promise<void>;
  onClose(): Promise<void>;
  readonly events: { addHandler(event: never, handler: (details?: Record<string, unknown>) => void): void };
}

/** The SDK client underneath, as the cases observe it. */
export interface ConformanceClient {
  readonly status: string;
  on(event: 'change', listener: (flagKeys: string[]) => void): unknown;
  close(): Promise<void>;
}

/** Resolution details as the cases read them. */
export interface ConformanceDetails {
  value: boolean;
  reason?: string;
  variant?: string;
  errorCode?: string;
}

export interface ConformanceProviderOptions extends ProviderSettings {
  /** Serve a snapshot with `checkout` at once, before the backend answers. */
  bootstrap?: boolean;
}

/** What a provider package supplies to run the cases. */
export interface ConformanceHarness<P extends ConformanceProvider, C extends ConformanceClient> {
  startBackend(): Promise<ConformanceBackend>;
  /** A client of the package's SDK for `backend`, retrying within ~100 ms and sending no events. */
  createClient(backend: ConformanceBackend, options?: ConformanceProviderOptions): C;
  /** A provider wrapping `client` (the caller closes it), or creating and owning its own for `backend`. */
  createProvider(target: { client: C } | { backend: ConformanceBackend }, options?: ConformanceProviderOptions): P;
  /** The provider's `client`. */
  clientOf(provider: P): C;
  resolveBoolean(provider: P, flagKey: string, defaultValue: boolean): ConformanceDetails | Promise<ConformanceDetails>;
  /** Timers keeping the process alive (Node's `process.getActiveResourcesInfo()` entries named `Timeout`). */
  activeTimers(): number;
}

export interface ConformanceCase {
  name: string;
  run<P extends ConformanceProvider, C extends ConformanceClient>(harness: ConformanceHarness<P, C>): Promise<void>;
}

const READY = 'PROVIDER_READY';
const STALE = 'PROVIDER_STALE';
const ERROR = 'PROVIDER_ERROR';
const CHANGED = 'PROVIDER_CONFIGURATION_CHANGED';

/** `checkout` as the backend starts with it, at `version`, on or off. */
export function checkoutFlag(version = 1, enabled = true): Flag {
  return {
    key: 'checkout',
    version,
    type: 'boolean',
    enabled,
    variants: { on: true, off: false },
    offVariant: 'off',
    fallthrough: { variant: 'on' },
  };
}

const timers = globalThis as unknown as { setTimeout(callback: () => void, ms: number): unknown };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => timers.setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, ms = 3_000): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** The provider's events as `PROVIDER_READY`, …, `PROVIDER_CONFIGURATION_CHANGED:key,key`. */
function record(provider: ConformanceProvider): string[] {
  const seen: string[] = [];
  for (const event of [READY, STALE, ERROR, CHANGED]) {
    provider.events.addHandler(event as never, (details) =>
      seen.push(event === CHANGED ? `${event}:${((details?.flagsChanged as string[] | undefined) ?? []).join(',')}` : event),
    );
  }
  return seen;
}

/** Runs `body` with a fresh backend, closing it (and whatever `body` registered) after. */
async function withBackend(
  body: (backend: ConformanceBackend, cleanup: (close: () => Promise<unknown>) => void) => Promise<void>,
  start: () => Promise<ConformanceBackend>,
): Promise<void> {
  const backend = await start();
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await body(backend, (close) => closers.push(close));
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await backend.close();
  }
}

async function rejects(promise: Promise<unknown>, what: string): Promise<void> {
  let failed = false;
  await promise.catch(() => (failed = true));
  if (!failed) throw new Error(`${what} resolved; expected it to reject`);
}

export const providerConformanceCases: readonly ConformanceCase[] = [
  {
    name: 'STALE when the connection drops, ERROR once errorGracePeriod passes, READY when it is back; the last snapshot keeps serving',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        const provider = h.createProvider({ backend }, { errorGracePeriod: 150 });
        cleanup(() => provider.onClose());
        const seen = record(provider);
        await provider.initialize({});
        await backend.goDown();
        await until(() => seen.includes(STALE), 'STALE');
        expectEqual((await h.resolveBoolean(provider, 'checkout', false)).value, true, 'value while STALE');
        await until(() => seen.includes(ERROR), 'ERROR');
        expectEqual((await h.resolveBoolean(provider, 'checkout', false)).reason, 'STATIC', 'reason while ERROR');
        await backend.comeBack();
        await until(() => seen.includes(READY), 'READY');
        expectEqual(seen, [STALE, ERROR, READY], 'events');
      }, h.startBackend),
  },
  {
    name: 'a reconnect within errorGracePeriod is STALE then READY, never ERROR',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        const provider = h.createProvider({ backend }, { errorGracePeriod: 60_000 });
        cleanup(() => provider.onClose());
        const seen = record(provider);
        await provider.initialize({});
        backend.dropStreams();
        await until(() => seen.length === 2, 'STALE then READY');
        expectEqual(seen, [STALE, READY], 'events');
      }, h.startBackend),
  },
  {
    name: 'CONFIGURATION_CHANGED with the keys of the flags that changed',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        const provider = h.createProvider({ backend });
        cleanup(() => provider.onClose());
        const seen = record(provider);
        await provider.initialize({});
        backend.setFlag(checkoutFlag(2, false));
        await until(() => seen.length === 1, 'CONFIGURATION_CHANGED');
        expectEqual(seen, [`${CHANGED}:checkout`], 'events');
        const details = await h.resolveBoolean(provider, 'checkout', true);
        expectEqual([details.value, details.variant, details.reason], [false, 'off', 'DISABLED'], 'details');
      }, h.startBackend),
  },
  {
    name: 'STALE right after initialize when serving a bootstrap while the backend is unreachable',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        await backend.goDown();
        const provider = h.createProvider({ backend }, { bootstrap: true, errorGracePeriod: 60_000 });
        cleanup(() => provider.onClose());
        const seen = record(provider);
        await provider.initialize({});
        expectEqual((await h.resolveBoolean(provider, 'checkout', false)).value, true, 'value from the bootstrap');
        await until(() => seen.length === 1, 'STALE');
        expectEqual(seen, [STALE], 'events');
      }, h.startBackend),
  },
  {
    name: 'PROVIDER_NOT_READY before any snapshot; READY once the first one arrives after a failed initialize',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        await backend.goDown();
        const provider = h.createProvider({ backend }, { initTimeout: 100 });
        cleanup(() => provider.onClose());
        const seen = record(provider);
        await rejects(provider.initialize({}), 'initialize');
        const details = await h.resolveBoolean(provider, 'checkout', false);
        expectEqual(
          [details.value, details.reason, details.errorCode],
          [false, 'ERROR', 'PROVIDER_NOT_READY'],
          'details before any snapshot',
        );
        await backend.comeBack();
        await until(() => seen.includes(READY), 'READY');
        expectEqual(seen, [READY], 'events');
        expectEqual((await h.resolveBoolean(provider, 'checkout', false)).value, true, 'value once READY');
      }, h.startBackend),
  },
  {
    name: 'a refused key on a running provider is ERROR at once, without waiting for errorGracePeriod',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        const provider = h.createProvider({ backend }, { errorGracePeriod: 60_000 });
        cleanup(() => provider.onClose());
        const seen = record(provider);
        await provider.initialize({});
        backend.refuseKey();
        backend.dropStreams();
        await until(() => seen.includes(ERROR), 'ERROR');
        expectEqual(seen, [STALE, ERROR], 'events');
      }, h.startBackend),
  },
  {
    name: 'closed, it emits nothing while the client it was given goes on; initialized again, it listens again; it never closes that client',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        const client = h.createClient(backend);
        cleanup(() => client.close());
        const changes: string[][] = [];
        client.on('change', (keys) => changes.push(keys));
        const provider = h.createProvider({ client }, { errorGracePeriod: 60_000 });
        const seen = record(provider);
        await provider.initialize({});
        await provider.onClose();
        expectEqual(client.status === 'closed', false, 'the client closed by the provider');
        backend.setFlag(checkoutFlag(2, false));
        await until(() => changes.length === 1, 'the change reaching the client');
        backend.dropStreams();
        await sleep(50);
        expectEqual(seen, [], 'events while closed');
        await provider.initialize({});
        backend.setFlag(checkoutFlag(3, true));
        await until(() => seen.length === 1, 'CONFIGURATION_CHANGED after initialize');
        expectEqual(seen, [`${CHANGED}:checkout`], 'events');
        await provider.onClose();
      }, h.startBackend),
  },
  {
    name: 'closes the client it created',
    run: (h) =>
      withBackend(async (backend) => {
        const provider = h.createProvider({ backend });
        await provider.initialize({});
        await provider.onClose();
        expectEqual(h.clientOf(provider).status, 'closed', 'client status');
      }, h.startBackend),
  },
  {
    name: 'its timers never keep the process alive (here the errorGracePeriod timer, pending while STALE)',
    run: (h) =>
      withBackend(async (backend, cleanup) => {
        await backend.goDown();
        const client = h.createClient(backend, { bootstrap: true });
        cleanup(() => client.close());
        const provider = h.createProvider({ client }, { errorGracePeriod: 60_000 });
        const seen = record(provider);
        await provider.initialize({});
        await until(() => seen.includes(STALE), 'STALE');
        // Closing the provider cancels its timer and nothing else; `onClose` clears it before
        // its first await, so both counts are taken in the same turn.
        const withTimer = h.activeTimers();
        const closing = provider.onClose();
        const withoutTimer = h.activeTimers();
        await closing;
        expectEqual(withTimer - withoutTimer, 0, 'timers the provider held that keep the process alive');
      }, h.startBackend),
  },
];
