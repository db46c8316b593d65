import { describe, expect, it } from 'vitest';
import {
  createProviderLifecycle,
  fromOpenFeatureContext,
  toResolutionDetails,
  type ProviderClient,
  type ProviderClientEvents,
  type ProviderEventDetails,
  type ProviderTimers,
} from './openfeature.js';

describe('OpenFeature mapping shared by the providers', () => {
  it('maps targetingKey to userId unless userId is set, and valid Dates to ISO strings', () => {
    expect(fromOpenFeatureContext({ targetingKey: 't', plan: 'pro', at: new Date(0) })).toEqual({
      userId: 't',
      plan: 'pro',
      at: '1970-01-01T00:00:00.000Z',
    });
    expect(fromOpenFeatureContext({ targetingKey: 't', userId: 'u' })).toEqual({ userId: 'u' });
    expect(fromOpenFeatureContext({ targetingKey: 42 })).toEqual({});
    const invalid = new Date(Number.NaN);
    expect(fromOpenFeatureContext({ at: invalid }).at).toBe(invalid);
  });

  it('turns results into resolution details: variant, rule id as metadata, error code and message', () => {
    expect(toResolutionDetails('f', { value: true, variant: 'on', reason: 'STATIC' })).toEqual({
      value: true,
      variant: 'on',
      reason: 'STATIC',
    });
    expect(toResolutionDetails('f', { value: 'b', variant: 'b', reason: 'TARGETING_MATCH', ruleId: 'r1' })).toEqual({
      value: 'b',
      variant: 'b',
      reason: 'TARGETING_MATCH',
      flagMetadata: { ruleId: 'r1' },
    });
    for (const [code, message] of [
      ['FLAG_NOT_FOUND', 'flag "f" not found'],
      ['TYPE_MISMATCH', 'flag "f" has a different type from the default value'],
      ['PARSE_ERROR', 'flag "f" is malformed'],
      ['GENERAL', 'flag "f" could not be evaluated'],
      ['PROVIDER_NOT_READY', 'flag "f" not evaluated: no flag snapshot has been received yet'],
    ] as const) {
      expect(toResolutionDetails('f', { value: 0, reason: 'ERROR', errorCode: code })).toEqual({
        value: 0,
        reason: 'ERROR',
        errorCode: code,
        errorMessage: message,
      });
    }
  });

  it('passes an SDK-reported PROVIDER_NOT_READY through, and turns a code OpenFeature lacks into GENERAL', () => {
    expect(toResolutionDetails('f', { value: 1, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' }).errorCode).toBe('PROVIDER_NOT_READY');
    expect(toResolutionDetails('f', { value: 1, reason: 'ERROR', errorCode: 'SOMETHING_NEW' })).toMatchObject({
      errorCode: 'GENERAL',
      errorMessage: 'flag "f" could not be evaluated',
    });
    expect(toResolutionDetails('f', { value: 1, reason: 'ERROR', errorCode: 'toString' }).errorCode).toBe('GENERAL');
  });
});

/** A client the test drives by hand: its status, source and events are whatever the test says. */
class ScriptedClient implements ProviderClient {
  status = 'initializing';
  source = 'none';
  closed = 0;
  readonly listeners = new Map<string, Set<(...args: never[]) => void>>();
  // `recovered` is no part of `ProviderClientEvents`; the lifecycle listens to it when an SDK emits it.
  private settle: { resolve(): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;

  on<K extends keyof ProviderClientEvents>(event: K, listener: (...args: ProviderClientEvents[K]) => void): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener as (...args: never[]) => void);
  }
  off<K extends keyof ProviderClientEvents>(event: K, listener: (...args: ProviderClientEvents[K]) => void): void {
    this.listeners.get(event)?.delete(listener as (...args: never[]) => void);
  }
  emit<K extends keyof ProviderClientEvents>(event: K | 'recovered', ...args: K extends 'recovered' ? [] : ProviderClientEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }
  attached(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.status !== 'initializing') return Promise.resolve();
    return new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }
  serve(status: 'ready' | 'stale' = 'ready'): void {
    this.status = status;
    this.source = 'server';
    this.failure = undefined;
    this.settle?.resolve();
    this.emit('ready');
  }
  fail(): void {
    this.failure = Object.assign(new Error('timed out'), { code: 'TIMEOUT' });
    this.settle?.reject(this.failure);
  }
  async close(): Promise<void> {
    this.closed++;
    this.status = 'closed';
  }
}

/** Timers the test fires by hand; handles have `unref`, like Node's. */
class ManualTimers implements ProviderTimers {
  readonly pending = new Map<number, { callback: () => void; ms: number; unrefed: boolean }>();
  private next = 0;
  set(callback: () => void, ms: number): { id: number; unref(): void } {
    const id = ++this.next;
    const entry = { callback, ms, unrefed: false };
    this.pending.set(id, entry);
    return { id, unref: () => (entry.unrefed = true) };
  }
  clear(handle: unknown): void {
    this.pending.delete((handle as { id: number }).id);
  }
  fire(ms: number): void {
    for (const [id, entry] of [...this.pending]) {
      if (entry.ms !== ms) continue;
      this.pending.delete(id);
      entry.callback();
    }
  }
}

const names = { Ready: 'READY', Stale: 'STALE', Error: 'ERROR', ConfigurationChanged: 'CHANGED' } as const;

function setup(ownsClient = true): {
  client: ScriptedClient;
  timers: ManualTimers;
  seen: string[];
  lifecycle: ReturnType<typeof createProviderLifecycle>;
} {
  const client = new ScriptedClient();
  const timers = new ManualTimers();
  const seen: string[] = [];
  const events = {
    emit(event: string, details?: ProviderEventDetails) {
      seen.push(details?.flagsChanged ? `${event}:${details.flagsChanged.join(',')}` : event);
    },
  };
  const lifecycle = createProviderLifecycle({ client, ownsClient, events, eventNames: names, errorGracePeriod: 1_000, timers });
  return { client, timers, seen, lifecycle };
}

async function started(ownsClient = true): Promise<ReturnType<typeof setup>> {
  const s = setup(ownsClient);
  const init = s.lifecycle.initialize();
  s.client.serve();
  await init;
  return s;
}

describe('the provider lifecycle both providers share', () => {
  it('attaches no listener before initialize', () => {
    expect(setup().client.attached()).toBe(0);
  });

  it('STALE, then ERROR once the grace period passes, then READY on recovery; the timer is unref-ed', async () => {
    const { client, timers, seen } = await started();
    client.emit('stale', { message: 'connection lost' });
    expect(seen).toEqual(['STALE']);
    expect([...timers.pending.values()]).toEqual([expect.objectContaining({ ms: 1_000, unrefed: true })]);
    timers.fire(1_000);
    expect(seen).toEqual(['STALE', 'ERROR']);
    client.emit('recovered');
    expect(seen).toEqual(['STALE', 'ERROR', 'READY']);
  });

  it('a recovery within the grace period cancels ERROR, whether the SDK says `recovered` or `ready`', async () => {
    for (const event of ['recovered', 'ready'] as const) {
      const { client, timers, seen } = await started();
      client.emit('stale', { message: 'connection lost' });
      client.emit(event);
      expect(timers.pending.size).toBe(0);
      expect(seen).toEqual(['STALE', 'READY']);
    }
  });

  it('READY when the first snapshot arrives after a failed initialize', async () => {
    const { client, seen, lifecycle } = setup();
    const init = lifecycle.initialize();
    client.fail();
    await expect(init).rejects.toMatchObject({ code: 'TIMEOUT' });
    client.serve();
    expect(seen).toEqual(['READY']);
  });

  it('STALE right after initialize when the client starts from a fallback snapshot', async () => {
    const { client, timers, seen, lifecycle } = setup();
    const init = lifecycle.initialize();
    client.serve('stale');
    await init;
    expect(seen).toEqual([]);
    timers.fire(0);
    expect(seen).toEqual(['STALE']);
  });

  it('a refused key is ERROR at once; other errors are left to the stale timer', async () => {
    const { client, seen } = await started();
    client.emit('error', { code: 'NETWORK', message: 'reset' });
    expect(seen).toEqual([]);
    client.emit('error', { code: 'UNAUTHORIZED', message: 'HTTP 401' });
    expect(seen).toEqual(['ERROR']);
  });

  it('announces no change before initialize resolves: the first snapshot is not a change', async () => {
    const { client, seen, lifecycle } = setup();
    const init = lifecycle.initialize();
    client.serve();
    client.emit('change', ['a']);
    await init;
    expect(seen).toEqual([]);
  });

  it('CONFIGURATION_CHANGED with the keys, except while the context changes', async () => {
    const { client, seen, lifecycle } = await started();
    client.emit('change', ['a', 'b']);
    await lifecycle.changingContext(async () => client.emit('change', ['c']));
    expect(seen).toEqual(['CHANGED:a,b']);
  });

  it('close takes every listener off and cancels the timer; initialize puts them back', async () => {
    const { client, timers, seen, lifecycle } = await started(false);
    client.emit('stale', { message: 'connection lost' });
    await lifecycle.close();
    expect(client.attached()).toBe(0);
    expect(timers.pending.size).toBe(0);
    expect(client.closed).toBe(0);
    const init = lifecycle.initialize();
    client.serve();
    await init;
    client.emit('change', ['a']);
    expect(seen).toEqual(['STALE', 'CHANGED:a']);
    await lifecycle.close();
    expect(client.attached()).toBe(0);
  });

  it('closes the client only when it owns it', async () => {
    const owned = await started(true);
    await owned.lifecycle.close();
    expect(owned.client.closed).toBe(1);
  });

  it('resolve: PROVIDER_NOT_READY before any snapshot, GENERAL when evaluation throws, never an exception', async () => {
    const { client, lifecycle } = setup();
    expect(lifecycle.resolve('f', true, () => ({ value: false, reason: 'STATIC' }))).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'PROVIDER_NOT_READY',
    });
    client.serve();
    expect(lifecycle.resolve('f', true, () => ({ value: false, variant: 'off', reason: 'STATIC' }))).toEqual({
      value: false,
      variant: 'off',
      reason: 'STATIC',
    });
    const thrown = lifecycle.resolve('f', true, () => {
      throw new Error('hostile context');
    });
    expect(thrown).toEqual({ value: true, reason: 'ERROR', errorCode: 'GENERAL', errorMessage: 'hostile context' });
  });
});
