import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, type Client } from '@openfeature/server-sdk';
import type { Flag, Snapshot } from '@switchboard/core';
import type { EventsPayload } from '@switchboard/node';
import { startProtocolServer, type ProtocolServer } from '@switchboard/node/testing';
import { SwitchboardProvider, type SwitchboardProviderOptions } from './index.js';

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

function flag(key: string, overrides: Partial<Flag> = {}): Flag {
  return {
    key,
    version: 1,
    type: 'boolean',
    enabled: true,
    variants: { on: true, off: false },
    offVariant: 'off',
    fallthrough: { variant: 'on' },
    ...overrides,
  };
}

function snapshotOf(revision: number, ...flags: Flag[]): Snapshot {
  return { schemaVersion: 1, environment: 'production', revision, flags: Object.fromEntries(flags.map((f) => [f.key, f])), segments: {} };
}

const catalogue = snapshotOf(
  1,
  flag('static'),
  flag('targeted', {
    rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } }],
    fallthrough: { variant: 'off' },
  }),
  flag('split', {
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    },
  }),
  flag('killed', { enabled: false }),
  flag('child', { prerequisites: [{ flag: 'killed', variant: 'on' }] }),
  flag('broken', { fallthrough: { variant: 'nope' } }),
  flag('launch', {
    rules: [
      { id: 'after', conditions: [{ attribute: 'signup', operator: 'after', values: ['2024-01-01T00:00:00Z'] }], serve: { variant: 'on' } },
    ],
    fallthrough: { variant: 'off' },
  }),
  {
    key: 'theme',
    version: 1,
    type: 'string',
    enabled: true,
    variants: { dark: 'dark', light: 'light' },
    offVariant: 'light',
    fallthrough: { variant: 'dark' },
  },
  {
    key: 'limit',
    version: 1,
    type: 'number',
    enabled: true,
    variants: { high: 100 },
    offVariant: 'high',
    fallthrough: { variant: 'high' },
  },
  {
    key: 'layout',
    version: 1,
    type: 'json',
    enabled: true,
    variants: { v2: { columns: 3 } },
    offVariant: 'v2',
    fallthrough: { variant: 'v2' },
  },
);

let domainCount = 0;
const servers: ProtocolServer[] = [];

