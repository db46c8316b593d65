import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type ClientOptions, type SwitchboardClient, type SwitchboardError } from './index.js';
import { MAX_PAYLOAD_SIZE } from './delivery/http.js';
import { startProtocolServer, type ProtocolServer, type ProtocolServerOptions } from './testing/protocol-server.js';
import { booleanFlag, memoryLogger, snapshotOf, until } from './test-support/fixtures.js';

// The SDK against a real HTTP server on a real socket that speaks the SSE/ETag protocol.
let server: ProtocolServer | undefined;
const clients: SwitchboardClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.stop();
  server = undefined;
});

// Every streaming behaviour holds for both transports: node:http by default, and the
// caller's fetch when one is passed (proxies, custom agents).
describe.each([
  { transport: 'node:http (default)', viaFetch: false },
  { transport: 'a caller-supplied fetch', viaFetch: true },
])('streaming client over $transport', ({ viaFetch }) => {
  async function setup(serverOptions: ProtocolServerOptions = {}, clientOptions: Partial<ClientOptions> = {}) {
    server = await startProtocolServer({ snapshot: snapshotOf(1, booleanFlag('checkout'), booleanFlag('other')), ...serverOptions });
    const logger = memoryLogger();
    const errors: SwitchboardError[] = [];
    const client = createClient({
      url: server.url,
      key: server.key,
      events: false,
      logger,
      backoff: { initial: 20, max: 200 },
      ...(viaFetch ? { fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => globalThis.fetch(input, init) } : {}),
      ...clientOptions,
    });
    client.on('error', (e) => errors.push(e));
    clients.push(client);
    return { server, client, errors, logger };
  }

  describe('behaviour', () => {
    it('becomes ready with the first put and evaluates it locally', async () => {
      const { client } = await setup();
      const ready: string[] = [];
      client.on('ready', () => ready.push('ready'));
      await client.ready(2_000);
      expect(ready).toEqual(['ready']);
      expect(client.status).toBe('ready');
      expect(client.source).toBe('server');
      expect(client.revision).toBe(1);
      expect(client.isEnabled('checkout', 'user-1')).toBe(true);
    });

    it('applies a kill switch from a patch and emits change with the key', async () => {
      const { server, client } = await setup();
      await client.ready(2_000);
      const changes: string[][] = [];
      client.on('change', (keys) => changes.push(keys));
      server.setFlag(booleanFlag('checkout', { enabled: false }));
      await until(() => !client.isEnabled('checkout', 'user-1'), 2_000, 'kill switch');
      expect(changes).toEqual([['checkout']]);
      expect(client.variant('checkout', 'user-1')).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
      server.deleteFlag('other');
      await until(() => changes.length === 2);
      expect(changes[1]).toEqual(['other']);
      expect(client.variant('other', 'u')).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    });

    it('ignores patches and puts that are not newer than what it holds', async () => {
      const { server, client } = await setup({ snapshot: snapshotOf(10, booleanFlag('checkout', { version: 5 })) });
      await client.ready(2_000);
      const changes: string[][] = [];
      client.on('change', (keys) => changes.push(keys));
      // Same flag version, newer revision: ignored.
      server.broadcast(
        'patch',
        JSON.stringify({ revision: 11, key: 'checkout', flag: booleanFlag('checkout', { version: 5, enabled: false }) }),
      );
      // Older revision: ignored.
      server.broadcast(
        'patch',
        JSON.stringify({ revision: 9, key: 'checkout', flag: booleanFlag('checkout', { version: 9, enabled: false }) }),
      );
      // A put with an older revision: ignored.
      server.broadcast('put', JSON.stringify(snapshotOf(8)));
      // A marker that does apply, so we know the earlier ones were processed.
      server.broadcast('patch', JSON.stringify({ revision: 12, key: 'marker', flag: booleanFlag('marker') }));
      await until(() => changes.length > 0);
      expect(changes).toEqual([['marker']]);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
      // A newer put replaces everything and reports the difference.
      server.broadcast('put', JSON.stringify(snapshotOf(20, booleanFlag('checkout', { version: 6, enabled: false }))));
      await until(() => changes.length > 1);
      expect(changes[1]!.sort()).toEqual(['checkout', 'marker']);
      expect(client.isEnabled('checkout', 'u')).toBe(false);
      expect(client.revision).toBe(20);
    });

    it('ignores unknown events and unknown fields without reconnecting', async () => {
      const { server, client, errors } = await setup();
      await client.ready(2_000);
      server.broadcastRaw('event: something-new\ndata: {"x":1}\n\n');
      server.broadcastRaw('event: message\ndata: not json at all\n\n');
      server.broadcast(
        'patch',
        JSON.stringify({
          revision: 2,
          key: 'checkout',
          flag: { ...booleanFlag('checkout', { version: 2, enabled: false }), futureField: [1] },
          alsoNew: true,
        }),
      );
      await until(() => !client.isEnabled('checkout', 'u'));
      expect(server.requests.stream).toBe(1);
      expect(errors).toEqual([]);
    });

    it.each([
      ['a put that is not JSON', 'event: put\ndata: {oops\n\n'],
      ['a put that is not a snapshot', 'event: put\ndata: {"schemaVersion":1,"flags":[]}\n\n'],
      ['a patch without a revision', 'event: patch\ndata: {"key":"checkout","flag":null}\n\n'],
      // JSON.parse reads any depth, but walking such a document overflows the stack: that
      // must cost the stream, not the process (node:http runs the parser in a socket callback).
      [
        'a put nested too deeply to read',
        `event: put\ndata: ${JSON.stringify(snapshotOf(9, booleanFlag('checkout'))).replace('{"variant":"on"}', '['.repeat(200_000) + ']'.repeat(200_000))}\n\n`,
      ],
      [
        'a patch whose segment is nested too deeply to compare',
        `event: patch\ndata: {"revision":9,"key":"gone","flag":null,"segments":{"s":{"key":"s","conditions":${'['.repeat(200_000) + ']'.repeat(200_000)}}}}\n\n`,
      ],
    ])('drops the stream on %s, keeps serving the last good snapshot, and reconnects', async (_name, raw) => {
      const { server, client, errors } = await setup();
      await client.ready(2_000);
      server.setFlag(booleanFlag('checkout', { enabled: false }));
      await until(() => !client.isEnabled('checkout', 'u'));
      server.broadcastRaw(raw);
      await until(() => errors.some((e) => e.code === 'MALFORMED'), 2_000, 'MALFORMED error');
      expect(client.isEnabled('checkout', 'u')).toBe(false);
      expect(client.isEnabled('other', 'u')).toBe(true);
      await until(() => server.requests.stream >= 2, 2_000, 'reconnect');
      await until(() => client.status === 'ready');
    });

    // A snapshot (revision 3, checkout off) that would be applied but for its size.
    const oversized = (): string =>
      JSON.stringify({ ...snapshotOf(3, booleanFlag('checkout', { enabled: false })), padding: 'x'.repeat(MAX_PAYLOAD_SIZE) });

    it.each([
      // A misbehaving proxy streaming bytes without a line break: the line would grow forever.
      ['a line that never ends', () => 'x'.repeat(MAX_PAYLOAD_SIZE + 1)],
      ['a put larger than the cap', () => `event: put\ndata: ${oversized()}\n\n`],
    ])('drops the stream as MALFORMED on %s, keeps serving the last good snapshot, and reconnects', async (_name, raw) => {
      const { server, client, errors } = await setup();
      await client.ready(2_000);
      server.broadcastRaw(raw());
      await until(() => errors.some((e) => e.code === 'MALFORMED'), 10_000, 'MALFORMED error');
      expect(errors.find((e) => e.code === 'MALFORMED')!.message).toContain('64 MiB');
      expect(client.revision).toBe(1);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
      await until(() => server.requests.stream >= 2 && client.status === 'ready', 5_000, 'reconnect');
    });

    it.each([
      ['with its Content-Length', true],
      ['sent chunked, without a length', false],
    ])('treats a poll body larger than the cap as MALFORMED, %s, and keeps the last good snapshot', async (_name, declared) => {
      const { server, client, errors } = await setup({}, { stream: false, pollInterval: 30 });
      await client.ready(2_000);
      const body = oversized();
      const headers: Record<string, string> = { 'content-type': 'application/json', etag: '"3"' };
      if (declared) headers['content-length'] = String(Buffer.byteLength(body));
      server.overrides.flags = { status: 200, headers, body };
      await until(() => errors.some((e) => e.code === 'MALFORMED'), 10_000, 'MALFORMED error');
      expect(errors.find((e) => e.code === 'MALFORMED')!.message).toContain('64 MiB');
      expect(client.revision).toBe(1);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
      delete server.overrides.flags;
      server.setFlag(booleanFlag('other', { enabled: false }));
      await until(() => client.revision === 2 && client.status === 'ready', 5_000, 'the next good poll');
    });

    it('reconnects after the server sends an event id that cannot be sent back in a header', async () => {
      const { server, client } = await setup();
      await client.ready(2_000);
      // Non-Latin-1 and control characters are not allowed in a Last-Event-ID header.
      server.broadcastRaw('id: r\u20ac\u0001\nevent: unknown\ndata: {}\n\n');
      server.endStreams();
      await until(() => server.requests.stream >= 2 && client.status === 'ready', 3_000, 'reconnected');
    });

    it('connects with a key read from a file with its trailing newline', async () => {
      const { client } = await setup({}, { key: 'srv-test-key\n' });
      await client.ready(2_000);
      expect(client.source).toBe('server');
    });

    it('treats a stream silent past idleTimeout as dead, while heartbeats keep one alive (streamIdleTimeout: the deprecated name)', async () => {
      const quiet = await setup({}, { idleTimeout: 150 });
      await quiet.client.ready(2_000);
      quiet.server.silent = true; // the next connections send nothing at all
      await until(() => quiet.server.requests.stream >= 3, 3_000, 'idle reconnects');
      expect(quiet.errors.some((e) => e.code === 'STREAM_IDLE')).toBe(true);
      await quiet.client.close();
      await quiet.server.stop();

      const alive = await setup({ heartbeat: 50 }, { streamIdleTimeout: 500 });
      await alive.client.ready(2_000);
      await new Promise((r) => setTimeout(r, 1_200));
      expect(alive.server.requests.stream).toBe(1);
      expect(alive.errors).toEqual([]);
    });

    it("honours the server's retry: field as the reconnect base", async () => {
      const { server, client } = await setup({ retry: 30 }, { backoff: { initial: 60_000, max: 120_000 } });
      await client.ready(2_000);
      server.endStreams();
      // The configured base is a minute; reconnecting within the wait proves retry: won.
      await until(() => server.requests.stream === 2, 5_000, 'reconnect using retry:');
    });

    it('emits stale when the stream ends and recovered when it is back, serving throughout', async () => {
      const { server, client } = await setup();
      await client.ready(2_000);
      const seen: string[] = [];
      client.on('stale', () => seen.push('stale'));
      client.on('recovered', () => seen.push('recovered'));
      server.endStreams();
      await until(() => seen.length === 2, 2_000, 'stale then recovered');
      expect(seen).toEqual(['stale', 'recovered']);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
    });

    it('honours Retry-After on 429', async () => {
      const { server, client } = await setup({}, { backoff: { initial: 10, max: 10 } });
      server.overrides.stream = { status: 429, headers: { 'retry-after': '1' } };
      const t0 = Date.now();
      await until(() => server.requests.stream >= 2, 3_000, 'second attempt');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      await client.close();
    });

    it('falls back to ETag polling at once when the server has no stream endpoint', async () => {
      const { server, client } = await setup({}, { pollInterval: 50 });
      server.overrides.stream = { status: 404 };
      await client.ready(2_000);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
      await until(() => server.requests.flags >= 3, 2_000, 'polls');
      server.setFlag(booleanFlag('checkout', { enabled: false }));
      await until(() => !client.isEnabled('checkout', 'u'), 2_000, 'poll picks up the change');
      // A 404 stream is retried minutes apart, not in a loop.
      expect(server.requests.stream).toBe(1);
    });

    it('polls alongside while a stream connects but never delivers', async () => {
      const { server, client } = await setup({}, { pollInterval: 100, idleTimeout: 60_000 });
      server.withholdPut = true;
      server.overrides.stream = { status: 503 };
      await until(() => server.requests.stream >= 1);
      delete server.overrides.stream;
      // Streams now connect but never send a put (a buffering proxy); polling keeps the client current.
      await client.ready(3_000);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
      expect(server.requests.flags).toBeGreaterThanOrEqual(1);
    });

    it('with stream: false, polls with If-None-Match and gets 304s', async () => {
      const { server, client } = await setup({}, { stream: false, pollInterval: 30 });
      await client.ready(2_000);
      await until(() => server.requests.flags >= 5);
      expect(server.requests.stream).toBe(0);
      const changes: string[][] = [];
      client.on('change', (k) => changes.push(k));
      server.setFlag(booleanFlag('other', { enabled: false }));
      await until(() => changes.length === 1);
      expect(changes[0]).toEqual(['other']);
    });

    it('stops streaming on close: the server sees the connection go', async () => {
      const { server, client } = await setup();
      await client.ready(2_000);
      expect(server.openStreams).toBe(1);
      await client.close();
      await until(() => server.openStreams === 0, 2_000, 'stream closed');
      const before = server.requests.stream;
      await new Promise((r) => setTimeout(r, 200));
      expect(server.requests.stream).toBe(before);
    });

    it('rejects ready() within its timeout when no snapshot can be had', async () => {
      const { server, client } = await setup({}, { backoff: { initial: 10_000, max: 10_000 } });
      server.silent = true; // connects, never sends
      const t0 = Date.now();
      await expect(client.ready(300)).rejects.toMatchObject({ code: 'TIMEOUT' });
      // The next attempt is 10 s away: rejecting well before it is the timeout at work.
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(client.isEnabled('checkout', 'u')).toBe(false);
    });

    it('ready(Infinity) waits for the snapshot instead of timing out at once', async () => {
      const { server, client } = await setup();
      server.silent = true; // connects, sends nothing until told
      let outcome = 'pending';
      void client.ready(Infinity).then(
        () => (outcome = 'ready'),
        (e: SwitchboardError) => (outcome = e.code),
      );
      await until(() => server.openStreams === 1, 2_000, 'stream open');
      // Node runs a timer it can't hold (over 2^31-1 ms) after 1 ms, before this one.
      await new Promise((r) => setTimeout(r, 20));
      expect(outcome).toBe('pending');
      server.replace(server.snapshot);
      await until(() => outcome !== 'pending', 2_000, 'ready');
      expect(outcome).toBe('ready');
    });

    it('serves the online bootstrap before the first snapshot, then the server', async () => {
      server = await startProtocolServer({ snapshot: snapshotOf(5, booleanFlag('checkout', { enabled: false })) });
      server.withholdPut = true;
      const client = createClient({
        url: server.url,
        key: server.key,
        events: false,
        logger: memoryLogger(),
        bootstrap: snapshotOf(1, booleanFlag('checkout')),
      });
      clients.push(client);
      expect(client.isEnabled('checkout', 'u')).toBe(true);
      expect(client.source).toBe('bootstrap');
      expect(client.status).toBe('initializing');
      await until(() => server!.openStreams === 1);
      server.replace(server.snapshot);
      await client.ready(2_000);
      expect(client.isEnabled('checkout', 'u')).toBe(false);
    });
  });
});

