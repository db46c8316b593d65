/// <reference types="node" />
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENT_LIMITS, unitId, type Flag, type Snapshot } from '@switchboard/core';
import { createClient, type ClientOptions, type SwitchboardClient, type SwitchboardError } from './index.js';
import type { ClientSnapshot } from './snapshot.js';
import { createFakeServer, memoryStorage, sse, until, type FakeServer } from './test-support/fake-server.js';

const flag = (key: string, overrides: Partial<Flag> = {}): Flag => ({
  key,
  version: 1,
  type: 'boolean',
  enabled: true,
  variants: { on: true, off: false },
  offVariant: 'off',
  fallthrough: { variant: 'on' },
  ...overrides,
});

const snapshotOf = (revision: number, ...flags: Flag[]): Snapshot => ({
  schemaVersion: 1,
  environment: 'production',
  revision,
  flags: Object.fromEntries(flags.map((f) => [f.key, f])),
  segments: {},
});

const clients: SwitchboardClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  delete (globalThis as { document?: unknown }).document;
});

function online(
  server: FakeServer,
  options: Partial<ClientOptions> = {},
): { client: SwitchboardClient; errors: SwitchboardError[]; changes: string[][] } {
  const client = createClient({
    url: 'http://flags.test/',
    key: 'good-key',
    fetch: server.fetch,
    storage: false,
    events: false,
    backoff: { initial: 20, max: 100 },
    ...options,
  });
  const errors: SwitchboardError[] = [];
  const changes: string[][] = [];
  client.on('error', (e) => errors.push(e));
  client.on('change', (keys) => changes.push(keys));
  clients.push(client);
  return { client, errors, changes };
}