afterEach(async () => {
  await OpenFeature.clearProviders();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function offlineClient(): Promise<{ client: Client; provider: SwitchboardProvider }> {
  const provider = new SwitchboardProvider({ offline: true, bootstrap: catalogue });
  const domain = `d${++domainCount}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  return { client: OpenFeature.getClient(domain), provider };
}

async function server(snapshot: Snapshot = snapshotOf(1, flag('checkout'))): Promise<ProtocolServer> {
  const s = await startProtocolServer({ snapshot });
  servers.push(s);
  return s;
}

function onlineProvider(s: ProtocolServer, options: Partial<SwitchboardProviderOptions> = {}): SwitchboardProvider {
  return new SwitchboardProvider({
    url: s.url,
    key: s.key,
    logger: silentLogger,
    backoff: { initial: 20, max: 100 },
    errorGracePeriod: 150,
    events: false,
    ...options,
  });
}

function recordEvents(client: Client): string[] {
  const seen: string[] = [];
  for (const event of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error, ProviderEvents.ConfigurationChanged]) {
    client.addHandler(event, (details) => {
      const changed = (details as { flagsChanged?: string[] } | undefined)?.flagsChanged ?? [];
      seen.push(event === ProviderEvents.ConfigurationChanged ? `${event}:${changed.join(',')}` : event);
    });
  }
  return seen;
}

async function until(check: () => boolean, ms = 3_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('resolution details through @openfeature/server-sdk', () => {
  it.each([
    ['STATIC', 'static', {}, { value: true, variant: 'on', reason: 'STATIC' }],
    [
      'DEFAULT (no rule matched)',
      'targeted',
      { targetingKey: 'u1', email: 'a@other.org' },
      { value: false, variant: 'off', reason: 'DEFAULT' },
    ],
    [
      'TARGETING_MATCH with the rule id',
      'targeted',
      { targetingKey: 'u1', email: 'a@acme.com' },
      { value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { ruleId: 'staff' } },
    ],
    ['SPLIT, bucketed by targetingKey', 'split', { targetingKey: 'user-42' }, { reason: 'SPLIT' }],
    [
      'DEFAULT for a rollout without a targeting key (off variant, never a random bucket)',
      'split',
      {},
      { value: false, variant: 'off', reason: 'DEFAULT' },
    ],
    ['DISABLED (kill switch)', 'killed', { targetingKey: 'u1' }, { value: false, variant: 'off', reason: 'DISABLED' }],
    [
      'PREREQUISITE_FAILED (custom reason)',
      'child',
      { targetingKey: 'u1' },
      { value: false, variant: 'off', reason: 'PREREQUISITE_FAILED' },
    ],
    [
      'TARGETING_MATCH on a Date context value',
      'launch',
      { targetingKey: 'u1', signup: new Date('2025-05-01T00:00:00Z') },
      { value: true, reason: 'TARGETING_MATCH' },
    ],
  ])('%s', async (_name, key, context, expected) => {
    const { client } = await offlineClient();
    const details = await client.getBooleanDetails(key, true, context);
    expect(details).toMatchObject({ flagKey: key, ...expected });
    expect(details.errorCode).toBeUndefined();
  });

  it('agrees with the SDK on SPLIT variants for many users', async () => {
    const { client, provider } = await offlineClient();
    for (let i = 0; i < 200; i++) {
      const details = await client.getBooleanDetails('split', false, { targetingKey: `user-${i}` });
      expect(details.variant).toBe(provider.client.variant('split', `user-${i}`).variant);
    }
  });

  it('resolves string, number and object flags', async () => {
    const { client } = await offlineClient();
    expect(await client.getStringDetails('theme', 'x')).toMatchObject({ value: 'dark', variant: 'dark', reason: 'STATIC' });
    expect(await client.getNumberValue('limit', 1)).toBe(100);
    expect(await client.getObjectValue('layout', {})).toEqual({ columns: 3 });
  });

  it.each([
    ['FLAG_NOT_FOUND', (c: Client) => c.getBooleanDetails('missing', true), true, ErrorCode.FLAG_NOT_FOUND],
    ['TYPE_MISMATCH', (c: Client) => c.getStringDetails('static', 'fallback'), 'fallback', ErrorCode.TYPE_MISMATCH],
    ['PARSE_ERROR', (c: Client) => c.getBooleanDetails('broken', true), true, ErrorCode.PARSE_ERROR],
    ['TYPE_MISMATCH for a number default on a json flag', (c: Client) => c.getNumberDetails('layout', 5), 5, ErrorCode.TYPE_MISMATCH],
  ])('%s: the default, reason ERROR and the code', async (_name, call, value, code) => {
    const { client } = await offlineClient();
    const details = await call(client);
    expect(details).toMatchObject({ value, reason: 'ERROR', errorCode: code });
    expect(details.errorMessage).toMatch(/flag/);
  });

  it('GENERAL: a context that throws inside evaluation returns the default, never an exception', async () => {
    const { client, provider } = await offlineClient();
    // An attribute whose elements can't be read: evaluation catches it.
    const unreadable = new Proxy(['x@acme.com'], {
      get() {
        throw new Error('hostile array');
      },
    });
    const details = await client.getBooleanDetails('targeted', false, { targetingKey: 'u1', email: unreadable as never });
    expect(details).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.GENERAL });
    // A context that throws while the provider reads it.
    const hostile = {
      get email(): string {
        throw new Error('hostile getter');
      },
    };
    expect(provider.resolve('static', false, hostile as never)).toMatchObject({
      value: false,
      reason: 'ERROR',
      errorCode: ErrorCode.GENERAL,
    });
  });

  it('an invalid Date in the context makes its condition false, not an error', async () => {
    const { client } = await offlineClient();
    expect(await client.getBooleanDetails('launch', true, { targetingKey: 'u1', signup: new Date(NaN) })).toMatchObject({
      value: false,
      reason: 'DEFAULT',
    });
  });

  it('PROVIDER_NOT_READY: before any snapshot, after a failed initialize', async () => {
    const s = await server();
    s.silent = true;
    const provider = onlineProvider(s, { initTimeout: 100 });
    const domain = `d${++domainCount}`;
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toMatchObject({ code: 'TIMEOUT' });
    const client = OpenFeature.getClient(domain);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('checkout', true)).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: ErrorCode.PROVIDER_NOT_READY,
    });
  });

  it('FLAG_NOT_FOUND (not PROVIDER_NOT_READY) from an offline provider without a bootstrap', async () => {
    const provider = new SwitchboardProvider({ offline: true });
    const domain = `d${++domainCount}`;
    await OpenFeature.setProviderAndWait(domain, provider);
    expect(await OpenFeature.getClient(domain).getBooleanDetails('any', true)).toMatchObject({
      value: true,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
  });
});

describe('provider events', () => {
  it('READY on initialize, CONFIGURATION_CHANGED with the changed keys', async () => {
    const s = await server();
    const provider = onlineProvider(s);
    const domain = `d${++domainCount}`;
    const client = OpenFeature.getClient(domain);
    const seen = recordEvents(client);
    await OpenFeature.setProviderAndWait(domain, provider);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(seen).toEqual([ProviderEvents.Ready]);
    s.setFlag(flag('checkout', { enabled: false }));
    await until(() => seen.length === 2);
    expect(seen[1]).toBe(`${ProviderEvents.ConfigurationChanged}:checkout`);
    expect(await client.getBooleanDetails('checkout', true)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(client.providerStatus).toBe(ProviderStatus.READY);
  });

  it('STALE when the server goes, ERROR after the grace period, READY when it is back', async () => {
    const s = await server();
    const provider = onlineProvider(s);
    const domain = `d${++domainCount}`;
    const client = OpenFeature.getClient(domain);
    const seen = recordEvents(client);
    await OpenFeature.setProviderAndWait(domain, provider);
    await s.kill();
    await until(() => seen.includes(ProviderEvents.Stale), 3_000, 'STALE');
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    // Still serving the last known snapshot.
    expect(await client.getBooleanValue('checkout', false)).toBe(true);
    await until(() => seen.includes(ProviderEvents.Error), 3_000, 'ERROR');
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('checkout', false)).toMatchObject({ value: true, reason: 'STATIC' });
    s.snapshot = snapshotOf(2, flag('checkout', { version: 2, enabled: false }));
    await s.restart();
    await until(() => client.providerStatus === ProviderStatus.READY, 3_000, 'READY again');
    await until(() => seen.length === 5, 3_000, 'CONFIGURATION_CHANGED');
    expect(seen).toEqual([
      ProviderEvents.Ready,
      ProviderEvents.Stale,
      ProviderEvents.Error,
      ProviderEvents.Ready,
      `${ProviderEvents.ConfigurationChanged}:checkout`,
    ]);
    expect(await client.getBooleanValue('checkout', true)).toBe(false);
  });

  it('a quick reconnect is STALE then READY, with no ERROR', async () => {
    const s = await server();
    const provider = onlineProvider(s, { errorGracePeriod: 5_000 });
    const domain = `d${++domainCount}`;
    const client = OpenFeature.getClient(domain);
    const seen = recordEvents(client);
    await OpenFeature.setProviderAndWait(domain, provider);
    s.endStreams();
    await until(() => seen.length === 3, 3_000, 'STALE then READY');
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Ready]);
  });

  it('ERROR from a failed initialize, then READY once the server answers', async () => {
    const s = await server();
    await s.kill();
    const provider = onlineProvider(s, { initTimeout: 150 });
    const domain = `d${++domainCount}`;
    const client = OpenFeature.getClient(domain);
    const seen = recordEvents(client);
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toBeDefined();
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    await s.restart();
    await until(() => client.providerStatus === ProviderStatus.READY, 3_000, 'READY');
    expect(seen).toEqual([ProviderEvents.Error, ProviderEvents.Ready]);
    expect(await client.getBooleanValue('checkout', false)).toBe(true);
  });

  it('a refused key fails initialize at once with UNAUTHORIZED', async () => {
    const s = await server();
    const provider = onlineProvider(s, { key: 'wrong', initTimeout: 5_000 });
    const t0 = Date.now();
    await expect(OpenFeature.setProviderAndWait(`d${++domainCount}`, provider)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Well before initTimeout (5 s): the refusal, not the timeout, ended it.
    expect(Date.now() - t0).toBeLessThan(4_500);
  });

  it('a refused key on a running provider emits ERROR', async () => {
    const s = await server();
    const provider = onlineProvider(s, { errorGracePeriod: 60_000 });
    const domain = `d${++domainCount}`;
    const client = OpenFeature.getClient(domain);
    const seen = recordEvents(client);
    await OpenFeature.setProviderAndWait(domain, provider);
    s.overrides.stream = { status: 401 };
    s.endStreams();
    await until(() => seen.includes(ProviderEvents.Error), 3_000, 'ERROR');
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error]);
  });

  it('READY then STALE when starting from a bootstrap with the server unreachable', async () => {
    const s = await server();
    await s.kill();
    const provider = onlineProvider(s, { bootstrap: snapshotOf(1, flag('checkout')) });
    const domain = `d${++domainCount}`;
    const client = OpenFeature.getClient(domain);
    const seen = recordEvents(client);
    await OpenFeature.setProviderAndWait(domain, provider);
    await until(() => seen.length === 2);
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale]);
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getBooleanValue('checkout', false)).toBe(true);
  });
});

describe('tracking and lifecycle', () => {
  it('maps track() to the SDK: targetingKey → userId, details.value → value', async () => {
    const s = await server();
    const provider = onlineProvider(s, { events: { flushInterval: 60_000 } });
    const domain = `d${++domainCount}`;
    await OpenFeature.setProviderAndWait(domain, provider);
    const client = OpenFeature.getClient(domain);
    await client.getBooleanValue('checkout', false, { targetingKey: 'u1' });
    client.track('purchase', { targetingKey: 'u1', plan: 'pro' }, { value: 9.99 });
    await provider.client.flush();
    const body = s.eventBodies[0] as EventsPayload;
    expect(body.events).toEqual([expect.objectContaining({ name: 'purchase', userId: 'u1', context: { plan: 'pro' }, value: 9.99 })]);
    expect(body.evaluations).toEqual([expect.objectContaining({ flag: 'checkout', variant: 'on', count: 1 })]);
  });

  it('closes the client it created when OpenFeature shuts the provider down', async () => {
    const s = await server();
    const provider = onlineProvider(s);
    await OpenFeature.setProviderAndWait(`d${++domainCount}`, provider);
    expect(s.openStreams).toBe(1);
    await OpenFeature.clearProviders();
    expect(provider.client.status).toBe('closed');
    await until(() => s.openStreams === 0, 2_000, 'stream closed');
  });

  it('once closed, stays closed while the client it wraps goes on: no events, no revival', async () => {
    const s = await server();
    const inner = onlineProvider(s).client;
    try {
      const provider = new SwitchboardProvider({ client: inner, errorGracePeriod: 60_000 });
      await OpenFeature.setProviderAndWait(`d${++domainCount}`, provider);
      await OpenFeature.clearProviders();
      const emitted: string[] = [];
      for (const event of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error, ProviderEvents.ConfigurationChanged]) {
        provider.events.addHandler(event, () => emitted.push(event));
      }
      const seen: string[] = [];
      inner.on('recovered', () => seen.push('recovered'));
      inner.on('change', () => seen.push('change'));
      s.endStreams();
      await until(() => seen.includes('recovered'), 3_000, 'the client reconnecting');
      s.setFlag(flag('checkout', { enabled: false }));
      await until(() => seen.includes('change'), 3_000, 'the change reaching the client');
      expect(emitted).toEqual([]);
    } finally {
      await inner.close();
    }
  });

  it("registered again after OpenFeature closed it, a provider over a caller's client listens again", async () => {
    const s = await server();
    const inner = onlineProvider(s).client;
    try {
      const provider = new SwitchboardProvider({ client: inner });
      await OpenFeature.setProviderAndWait(`d${++domainCount}`, provider);
      await OpenFeature.clearProviders();
      const domain = `d${++domainCount}`;
      const client = OpenFeature.getClient(domain);
      const seen = recordEvents(client);
      await OpenFeature.setProviderAndWait(domain, provider);
      s.setFlag(flag('checkout', { enabled: false }));
      await until(() => seen.length === 2, 3_000, 'CONFIGURATION_CHANGED');
      expect(seen).toEqual([ProviderEvents.Ready, `${ProviderEvents.ConfigurationChanged}:checkout`]);
      expect(await client.getBooleanDetails('checkout', true)).toMatchObject({ value: false, reason: 'DISABLED' });
    } finally {
      await inner.close();
    }
  });

  it('wraps an existing client without closing it', async () => {
    const s = await server();
    const inner = onlineProvider(s).client;
    const provider = new SwitchboardProvider({ client: inner });
    await OpenFeature.setProviderAndWait(`d${++domainCount}`, provider);
    await OpenFeature.clearProviders();
    expect(inner.status).toBe('ready');
    await inner.close();
  });
});