describe('stream transport', () => {
  it("goes through the caller's fetch when one is given, and never touches fetch otherwise", async () => {
    server = await startProtocolServer({ snapshot: snapshotOf(1, booleanFlag('checkout')) });
    const seen: string[] = [];
    const counting = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      seen.push(new URL(String(input)).pathname);
      return globalThis.fetch(input, init);
    };
    const viaFetch = createClient({ url: server.url, key: server.key, events: false, logger: memoryLogger(), fetch: counting });
    clients.push(viaFetch);
    await viaFetch.ready(2_000);
    expect(seen).toEqual(['/api/sdk/stream']);

    const original = globalThis.fetch;
    let globalCalls = 0;
    globalThis.fetch = (input, init) => {
      globalCalls++;
      return original(input, init);
    };
    try {
      const direct = createClient({ url: server.url, key: server.key, events: false, logger: memoryLogger() });
      clients.push(direct);
      await direct.ready(2_000);
      server.setFlag(booleanFlag('checkout', { enabled: false }));
      await until(() => !direct.isEnabled('checkout', 'u'), 2_000, 'kill switch over node:http');
      expect(globalCalls).toBe(0);
    } finally {
      globalThis.fetch = original;
    }
  });

  it('names where a redirect points, instead of following it with the key', async () => {
    server = await startProtocolServer({ snapshot: snapshotOf(1, booleanFlag('checkout')) });
    server.overrides.stream = { status: 301, headers: { location: 'https://flags.example.com/api/sdk/stream' } };
    const errors: SwitchboardError[] = [];
    const client = createClient({ url: server.url, key: server.key, events: false, logger: memoryLogger() });
    clients.push(client);
    client.on('error', (e) => errors.push(e));
    await until(() => errors.length > 0, 2_000, 'the redirect reported');
    expect(errors[0]).toMatchObject({ code: 'HTTP_STATUS', status: 301 });
    expect(errors[0]!.message).toContain('redirects to https://flags.example.com/api/sdk/stream');
    expect(server.requests.stream).toBe(1);
  });
});
