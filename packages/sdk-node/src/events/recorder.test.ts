import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_BATCH_LIMITS, EVENT_LIMITS, UNIT_LIMITS, evaluate, unitId, type Flag, type UnitSummary } from '@switchboard/core';
import { createClient, SDK_VERSION, type EventsPayload, type SwitchboardClient, type SwitchboardError } from '../index.js';
import { startProtocolServer, type ProtocolServer } from '../testing/protocol-server.js';
import { booleanFlag, manualClock, memoryLogger, percentRollout, snapshotOf, until, type ManualClock } from '../test-support/fixtures.js';
import { EventRecorder, UNITS_PER_REQUEST } from './recorder.js';

let server: ProtocolServer | undefined;
const clients: SwitchboardClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.stop();
  server = undefined;
});

async function setup(events: { flushInterval?: number; maxBatch?: number; maxQueue?: number } = {}) {
  server = await startProtocolServer({
    snapshot: snapshotOf(
      1,
      booleanFlag('checkout'),
      booleanFlag('ramp', { fallthrough: percentRollout(50) }),
      booleanFlag('killed', { enabled: false }),
    ),
  });
  const client = createClient({ url: server.url, key: server.key, logger: memoryLogger(), events: { flushInterval: 60_000, ...events } });
  clients.push(client);
  await client.ready(2_000);
  return { server, client };
}

const bodies = (s: ProtocolServer) => s.eventBodies as EventsPayload[];