describe('browser client, streaming', () => {
  it('becomes ready from the stream, applies patches in order and reports the changed flags', async () => {
    const server = createFakeServer(snapshotOf(5, flag('a'), flag('b', { enabled: false })));
    const { client, changes, errors } = online(server, { context: { userId: 'u1' } });
    expect(client.status).toBe('initializing');
    await client.ready();
    expect([client.status, client.source, client.revision]).toEqual(['ready', 'server', 5]);
    expect(client.isEnabled('a')).toBe(true);
    expect(client.variant('b')).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });

    server.setFlag(flag('a', { version: 2, enabled: false }));
    await until(() => !client.isEnabled('a'), 2_000, 'kill switch');
    expect(client.revision).toBe(6);
    // An older version of a flag never replaces a newer one.
    server.streams[0]!.write(sse('patch', { revision: 6, key: 'a', flag: flag('a', { version: 1 }) }));
    server.setFlag(flag('c'));
    await until(() => client.isEnabled('c'), 2_000, 'new flag');
    expect(client.isEnabled('a')).toBe(false);
    expect(changes).toEqual([['a', 'b'], ['a'], ['c']]);
    expect(errors).toEqual([]);
    // The key travels in a header, never in a URL.
    expect(server.requests.every((r) => !r.url.includes('good-key') && r.headers.authorization === 'Bearer good-key')).toBe(true);
    expect(server.requests[0]!.url).toBe('http://flags.test/api/sdk/stream');
  });

  it('reconnects with backoff after the stream ends or sends garbage, keeping the last good snapshot', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client, errors } = online(server);
    const stale: SwitchboardError[] = [];
    let recovered = 0;
    client.on('stale', (e) => stale.push(e));
    client.on('recovered', () => recovered++);
    await client.ready();
    server.streams[0]!.write('event: put\ndata: {not json\n\n');
    await until(() => server.streams.length === 2, 2_000, 'reconnect after malformed data');
    expect(client.isEnabled('a')).toBe(true);
    await until(() => recovered === 1);
    server.streams[1]!.end();
    await until(() => server.streams.length === 3, 2_000, 'reconnect after the stream ended');
    await until(() => recovered === 2);
    expect(errors.map((e) => e.code)).toEqual(['MALFORMED', 'NETWORK']);
    expect(stale.map((e) => e.code)).toEqual(['MALFORMED', 'NETWORK']);
    expect(client.status).toBe('ready');
  });

  it('ignores unknown events and comments, and a put that is not newer only confirms the connection', async () => {
    const server = createFakeServer(snapshotOf(3, flag('a')));
    const { client, changes, errors } = online(server);
    await client.ready();
    server.streams[0]!.write(': ping\n\nevent: future\ndata: whatever\n\n');
    server.streams[0]!.write(sse('put', snapshotOf(2, flag('a', { version: 9, enabled: false }))));
    server.setFlag(flag('z'));
    await until(() => client.isEnabled('z'));
    expect(client.isEnabled('a')).toBe(true);
    expect(changes).toEqual([['a'], ['z']]);
    expect(errors).toEqual([]);
  });

  it('polls with ETags when the server has no stream', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    server.streamStatus = 404;
    const { client, errors } = online(server, { pollInterval: 30 });
    await client.ready();
    expect(client.isEnabled('a')).toBe(true);
    await until(() => server.requests.filter((r) => r.headers['if-none-match'] === '"1"').length >= 2, 2_000, 'conditional polls');
    server.snapshot = snapshotOf(2, flag('a', { version: 2, enabled: false }));
    await until(() => !client.isEnabled('a'), 2_000, 'polled change');
    expect(errors).toEqual([]);
    expect(server.requests.filter((r) => r.url.endsWith('/api/sdk/stream'))).toHaveLength(1);
  });

  it('polls where the browser cannot decode a fetch stream (no TextDecoderStream)', async () => {
    const decoder = globalThis.TextDecoderStream;
    delete (globalThis as { TextDecoderStream?: unknown }).TextDecoderStream;
    try {
      const server = createFakeServer(snapshotOf(1, flag('a')));
      const { client, errors } = online(server, { pollInterval: 30 });
      await client.ready();
      expect([client.source, client.isEnabled('a'), errors]).toEqual(['server', true, []]);
      expect(server.requests.map((r) => new URL(r.url).pathname)).toEqual(['/api/sdk/flags']);
    } finally {
      globalThis.TextDecoderStream = decoder;
    }
  });

  it('rejects ready() at once for a refused key with nothing to serve, and keeps retrying minutes apart', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const client = createClient({ url: 'http://flags.test', key: 'bad-key', fetch: server.fetch, storage: false, events: false });
    clients.push(client);
    client.on('error', () => {});
    await expect(client.ready()).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests).toHaveLength(1);
    expect(client.isEnabled('a')).toBe(false);
  });

  it('rejects ready() at once when called after the key was refused, not on timeout', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const client = createClient({ url: 'http://flags.test', key: 'bad-key', fetch: server.fetch, storage: false, events: false });
    clients.push(client);
    const errors: SwitchboardError[] = [];
    client.on('error', (e) => errors.push(e));
    await until(() => errors.length > 0, 2_000, 'refusal');
    // Waiting out the timeout would reject with TIMEOUT (and outlast the test).
    await expect(client.ready(60_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('goes on reconnecting when the stream fails with no reason (a custom fetch, a stream errored with nothing)', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    let calls = 0;
    const reasonless: typeof fetch = async (input, init) => {
      if (calls++ > 0) return server.fetch(input, init);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(sse('put', server.snapshot)));
          setTimeout(() => controller.error(), 10);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const { client, errors } = online(server, { fetch: reasonless });
    await client.ready();
    await until(() => server.streams.length === 1 && client.status === 'ready', 2_000, 'reconnect after a reasonless failure');
    expect(errors.map((e) => e.code)).toEqual(['NETWORK']);
  });

  it('rejects ready() on timeout with nothing to serve, and turns ready when the server answers', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    server.streamStatus = 503;
    const { client } = online(server);
    await expect(client.ready(80)).rejects.toMatchObject({ code: 'TIMEOUT' });
    server.streamStatus = 200;
    await client.ready(2_000);
    expect(client.isEnabled('a')).toBe(true);
  });

  it('reports a request that gets no answer within the timeout as TIMEOUT', async () => {
    // A server that never answers: the request only ends when the client aborts it.
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const client = createClient({
      url: 'http://flags.test',
      key: 'good-key',
      fetch: hanging,
      storage: false,
      events: false,
      timeout: 30,
      backoff: { initial: 1_000 },
    });
    clients.push(client);
    const errors: SwitchboardError[] = [];
    client.on('error', (e) => errors.push(e));
    await until(() => errors.length > 0, 2_000, 'timeout reported');
    expect(errors[0]).toMatchObject({ code: 'TIMEOUT' });
  });

  it('closes the stream while the page is hidden and resyncs when it is visible again', async () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    (globalThis as { document?: unknown }).document = doc;
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client, errors } = online(server, { pauseWhenHidden: 30 });
    await client.ready();
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    await until(() => server.streams[0]!.closed, 2_000, 'stream closed while hidden');
    // A change while hidden arrives with the put of the new connection.
    server.setFlag(flag('a', { version: 2, enabled: false }));
    await new Promise((r) => setTimeout(r, 100));
    expect(server.streams).toHaveLength(1);
    expect(client.isEnabled('a')).toBe(true);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await until(() => !client.isEnabled('a'), 2_000, 'resync on visible');
    expect(server.streams).toHaveLength(2);
    expect(errors).toEqual([]);
  });
});

