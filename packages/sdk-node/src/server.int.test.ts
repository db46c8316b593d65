import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClientOptions, type SwitchboardClient, type SwitchboardError } from './index.js';
import { startInProcessServer, type InProcessServer } from './test-support/real-server.js';
import { memoryLogger, scaledClock, until } from './test-support/fixtures.js';

// The SDK against the real Switchboard server (buildApp on embedded PGlite, real socket).
let server: InProcessServer;
let key: string;
const clients: SwitchboardClient[] = [];

beforeAll(async () => {
  server = await startInProcessServer({ heartbeatIntervalMs: 200 });
  key = await server.admin.serverKey('production');
});

afterAll(async () => {
  await server?.close();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(options: Partial<ClientOptions> = {}): { client: SwitchboardClient; errors: SwitchboardError[] } {
  const c = createClient({ url: server.url, key, events: false, logger: memoryLogger(), backoff: { initial: 50, max: 500 }, ...options });
  const errors: SwitchboardError[] = [];
  c.on('error', (e) => errors.push(e));
  clients.push(c);
  return { client: c, errors };
}

describe('Node SDK against the real server', () => {
  it('becomes ready, evaluates locally, and a kill switch flips isEnabled in a running client', async () => {
    await server.admin.createFlag('new-checkout');
    const { client: flags, errors } = client();
    await flags.ready(10_000);
    expect(flags.source).toBe('server');
    // A new flag starts disabled in every environment.
    expect(flags.variant('new-checkout', 'user-42')).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });

    const changes: string[][] = [];
    flags.on('change', (keys) => changes.push(keys));
    await server.admin.patchConfig('new-checkout', 'production', { enabled: true, fallthrough: { variant: 'on' } });
    await until(() => flags.isEnabled('new-checkout', 'user-42'), 5_000, 'flag turned on');
    expect(changes).toEqual([['new-checkout']]);

    // Kill switch: time from the admin API's answer to the client seeing it.
    let flippedAt = 0;
    flags.on('change', () => {
      if (!flags.isEnabled('new-checkout', 'user-42') && flippedAt === 0) flippedAt = performance.now();
    });
    await server.admin.patchConfig('new-checkout', 'production', { enabled: false });
    const answeredAt = performance.now();
    await until(() => flippedAt > 0, 5_000, 'kill switch');
    expect(flippedAt - answeredAt).toBeLessThan(1_000);
    expect(flags.variant('new-checkout', 'user-42')).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
    expect(errors).toEqual([]);
  });

  it('evaluates rules, rollouts and typed values exactly as the server configured them', async () => {
    await server.admin.createFlag('theme', { type: 'string', variants: { light: 'light', dark: 'dark' } });
    await server.admin.patchConfig('theme', 'production', {
      enabled: true,
      rules: [{ id: 'de', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve: { variant: 'dark' } }],
      fallthrough: {
        rollout: [
          { variant: 'dark', weight: 50_000 },
          { variant: 'light', weight: 50_000 },
        ],
      },
    });
    const { client: flags } = client();
    await flags.ready(10_000);
    expect(flags.variant('theme', { userId: 'u1', country: 'DE' }, 'none')).toEqual({
      value: 'dark',
      variant: 'dark',
      reason: 'TARGETING_MATCH',
      ruleId: 'de',
    });
    expect(flags.variant('theme', { userId: 'u1', country: 'FR' }, 'none')).toMatchObject({ reason: 'SPLIT' });
    expect(flags.value('theme', {}, 'none')).toBe('light'); // no userId: the off variant, never a random bucket
    expect(flags.value('theme', 'u1', 7)).toBe(7); // wrong type: the default
    let dark = 0;
    for (let i = 0; i < 2_000; i++) if (flags.value('theme', `user-${i}`, 'none') === 'dark') dark++;
    expect(dark / 2_000).toBeGreaterThan(0.45);
    expect(dark / 2_000).toBeLessThan(0.55);
  });

  it('emits change events for each admin write, in order, with the served revision moving forward', async () => {
    await server.admin.createFlag('ordered');
    const { client: flags } = client();
    await flags.ready(10_000);
    const start = flags.revision;
    const changes: string[][] = [];
    flags.on('change', (keys) => changes.push(keys));
    for (const enabled of [true, false, true])
      await server.admin.patchConfig('ordered', 'production', { enabled, fallthrough: { variant: 'on' } });
    await until(() => changes.length === 3, 5_000, 'three changes');
    expect(changes).toEqual([['ordered'], ['ordered'], ['ordered']]);
    expect(flags.isEnabled('ordered', 'u')).toBe(true);
    expect(flags.revision).toBe(start + 3);
  });

  it('delivers tracked events whose context holds what the server refuses, without losing the batch', async () => {
    await server.admin.createFlag('ev-ramp');
    await server.admin.patchConfig('ev-ramp', 'production', {
      enabled: true,
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 50_000 },
          { variant: 'off', weight: 50_000 },
        ],
      },
    });
    const since = new Date(Date.now() - 60_000).toISOString();
    const { client: flags, errors } = client({ events: { flushInterval: 60_000 } });
    await flags.ready(10_000);
    flags.isEnabled('ev-ramp', 'buyer-1');
    // A nested object and an overlong string: the events endpoint refuses both, and with
    // them the whole batch; the SDK leaves those attributes out and keeps the event.
    flags.track('purchase', { userId: 'buyer-1', plan: 'pro', address: { city: 'Berlin' }, note: 'x'.repeat(5_000) }, 30);
    await flags.flush();
    expect(errors).toEqual([]);
    const report = await server.admin.call(
      'GET',
      `/api/admin/flags/ev-ramp/environments/production/events?from=${encodeURIComponent(since)}`,
    );
    const purchase = (report.body as { events: { name: string; total: { count: number; sum: number } }[] }).events.find(
      (e) => e.name === 'purchase',
    );
    expect(purchase?.total).toMatchObject({ count: 1, sum: 30 });
  });

  it("reports the distinct units of a rolling-out flag's arms in a shape the server accepts", async () => {
    await server.admin.createFlag('units-ramp');
    await server.admin.patchConfig('units-ramp', 'production', {
      enabled: true,
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 50_000 },
          { variant: 'off', weight: 50_000 },
        ],
      },
    });
    const ingested = async (): Promise<number> => {
      const text = String((await server.admin.call('GET', '/metrics')).body);
      const line = text.split('\n').find((l) => l.startsWith('switchboard_sdk_events_ingested_total{kind="units"}'));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    const before = await ingested();
    const { client: flags, errors } = client({ events: { flushInterval: 60_000 } });
    await flags.ready(10_000);
    // Past the per-variant bound on purpose: the listed units, `more` and the batch size all pass.
    for (let round = 0; round < 3; round++) for (let i = 0; i < 25_000; i++) flags.isEnabled('units-ramp', `unit-${i}`);
    flags.track('$error', 'unit-7');
    await flags.flush();
    expect(errors).toEqual([]);
    // One summary per variant, both accepted.
    expect((await ingested()) - before).toBe(2);
  });

  it('polls with ETags when streaming is off, and picks up changes', async () => {
    await server.admin.createFlag('polled');
    const { client: flags } = client({ stream: false, pollInterval: 100 });
    await flags.ready(10_000);
    const before = await server.admin.requestCount('/api/sdk/flags', 304);
    await new Promise((r) => setTimeout(r, 450));
    expect(await server.admin.requestCount('/api/sdk/flags', 304)).toBeGreaterThan(before);
    await server.admin.patchConfig('polled', 'production', { enabled: true, fallthrough: { variant: 'on' } });
    await until(() => flags.isEnabled('polled', 'u'), 5_000, 'poll picks up the change');
  });

  it('polls ask for compression and get the snapshot as brotli bytes, decoded by fetch', async () => {
    await server.admin.createFlag('compressed-poll');
    await server.admin.patchConfig('compressed-poll', 'production', { enabled: true, fallthrough: { variant: 'on' } });
    const seen: { asked: string | null; coding: string | null; status: number }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      seen.push({
        asked: new Headers(init?.headers).get('accept-encoding'),
        coding: res.headers.get('content-encoding'),
        status: res.status,
      });
      return res;
    };
    const { client: flags, errors } = client({ stream: false, pollInterval: 100, fetch: recording });
    await flags.ready(10_000);
    expect(flags.isEnabled('compressed-poll', 'u')).toBe(true);
    expect(seen[0]).toEqual({ asked: 'br, gzip', coding: 'br', status: 200 });
    expect(errors).toEqual([]);
  });

  it('with a refused key: a bounded number of attempts, counted at the server, over a sped-up minute', async () => {
    const before = await server.admin.requestCount('/api/sdk/stream', 401);
    // 60× clock: one client minute per real second, every default (incl. the 5 min refusal delay) as shipped.
    const { client: flags, errors } = client({ key: 'sb_server_not-a-real-key', clock: scaledClock(60), backoff: undefined });
    await expect(flags.ready(30_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await new Promise((r) => setTimeout(r, 1_000));
    const attempts = (await server.admin.requestCount('/api/sdk/stream', 401)) - before;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(2);
    expect(errors.filter((e) => e.code === 'UNAUTHORIZED')).toHaveLength(attempts);
    expect(flags.isEnabled('new-checkout', 'u')).toBe(false);
  });
});