describe('evaluation counts and tracked events', () => {
  it('counts evaluations per flag and variant and sends them with tracked events in the documented shape', async () => {
    const { server, client } = await setup();
    for (let i = 0; i < 5; i++) client.isEnabled('checkout', `u${i}`);
    client.isEnabled('killed', 'u');
    client.isEnabled('missing', 'u');
    client.value('checkout', 'u', false);
    client.variant('checkout', 'u');
    client.track('purchase', { userId: 'u1', plan: 'pro' }, 42.5);
    client.track('signup', 'u2');
    await client.flush();
    expect(bodies(server)).toHaveLength(1);
    const body = bodies(server)[0]!;
    expect(body.sdk).toEqual({ name: '@switchboard/node', version: SDK_VERSION });
    const counts = Object.fromEntries(body.evaluations.map((e) => [`${e.flag}/${e.variant}`, e.count]));
    expect(counts).toEqual({ 'checkout/on': 7, 'killed/off': 1, 'missing/null': 1 });
    for (const e of body.evaluations) {
      expect(e.windowEnd).toBeGreaterThanOrEqual(e.windowStart);
      expect(Number.isInteger(e.windowStart)).toBe(true);
    }
    expect(body.events).toHaveLength(2);
    expect(body.events[0]).toMatchObject({ name: 'purchase', userId: 'u1', context: { plan: 'pro' }, value: 42.5 });
    // The variant of each rolling-out flag for this context (computed without being counted).
    expect(body.events[0]!.variants).toEqual({ ramp: evaluate(server.snapshot, 'ramp', { userId: 'u1' }, false).variant });
    expect(body.events[1]).toMatchObject({ name: 'signup', userId: 'u2' });
    expect(body.events[1]).not.toHaveProperty('context');
    expect(body.dropped).toBeUndefined();
    // Nothing new: no request.
    await client.flush();
    expect(bodies(server)).toHaveLength(1);
  });

  it('flushes on the interval', async () => {
    const { server, client } = await setup({ flushInterval: 50 });
    client.isEnabled('checkout', 'u');
    await until(() => bodies(server).length === 1, 2_000, 'interval flush');
  });

  it('sends a full batch at once, splitting the queue into maxBatch-sized requests', async () => {
    const { server, client } = await setup({ maxBatch: 10 });
    for (let i = 0; i < 25; i++) client.track('e', `u${i}`);
    await until(() => bodies(server).reduce((n, b) => n + b.events.length, 0) === 25, 2_000, 'all events');
    expect(bodies(server).every((b) => b.events.length <= 10)).toBe(true);
    expect(bodies(server).flatMap((b) => b.events.map((e) => e.userId))).toEqual(Array.from({ length: 25 }, (_, i) => `u${i}`));
  });

  it('holds at most maxQueue events while the server is down, dropping the oldest, and reports the count later', async () => {
    const { server, client } = await setup({ maxQueue: 100, maxBatch: 1_000 });
    server.overrides.events = { status: 503 };
    client.isEnabled('checkout', 'u');
    for (let i = 0; i < 250; i++) client.track('e', `u${i}`);
    await client.flush();
    client.isEnabled('checkout', 'u');
    await client.flush();
    expect(server.eventBodies).toHaveLength(0);
    delete server.overrides.events;
    await client.flush();
    const body = bodies(server)[0]!;
    expect(body.events).toHaveLength(100);
    expect(body.events[0]!.userId).toBe('u150');
    expect(body.events[99]!.userId).toBe('u249');
    expect(body.dropped).toEqual({ events: 150, evaluations: 0 });
    // Counts from the failed windows are kept, not lost.
    expect(body.evaluations).toEqual([expect.objectContaining({ flag: 'checkout', variant: 'on', count: 2 })]);
  });

  it('drops a batch the server refuses as invalid instead of resending it forever', async () => {
    const { server, client } = await setup();
    server.overrides.events = { status: 400 };
    client.track('e', 'u');
    await client.flush();
    delete server.overrides.events;
    await client.flush();
    expect(bodies(server)[0]).toMatchObject({ events: [], dropped: { events: 1, evaluations: 0 } });
  });

  it('counts the evaluations of a batch the server refuses as dropped, not only its events', async () => {
    const { server, client } = await setup();
    for (let i = 0; i < 5; i++) client.isEnabled('checkout', `u${i}`);
    client.track('e', 'u');
    server.overrides.events = { status: 400 };
    await client.flush();
    delete server.overrides.events;
    await client.flush();
    expect(bodies(server)[0]).toMatchObject({ evaluations: [], events: [], dropped: { events: 1, evaluations: 5 } });
  });

  it('leaves out what the server would refuse and counts it in dropped, so one bad call never costs a batch', async () => {
    const { server, client } = await setup();
    client.isEnabled('checkout', 'u');
    client.isEnabled('f'.repeat(EVENT_LIMITS.flag + 1), 'u');
    client.isEnabled('bad\u0001key', 'u');
    client.isEnabled('bad\u0001key', 'u');
    client.track('n'.repeat(EVENT_LIMITS.name + 1), 'u');
    client.track('tab\tname', 'u');
    client.track('too-big', 'u', 1e16);
    client.track('long-user', 'u'.repeat(EVENT_LIMITS.userId + 1), 3);
    client.track('fine', 'u', -EVENT_LIMITS.value);
    await client.flush();
    const body = bodies(server)[0]!;
    expect(body.evaluations.map((e) => e.flag)).toEqual(['checkout']);
    expect(body.events.map((e) => e.name)).toEqual(['long-user', 'fine']);
    // Only the id goes: it isn't stored, and the event still counts.
    expect(body.events[0]).not.toHaveProperty('userId');
    expect(body.events[0]!.value).toBe(3);
    expect(body.dropped).toEqual({ events: 3, evaluations: 3 });
  });

  it('never sends more per request than the server takes', async () => {
    const { server, client } = await setup({ maxBatch: 5_000, maxQueue: 20_000 });
    for (let i = 0; i < EVENT_BATCH_LIMITS.evaluations + 10; i++) client.isEnabled(`flag-${i}`, 'u');
    for (let i = 0; i < EVENT_BATCH_LIMITS.events + 10; i++) client.track('e', `u${i}`);
    await client.flush();
    const sent = bodies(server);
    expect(sent.map((b) => [b.evaluations.length, b.events.length])).toEqual([
      [EVENT_BATCH_LIMITS.evaluations, EVENT_BATCH_LIMITS.events],
      [10, 10],
    ]);
    expect(sent.every((b) => b.dropped === undefined)).toBe(true);
  });

  it('bounds the number of distinct counted flags', async () => {
    const { server, client } = await setup({ maxQueue: 10 });
    for (let i = 0; i < 50; i++) client.isEnabled(`flag-${i}`, 'u');
    await client.flush();
    expect(bodies(server)[0]!.evaluations).toHaveLength(10);
    expect(bodies(server)[0]!.dropped).toEqual({ events: 0, evaluations: 40 });
  });

  it('flushes on close, within a bounded time even when the server hangs', async () => {
    const { server, client } = await setup();
    client.track('bye', 'u');
    await client.close();
    expect(bodies(server)[0]!.events[0]!.name).toBe('bye');

    // A raw TCP server that accepts connections and never answers.
    const sockets: Socket[] = [];
    const black = createServer((sock) => sockets.push(sock));
    await new Promise<void>((r) => black.listen(0, '127.0.0.1', () => r()));
    const port = (black.address() as AddressInfo).port;
    const c3 = createClient({ url: `http://127.0.0.1:${port}`, key: 'k', logger: memoryLogger(), stream: false });
    c3.track('stuck', 'u');
    const t0 = Date.now();
    await c3.close(300);
    // Without the bound, close would wait for the 10 s request timeout.
    expect(Date.now() - t0).toBeLessThan(5_000);
    for (const sock of sockets) sock.destroy();
    await new Promise((r) => black.close(r));
  });

  it('close() during a flush still sends what was counted and tracked after that flush began', async () => {
    server = await startProtocolServer({ snapshot: snapshotOf(1, booleanFlag('checkout')) });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let uploads = 0;
    const gated: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/sdk/events') && uploads++ === 0) await gate;
      return globalThis.fetch(input, init);
    };
    const client = createClient({
      url: server.url,
      key: server.key,
      logger: memoryLogger(),
      fetch: gated,
      events: { flushInterval: 60_000 },
    });
    clients.push(client);
    await client.ready(2_000);
    client.isEnabled('checkout', 'u');
    const flushing = client.flush(); // held at the gate
    client.isEnabled('checkout', 'u');
    client.isEnabled('checkout', 'u');
    client.track('late', 'u');
    const closing = client.close(5_000);
    release();
    await Promise.all([flushing, closing]);
    expect(
      bodies(server)
        .flatMap((b) => b.evaluations)
        .reduce((n, e) => n + e.count, 0),
    ).toBe(3);
    expect(bodies(server).flatMap((b) => b.events.map((e) => e.name))).toEqual(['late']);
  });

  it('leaves out of a tracked context what the server would refuse, keeping the event and the batch', async () => {
    const { server, client } = await setup();
    const circular: Record<string, unknown> = { plan: 'pro' };
    circular.self = circular;
    client.track('bigint', { userId: 'u1', spend: 10n } as never);
    client.track('circular', { userId: 'u2', ...circular } as never);
    client.track('good', { userId: 'u3', plan: 'pro' });
    client.isEnabled('checkout', 'u');
    await client.flush();
    expect(bodies(server)).toHaveLength(1);
    expect(bodies(server)[0]!.events.map((e) => [e.name, e.context])).toEqual([
      ['bigint', undefined],
      ['circular', { plan: 'pro' }],
      ['good', { plan: 'pro' }],
    ]);
    expect(bodies(server)[0]!.evaluations).toEqual([expect.objectContaining({ flag: 'checkout', count: 1 })]);
  });

  it('does not count or track when events are off', async () => {
    server = await startProtocolServer({ snapshot: snapshotOf(1, booleanFlag('checkout')) });
    const client = createClient({ url: server.url, key: server.key, logger: memoryLogger(), events: false });
    clients.push(client);
    await client.ready(2_000);
    client.isEnabled('checkout', 'u');
    client.track('x', 'u');
    await client.close();
    expect(server.requests.events).toBe(0);
  });

  it('ignores a track() without a name, never throwing', async () => {
    const { server, client } = await setup();
    expect(() => client.track('' as string, 'u')).not.toThrow();
    expect(() => client.track(undefined as never)).not.toThrow();
    expect(() =>
      client.track('ok', {
        get userId(): string {
          throw new Error('boom');
        },
      } as never),
    ).not.toThrow();
    await client.flush();
    expect(server.eventBodies).toHaveLength(0);
  });
});