describe('browser client, close', () => {
  it('stays closed when a listener closes it while the first snapshot is applied', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client } = online(server);
    const seen: string[] = [];
    client
      .on('ready', () => seen.push('ready'))
      .on('change', () => {
        seen.push('change');
        void client.close();
      });
    await until(() => seen.length > 0, 2_000, 'first snapshot');
    await new Promise((r) => setTimeout(r, 20));
    expect([client.status, seen]).toEqual(['closed', ['change']]);
    await expect(client.ready()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('leaves no timer running once ready() has settled and the client is closed', async () => {
    vi.useFakeTimers();
    try {
      const client = createClient({ offline: true, bootstrap: snapshotOf(1, flag('a')) });
      await client.ready();
      await client.close();
      // A pending ready() timeout keeps a Node process (a test run, a server render) alive.
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('leaves no timer running when a listener closes it while a stream chunk is read', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const { client } = online(createFakeServer(snapshotOf(1, flag('a'))));
      client.on('change', () => void client.close());
      for (let i = 0; i < 100 && client.status !== 'closed'; i++) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      expect([client.status, vi.getTimerCount()]).toEqual(['closed', 0]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('applies a context set while, or after, closing: evaluation keeps answering', async () => {
    const beta = flag('beta', {
      rules: [{ id: 'de', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve: { variant: 'on' } }],
      fallthrough: { variant: 'off' },
    });
    // A snapshot using an extended operator makes every update wait a tick: close() comes while it does.
    const versioned = flag('versioned', {
      rules: [{ id: 'v', conditions: [{ attribute: 'appVersion', operator: 'semverGt', values: ['2.0.0'] }], serve: { variant: 'on' } }],
    });
    const client = createClient({ offline: true, bootstrap: snapshotOf(1, beta, versioned), context: { userId: 'u0' } });
    await client.ready();
    const pending = client.setContext({ userId: 'u1', country: 'DE', email: 'ann@acme.com' });
    await client.close();
    await pending;
    expect([client.context, client.isEnabled('beta')]).toEqual([{ userId: 'u1', country: 'DE', email: 'ann@acme.com' }, true]);
    await client.setContext({ userId: 'u2', country: 'FR' });
    expect([client.context, client.isEnabled('beta')]).toEqual([{ userId: 'u2', country: 'FR' }, false]);
    expect(client.status).toBe('closed');
  });
});

describe('browser client, hidden pages', () => {
  it('closes the stream of a page that starts hidden (a background tab) once pauseWhenHidden has passed', async () => {
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    (globalThis as { document?: unknown }).document = doc;
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client, errors } = online(server, { pauseWhenHidden: 30 });
    await client.ready();
    await until(() => server.streams[0]!.closed, 2_000, 'stream closed while hidden');
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    await until(() => server.streams.length === 2, 2_000, 'reconnect when visible');
    expect(errors).toEqual([]);
  });
});

describe('browser client, instant start', () => {
  it('serves the stored snapshot synchronously, then the server one, and stores that', async () => {
    const storage = memoryStorage();
    const server = createFakeServer(snapshotOf(2, flag('a', { version: 2, enabled: false })));
    const first = online(server, { storage });
    await first.client.ready();
    expect(storage.data.size).toBe(1);
    const [storedKey, storedValue] = [...storage.data][0]!;
    expect(storedKey).toMatch(/^switchboard:http:\/\/flags\.test:/);
    expect(storedKey).not.toContain('good-key');
    expect(JSON.parse(storedValue).revision).toBe(2);

    server.snapshot = snapshotOf(3, flag('a', { version: 3 }));
    const second = online(server, { storage });
    expect([second.client.source, second.client.isEnabled('a')]).toEqual(['persisted', false]);
    await second.client.ready();
    expect([second.client.source, second.client.isEnabled('a')]).toEqual(['server', true]);
    // (The stored snapshot's own change event fired inside createClient, before any listener.)
    expect(second.changes).toEqual([['a']]);
    expect(JSON.parse([...storage.data.values()][0]!).revision).toBe(3);
  });

  it('serves the stored snapshot (status stale) when the server is unreachable, and recovers', async () => {
    const storage = memoryStorage();
    const server = createFakeServer(snapshotOf(4, flag('a')));
    await online(server, { storage }).client.ready();
    server.streamStatus = 503;
    const { client } = online(server, { storage });
    const events: string[] = [];
    client
      .on('ready', () => events.push('ready'))
      .on('stale', () => events.push('stale'))
      .on('recovered', () => events.push('recovered'));
    await client.ready();
    expect([client.status, client.source, client.isEnabled('a')]).toEqual(['stale', 'persisted', true]);
    server.streamStatus = 200;
    await until(() => client.status === 'ready', 2_000, 'recovery');
    expect(events).toEqual(['ready', 'stale', 'recovered']);
  });

  it('starts without storage where reading localStorage throws (a sandboxed frame, cookies blocked)', async () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new Error('SecurityError: access is denied for this document');
      },
    });
    try {
      const { client, errors } = online(createFakeServer(snapshotOf(3, flag('a'))), { storage: undefined });
      await client.ready();
      expect([client.source, client.isEnabled('a'), errors]).toEqual(['server', true, []]);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });

  it('reports a bootstrap it cannot use as MALFORMED and goes on to the server', async () => {
    const bootstrap = snapshotOf(1, flag('a')) as ClientSnapshot & { self?: unknown };
    bootstrap.self = bootstrap;
    // Reported inside createClient, before any listener: with none, the client warns.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { client, errors } = online(createFakeServer(snapshotOf(2, flag('a', { enabled: false }))), { bootstrap });
      expect(warn.mock.calls.map(([e]) => (e as SwitchboardError).code)).toEqual(['MALFORMED']);
      await client.ready();
      expect([client.source, client.isEnabled('a'), errors]).toEqual(['server', false, []]);
    } finally {
      warn.mockRestore();
    }
  });

  it('calls each listener once per event, even one that takes itself off and back on', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client } = online(server);
    await client.ready();
    let calls = 0;
    const again = (): void => {
      if (++calls > 100) return; // (a guard, so a regression fails rather than hangs)
      client.off('change', again).on('change', again);
    };
    client.on('change', again);
    await client.setContext({ userId: 'other' }); // no flag changes: no event
    server.setFlag(flag('a', { version: 2, enabled: false }));
    await until(() => !client.isEnabled('a'), 2_000, 'patch');
    expect(calls).toBe(1);
  });

  it('prefers the newer of bootstrap and stored snapshot', () => {
    const storage = memoryStorage();
    const server = createFakeServer(snapshotOf(1));
    server.streamStatus = 503;
    const key = 'switchboard:http://flags.test:';
    const bootstrap = snapshotOf(5, flag('a', { enabled: false }));
    const c1 = online(server, { bootstrap }).client;
    expect([c1.source, c1.isEnabled('a')]).toEqual(['bootstrap', false]);
    // Revision 7 stored by a first client.
    const probe = online(createFakeServer(snapshotOf(7, flag('a'))), { storage });
    return probe.client.ready().then(() => {
      const storedKey = [...storage.data.keys()].find((k) => k.startsWith(key))!;
      expect(storedKey).toBeDefined();
      const c2 = online(server, { storage, bootstrap }).client;
      expect([c2.source, c2.revision]).toEqual(['persisted', 7]);
      const c3 = online(server, { storage, bootstrap: snapshotOf(9, flag('a', { enabled: false })) }).client;
      expect([c3.source, c3.revision]).toEqual(['bootstrap', 9]);
    });
  });
});