describe('distinct units of rolling-out flags', () => {
  const ruleSplit: Flag = booleanFlag('rule-split', {
    rules: [{ id: 'pro', conditions: [{ attribute: 'plan', operator: 'in', values: ['pro'] }], serve: percentRollout(50) }],
    fallthrough: { variant: 'off' },
  });

  async function unitSetup(events: { maxQueue?: number } = {}, ...more: Flag[]) {
    server = await startProtocolServer({
      snapshot: snapshotOf(
        1,
        ...more,
        booleanFlag('checkout'),
        booleanFlag('ramp', { fallthrough: percentRollout(50) }),
        booleanFlag('all-in', { fallthrough: percentRollout(100) }),
        booleanFlag('by-account', { fallthrough: { ...percentRollout(100), bucketBy: 'accountId' } }),
        ruleSplit,
      ),
    });
    const client = createClient({ url: server.url, key: server.key, logger: memoryLogger(), events: { flushInterval: 60_000, ...events } });
    clients.push(client);
    await client.ready(2_000);
    return { server, client };
  }

  const unitsOf = (body: EventsPayload | undefined): Record<string, string[]> =>
    Object.fromEntries((body?.units ?? []).map((u) => [`${u.flag}/${u.variant}`, [...u.units].sort()]));

  it("lists each unit the fallthrough rollout served once per variant, however often it was evaluated, and nothing else's", async () => {
    const { server, client } = await unitSetup();
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    for (let round = 0; round < 5; round++) {
      for (const u of users) {
        client.isEnabled('ramp', u);
        client.value('ramp', { userId: u }, false);
        client.variant('ramp', u);
        client.isEnabled('checkout', u); // a fixed variant: not a rollout
        client.isEnabled('rule-split', { userId: u, plan: 'pro' }); // a rule's rollout, not the fallthrough's
      }
    }
    client.isEnabled('ramp', { plan: 'pro' }); // no userId: served off, not counted
    client.isEnabled('by-account', { userId: 'u1', accountId: 'acme' });
    client.isEnabled('by-account', { accountId: 7 }); // a number: its string is the unit
    client.isEnabled('by-account', { userId: 'u2', accountId: 'acme' });
    client.isEnabled('by-account', { userId: 'u3', accountId: { id: 1 } }); // not bucketable: off, not counted
    await client.flush();
    const body = bodies(server)[0]!;
    const expected: Record<string, string[]> = {};
    for (const u of users) {
      const variant = evaluate(server.snapshot, 'ramp', { userId: u }, false).variant!;
      (expected[`ramp/${variant}`] ??= []).push(unitId(u));
    }
    for (const list of Object.values(expected)) list.sort();
    expect(Object.keys(expected).sort()).toEqual(['ramp/off', 'ramp/on']);
    expect(unitsOf(body)).toEqual({ ...expected, 'by-account/on': [unitId('7'), unitId('acme')].sort() });
    for (const u of body.units!) {
      expect(u.more).toBeUndefined();
      expect(u.windowStart).toBe(body.evaluations[0]!.windowStart);
      expect(u.windowEnd).toBe(body.evaluations[0]!.windowEnd);
    }
    // Counts are still per evaluation.
    const counts = Object.fromEntries(body.evaluations.map((e) => [`${e.flag}/${e.variant}`, e.count]));
    expect(counts['ramp/on']! + counts['ramp/off']!).toBe(301);
    // The next window starts empty.
    client.isEnabled('all-in', 'u0');
    await client.flush();
    expect(unitsOf(bodies(server)[1])).toEqual({ 'all-in/on': [unitId('u0')] });
  });

  it('lists at most UNIT_LIMITS.perVariant units per variant and window, counting the distinct rest in more', async () => {
    const { server, client } = await unitSetup();
    const n = UNIT_LIMITS.perVariant + 50;
    for (let round = 0; round < 2; round++) for (let i = 0; i < n; i++) client.isEnabled('all-in', `u${i}`);
    await client.flush();
    const [summary] = bodies(server)[0]!.units!;
    expect(summary!.units).toHaveLength(UNIT_LIMITS.perVariant);
    expect(new Set(summary!.units).size).toBe(UNIT_LIMITS.perVariant);
    // An estimate past the bound (units colliding in its bitmap count once): about 50, never more.
    expect(summary!.more).toBeGreaterThanOrEqual(48);
    expect(summary!.more).toBeLessThanOrEqual(50);
  });

  it('splits unit summaries across requests, within what the server takes and a bounded body size', async () => {
    const flags = Array.from({ length: 6 }, (_, i) => booleanFlag(`wide-${i}`, { fallthrough: percentRollout(100) }));
    const { server, client } = await unitSetup({ maxQueue: 20_000 }, ...flags);
    for (const f of flags) for (let i = 0; i < UNIT_LIMITS.perVariant; i++) client.isEnabled(f.key, `u${i}`);
    await client.flush();
    const sent = bodies(server);
    expect(sent.length).toBeGreaterThan(1);
    for (const b of sent) {
      expect((b.units ?? []).reduce((n, u) => n + u.units.length, 0)).toBeLessThanOrEqual(UNITS_PER_REQUEST);
      expect((b.units ?? []).length).toBeLessThanOrEqual(UNIT_LIMITS.summaries);
    }
    expect(sent.flatMap((b) => (b.units ?? []).map((u) => u.flag)).sort()).toEqual(flags.map((f) => f.key));
  });

  it('keeps the units of a failed upload and merges them into the next window', async () => {
    const { server, client } = await unitSetup();
    server.overrides.events = { status: 503 };
    client.isEnabled('all-in', 'a');
    client.isEnabled('all-in', 'b');
    await client.flush();
    client.isEnabled('all-in', 'b');
    client.isEnabled('all-in', 'c');
    await client.flush();
    expect(server.eventBodies).toHaveLength(0);
    delete server.overrides.events;
    await client.flush();
    expect(unitsOf(bodies(server)[0])).toEqual({ 'all-in/on': ['a', 'b', 'c'].map(unitId).sort() });
  });

  it('drops the units of a batch the server refuses', async () => {
    const { server, client } = await unitSetup();
    server.overrides.events = { status: 400 };
    client.isEnabled('all-in', 'a');
    await client.flush();
    delete server.overrides.events;
    client.isEnabled('checkout', 'a');
    await client.flush();
    expect(bodies(server)[0]!.units).toBeUndefined();
  });

  it('bounds the number of flags whose units are recorded by maxQueue', async () => {
    const flags = Array.from({ length: 5 }, (_, i) => booleanFlag(`wide-${i}`, { fallthrough: percentRollout(100) }));
    const { server, client } = await unitSetup({ maxQueue: 3 }, ...flags);
    for (const f of flags) client.isEnabled(f.key, 'u');
    await client.flush();
    expect(bodies(server)[0]!.units!.map((u: UnitSummary) => u.flag)).toEqual(['wide-0', 'wide-1', 'wide-2']);
  });

  it('stops sending units to a server that refuses them (one older than unit summaries), resending the batch without', async () => {
    server = await startProtocolServer({ snapshot: snapshotOf(1, booleanFlag('all-in', { fallthrough: percentRollout(100) })) });
    const protocol = server;
    const posted: EventsPayload[] = [];
    // What a server before unit summaries answers: 400 for a batch with a property it doesn't know.
    const older: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/api/sdk/events')) {
        const body = JSON.parse(String(init!.body)) as EventsPayload;
        posted.push(body);
        if (body.units !== undefined || body.events.some((e) => e.units !== undefined)) return new Response('{}', { status: 400 });
      }
      return globalThis.fetch(input, init);
    };
    const logger = memoryLogger();
    const client = createClient({ url: protocol.url, key: protocol.key, fetch: older, logger, events: { flushInterval: 60_000 } });
    clients.push(client);
    await client.ready(2_000);
    client.isEnabled('all-in', 'u1');
    client.track('$error', 'u1');
    await client.flush();
    expect(posted.map((b) => [b.units?.length, b.events[0]?.units])).toEqual([
      [1, { 'all-in': unitId('u1') }],
      [undefined, undefined],
    ]);
    // The batch itself got through: its count and its event.
    expect(bodies(protocol)).toEqual([expect.objectContaining({ evaluations: [expect.objectContaining({ flag: 'all-in', count: 1 })] })]);
    expect(bodies(protocol)[0]!.events.map((e) => e.name)).toEqual(['$error']);
    client.isEnabled('all-in', 'u2');
    client.track('$error', 'u2');
    await client.flush();
    expect(posted).toHaveLength(3);
    expect(posted[2]!.units).toBeUndefined();
    expect(posted[2]!.events[0]!.units).toBeUndefined();
  });

  it('attaches to a tracked event the unit of each flag in its variants that it can be bucketed on', async () => {
    const { server, client } = await unitSetup();
    client.track('$error', { userId: 'u1', accountId: 'acme' });
    client.track('$error', { accountId: 'acme' });
    await client.flush();
    const [withUser, withoutUser] = bodies(server)[0]!.events;
    expect(Object.keys(withUser!.variants!).sort()).toEqual(['all-in', 'by-account', 'ramp', 'rule-split']);
    expect(withUser!.units).toEqual({
      'all-in': unitId('u1'),
      'by-account': unitId('acme'),
      ramp: unitId('u1'),
      'rule-split': unitId('u1'),
    });
    // Without a userId, only the flag bucketed by accountId has a unit (the others serve off).
    expect(withoutUser!.units).toEqual({ 'by-account': unitId('acme') });
  });
});

// The recorder on its own, on a clock that moves only when told to: what is asserted is
// when the next upload is scheduled and whether an upload starts (fetch is called in the
// same tick the timer fires), never how long anything took.
describe('upload scheduling', () => {
  const recorders: EventRecorder[] = [];
  afterEach(async () => {
    await Promise.all(recorders.splice(0).map((r) => r.close(0)));
  });

  async function recorderSetup(settings: { flushInterval?: number; maxBatch?: number } = {}) {
    server = await startProtocolServer({ snapshot: snapshotOf(1) });
    const clock: ManualClock = manualClock();
    const errors: SwitchboardError[] = [];
    const uploads = { started: 0 };
    const counting: typeof fetch = (input, init) => {
      uploads.started++;
      return globalThis.fetch(input, init);
    };
    const recorder = new EventRecorder({
      url: server.url,
      key: server.key,
      fetch: counting,
      clock,
      logger: memoryLogger(),
      timeout: 10_000,
      flushInterval: settings.flushInterval ?? 10_000,
      maxBatch: settings.maxBatch ?? 1_000,
      maxQueue: 10_000,
      onError: (e) => errors.push(e),
    });
    recorders.push(recorder);
    return { server, clock, errors, uploads, recorder };
  }

  const event = (name: string) => ({ name, userId: 'u', timestamp: 1_767_225_600_000 });

  it.each([
    ['429', 429, '120', 120_000],
    ['503', 503, '120', 120_000],
    ['429 asking for an hour (capped at the longest flush backoff)', 429, '3600', 300_000],
  ])('after a %s with Retry-After, waits that long before the next upload', async (_name, status, retryAfter, wait) => {
    const { server, clock, errors, uploads, recorder } = await recorderSetup();
    server.overrides.events = { status, headers: { 'retry-after': retryAfter } };
    recorder.track(event('e'));
    clock.advance(10_000); // the interval flush
    expect(uploads.started).toBe(1);
    await recorder.flush(); // the same run: resolves after the timer scheduled the next one
    expect(errors.map((e) => [e.code, e.status])).toEqual([['EVENTS', status]]);
    // Without Retry-After the next try would be one doubled interval (20 s) away.
    expect(clock.pending()).toEqual([wait]);
    clock.advance(wait - 1);
    expect(uploads.started).toBe(1);
    delete server.overrides.events;
    clock.advance(1);
    expect(uploads.started).toBe(2);
    await recorder.flush();
    expect(bodies(server).flatMap((b) => b.events.map((e) => e.name))).toEqual(['e']);
    // Accepted: back to the plain interval.
    expect(clock.pending()).toEqual([10_000]);
  });

  it('holds the interval flush back when an explicit flush() was told to wait', async () => {
    const { server, clock, uploads, recorder } = await recorderSetup();
    server.overrides.events = { status: 429, headers: { 'retry-after': '120' } };
    recorder.track(event('e'));
    await recorder.flush(); // explicit: sent at once, answered 429
    expect(uploads.started).toBe(1);
    clock.advance(10_000); // the interval timer set before the 429
    expect(uploads.started).toBe(1);
    expect(clock.pending()).toEqual([110_000]);
    delete server.overrides.events;
    clock.advance(110_000);
    expect(uploads.started).toBe(2);
  });

  it('close() clears the flush a full batch scheduled, so no upload starts after close', async () => {
    const { server, clock, uploads, recorder } = await recorderSetup({ maxBatch: 2 });
    recorder.track(event('a'));
    recorder.track(event('b')); // a full batch: an early flush is scheduled
    expect(clock.pending()).toContain(0);
    await recorder.close(1_000);
    expect(uploads.started).toBe(1);
    expect(bodies(server).flatMap((b) => b.events.map((e) => e.name))).toEqual(['a', 'b']);
    expect(clock.pending()).toEqual([]);
    recorder.count('evaluated-after-close', 'on'); // dropped and counted, as after any close
    clock.advance(1_000_000);
    expect(uploads.started).toBe(1);
  });
});