describe('browser client, evaluation', () => {
  const targeted = snapshotOf(
    1,
    flag('beta', {
      rules: [{ id: 'de', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve: { variant: 'on' } }],
      fallthrough: { variant: 'off' },
    }),
    flag('plain'),
    {
      key: 'limit',
      version: 1,
      type: 'number',
      enabled: true,
      variants: { low: 5, high: 50 },
      offVariant: 'low',
      fallthrough: { variant: 'high' },
    },
  );

  it('evaluates the client context by default, a user id or a context when given, and never throws', async () => {
    const client = createClient({ offline: true, bootstrap: targeted, context: { userId: 'u1', country: 'DE' } });
    await client.ready();
    expect(client.isEnabled('beta')).toBe(true);
    expect(client.isEnabled('beta', 'u1')).toBe(false);
    expect(client.isEnabled('beta', { country: 'DE' })).toBe(true);
    expect(client.value('limit', null, 10)).toBe(50);
    expect(client.value('limit', null, 'x')).toBe('x');
    expect(client.variant('limit')).toEqual({ value: 50, variant: 'high', reason: 'STATIC' });
    expect(client.variant('nope')).toEqual({ value: undefined, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(client.variant('toString', null, false)).toEqual({ value: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('setContext applies when ready and reports only the flags whose result changed', async () => {
    const client = createClient({ offline: true, bootstrap: targeted, context: { userId: 'u1', country: 'FR' } });
    const changes: string[][] = [];
    client.on('change', (k) => changes.push(k));
    await client.ready();
    changes.length = 0;
    await client.setContext({ userId: 'u1', country: 'DE' });
    expect(client.isEnabled('beta')).toBe(true);
    expect(client.context).toEqual({ userId: 'u1', country: 'DE' });
    await client.setContext({ userId: 'u2', country: 'DE' });
    expect(changes).toEqual([['beta']]);
  });

  it('reports a change when only the rule that decides changes', async () => {
    const client = createClient({
      offline: true,
      context: { userId: 'u1', plan: 'pro' },
      bootstrap: snapshotOf(
        1,
        flag('beta', {
          rules: [
            { id: 'pro', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: { variant: 'on' } },
            { id: 'de', conditions: [{ attribute: 'country', operator: 'eq', values: ['DE'] }], serve: { variant: 'on' } },
          ],
          fallthrough: { variant: 'off' },
        }),
      ),
    });
    const changes: string[][] = [];
    client.on('change', (k) => changes.push(k));
    await client.ready();
    expect(client.variant('beta').ruleId).toBe('pro');
    await client.setContext({ userId: 'u1', country: 'DE' });
    expect(client.variant('beta')).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'de' });
    expect(changes).toEqual([['beta']]);
  });

  it('loads the extended operators before applying a snapshot that needs them, serving the previous one meanwhile', async () => {
    const server = createFakeServer(snapshotOf(1, flag('v', { enabled: false })));
    const { client, errors } = online(server, { context: { userId: 'u1', version: '2.1.0', email: 'ann@acme.com' } });
    await client.ready();
    expect(client.isEnabled('v')).toBe(false);
    server.setFlag(
      flag('v', {
        version: 2,
        rules: [
          {
            id: 'r',
            conditions: [
              { attribute: 'version', operator: 'semverGt', values: ['2.0.0'] },
              { attribute: 'email', operator: 'matches', values: ['^[a-z]+@acme\\.com$'] },
            ],
            serve: { variant: 'on' },
          },
        ],
        fallthrough: { variant: 'off' },
      }),
    );
    await until(() => client.isEnabled('v'), 5_000, 'extended operators');
    expect(client.variant('v')).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'r' });
    expect(errors).toEqual([]);
  });
});

describe('browser client, events', () => {
  it('counts evaluations and sends tracked events in batches with the key in a header', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client } = online(server, { events: { flushInterval: 60_000 }, context: { userId: 'u1', plan: 'pro' } });
    await client.ready();
    client.isEnabled('a');
    client.isEnabled('a');
    client.isEnabled('missing');
    client.track('checkout', undefined, 12.5);
    client.track('signup', 'u2');
    await client.close();
    expect(server.events).toHaveLength(1);
    const body = server.events[0] as {
      sdk: unknown;
      evaluations: { flag: string; variant: string | null; count: number }[];
      events: unknown[];
    };
    expect(body.sdk).toEqual({ name: '@switchboard/browser', version: '0.1.0' });
    expect(body.evaluations.map(({ flag, variant, count }) => ({ flag, variant, count }))).toEqual([
      { flag: 'a', variant: 'on', count: 2 },
      { flag: 'missing', variant: null, count: 1 },
    ]);
    expect(body.events).toEqual([
      // The user's id, never the rest of the context (plan: 'pro' stays in the page).
      { name: 'checkout', userId: 'u1', value: 12.5, timestamp: expect.any(Number) },
      { name: 'signup', userId: 'u2', timestamp: expect.any(Number) },
    ]);
  });

  it('counts nothing evaluated before the first snapshot: those evaluations say nothing about a flag', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client } = online(server, { events: { flushInterval: 60_000 } });
    expect([client.status, client.source, client.isEnabled('a'), client.value('a', null, true)]).toEqual([
      'initializing',
      'none',
      false,
      true,
    ]);
    await client.ready();
    client.isEnabled('a');
    await client.close();
    const body = server.events[0] as { evaluations: { flag: string; variant: string | null; count: number }[]; dropped?: unknown };
    expect(body.evaluations.map(({ flag, variant, count }) => ({ flag, variant, count }))).toEqual([
      { flag: 'a', variant: 'on', count: 1 },
    ]);
    // Not counted as dropped either: nothing the page asked to record was lost.
    expect(body.dropped).toEqual({ events: 0, evaluations: 0 });
  });

  it('reports the distinct units each variant of a fallthrough rollout served, and the unit on tracked events', async () => {
    const half = {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    };
    const ramp = flag('ramp', { fallthrough: { ...half, bucketBy: 'orgId' } });
    // A rule's rollout is not a release arm: its units aren't reported.
    const ruled = flag('ruled', { rules: [{ id: 'all', conditions: [], serve: half }] });
    const server = createFakeServer(snapshotOf(1, ramp, ruled));
    const { client } = online(server, { events: { flushInterval: 60_000 }, context: { userId: 'u1', orgId: 'acme' } });
    await client.ready();
    for (let i = 0; i < 5; i++) client.isEnabled('ramp');
    client.isEnabled('ramp', { userId: 'u2', orgId: 42 });
    client.isEnabled('ramp', { userId: 'u3' }); // no orgId: bucketed nowhere, no unit
    client.isEnabled('ruled');
    client.track('$error');
    await client.flush();
    const body = server.events[0] as {
      units: { flag: string; variant: string; units: string[]; windowStart: number; windowEnd: number }[];
      events: { units?: Record<string, string>; variants?: Record<string, string> }[];
    };
    // The same unit ids as core's unitId (murmur3 of the value as text), once each.
    const acme = unitId('acme');
    const org42 = unitId('42');
    const served = Object.fromEntries(body.units.map((u) => [u.variant, u.units]));
    expect(body.units.every((u) => u.flag === 'ramp' && u.windowEnd >= u.windowStart)).toBe(true);
    expect(Object.values(served).flat().sort()).toEqual([acme, org42].sort());
    expect(served[client.variant('ramp').variant!]).toContain(acme);
    // For each flag in `variants`, by that flag's fallthrough bucketing attribute (as the Node SDK attaches them).
    expect(body.events[0]!.units).toEqual({ ramp: acme, ruled: unitId('u1') });
  });

  it('attributes a tracked event to the variant its user gets of each flag that rolls out', async () => {
    const half = {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    };
    const ramp = flag('ramp', { fallthrough: half });
    const ruled = flag('ruled', {
      rules: [{ id: 'pro', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: half }],
    });
    const server = createFakeServer(snapshotOf(1, flag('plain'), ramp, ruled));
    const { client } = online(server, { events: { flushInterval: 60_000 }, context: { userId: 'u1', plan: 'pro' } });
    await client.ready();
    client.track('checkout');
    client.track('checkout', { userId: 'u2', plan: 'free' });
    await client.flush();
    const events = (server.events[0] as { events: { userId: string; variants?: Record<string, string> }[] }).events;
    // The same variants evaluation gives each user; 'plain' doesn't roll out.
    expect(events.map((e) => [e.userId, e.variants])).toEqual([
      ['u1', { ramp: client.variant('ramp').variant, ruled: client.variant('ruled').variant }],
      ['u2', { ramp: client.variant('ramp', 'u2').variant, ruled: 'on' }],
    ]);
    // Evaluating for the event is not an evaluation by the page: nothing was counted.
    expect((server.events[0] as { evaluations: unknown[] }).evaluations).toEqual([]);
  });

  it('never lets one odd track() call fail the batch: the context stays in the page, a name must be a string', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client, errors } = online(server, { events: { flushInterval: 60_000 } });
    await client.ready();
    client.track('odd', { userId: 'u1', big: 10n, address: { city: 'Berlin' } });
    client.track(10n as never, 'u2');
    client.isEnabled('a');
    await client.flush();
    expect(errors).toEqual([]);
    expect(server.events).toHaveLength(1);
    const body = server.events[0] as { evaluations: unknown[]; events: { name: string; userId: string }[] };
    expect([body.evaluations.length, body.events.map((e) => [e.name, e.userId])]).toEqual([1, [['odd', 'u1']]]);
  });

  it('leaves out what the server would refuse and counts it in dropped, so one odd call never costs a batch', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    const { client } = online(server, { events: { flushInterval: 60_000 } });
    await client.ready();
    client.isEnabled('a');
    client.isEnabled('f'.repeat(EVENT_LIMITS.flag + 1));
    client.isEnabled('bad\u0001key');
    client.track('n'.repeat(EVENT_LIMITS.name + 1), 'u1');
    client.track('too-big', 'u1', 1e16);
    client.track('long-user', 'u'.repeat(EVENT_LIMITS.userId + 1), 2);
    await client.flush();
    const body = server.events[0] as { evaluations: { flag: string }[]; events: Record<string, unknown>[]; dropped: unknown };
    expect(body.evaluations.map((e) => e.flag)).toEqual(['a']);
    // The user's id isn't stored: an overlong one goes, the event stays.
    expect(body.events).toEqual([{ name: 'long-user', value: 2, timestamp: expect.any(Number) }]);
    expect(body.dropped).toEqual({ events: 2, evaluations: 2 });
  });

  it('counts what a refused batch, a failed upload and a full queue lose in dropped', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    let answer: 'refuse' | 'fail' | undefined = 'refuse';
    const fetcher: typeof fetch = (input, init) =>
      String(input).endsWith('/events') && answer
        ? answer == 'refuse'
          ? Promise.resolve(new Response('{}', { status: 400 }))
          : Promise.reject(TypeError('offline'))
        : server.fetch(input, init);
    const { client } = online(server, { fetch: fetcher, events: { flushInterval: 60_000 } });
    await client.ready();
    for (let i = 0; i < 3; i++) client.isEnabled('a');
    client.track('refused', 'u1');
    await client.flush(); // 400: the events and the counts are gone
    answer = 'fail';
    client.isEnabled('a');
    for (let i = 0; i < 505; i++) client.track('kept', 'u1');
    await client.flush(); // network: the events are kept (at most 500), the counts are gone
    answer = undefined;
    await client.flush();
    const body = server.events[0] as { evaluations: unknown[]; events: unknown[]; dropped: unknown };
    expect(body.evaluations).toEqual([]);
    expect(body.events).toHaveLength(500);
    expect(body.dropped).toEqual({ events: 1 + 5, evaluations: 3 + 1 });
    await client.flush();
    expect(server.events).toHaveLength(1);
  });

  it('keeps a batch whose upload failed with no reason, and reports it', async () => {
    const server = createFakeServer(snapshotOf(1, flag('a')));
    let down = true;
    const flaky: typeof fetch = (input, init) =>
      down && String(input).endsWith('/events') ? Promise.reject(undefined) : server.fetch(input, init);
    const { client, errors } = online(server, { fetch: flaky, events: { flushInterval: 60_000 } });
    await client.ready();
    client.track('kept', 'u1');
    await client.flush();
    expect(errors.map((e) => e.code)).toEqual(['EVENTS']);
    down = false;
    await client.flush();
    expect((server.events[0] as { events: { name: string }[] }).events.map((e) => e.name)).toEqual(['kept']);
  });
});
