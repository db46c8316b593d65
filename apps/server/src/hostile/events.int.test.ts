/**
 * `POST /api/sdk/events` against a hostile holder of a public client key, on real
 * Postgres 15 and Redis (two instances where the bound is shared): made-up flags, variants and event names can't grow the database; one bad
 * entry doesn't cost a batch its good ones; counters saturate instead of overflowing; and
 * one client IP flooding the endpoint doesn't lock the other users of its key out.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from '../app.js';
import { testApp } from '../test-support/app.js';
import { createFlag, createKey, http, patchConfig, type Http } from '../test-support/http.js';
import { holdLock } from '../test-support/pg-lock.js';

const SDK = { name: '@switchboard/browser', version: '0.1.0' };
const EVENTS = '/api/sdk/events';
const MINUTE = 60_000;
/** Where a bigint counter overflows: 2^63 − 1. */
const BIGINT_MAX = '9223372036854775807';
const PER_IP = 120;
const PER_KEY = 300;

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let databaseUrl: string;
let app: App;
/** A second instance on the same Postgres and Redis. */
let other: App;
let api: Http;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  databaseUrl = await pg.createDatabase('hostile_events');
  const config = {
    databaseUrl,
    redisUrl: redis.url,
    sdkEventsRateLimitPerMinute: PER_IP,
    sdkEventsKeyRateLimitPerMinute: PER_KEY,
    // inject() comes from 127.0.0.1: X-Forwarded-For then says which client it stands for.
    trustProxy: ['127.0.0.1'],
    dbStatementTimeoutMs: 1500,
  };
  app = await testApp(config);
  other = await testApp(config);
  api = http(app);
});

afterAll(async () => {
  await Promise.all([app?.close(), other?.close()]);
  await Promise.all([pg?.stop(), redis?.stop()]);
});

/** Waits until the second instance's snapshot of `environment` has caught up with the first's. */
async function otherCaughtUp(environment: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  const revision = () => app.delivery.views.get(environment)?.revision;
  while (other.delivery.views.get(environment)?.revision !== revision()) {
    if (Date.now() > deadline) throw new Error(`the second instance never caught up with ${environment}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Evaluation {
  flag: string;
  variant: string | null;
  count: number;
  windowStart: number;
  windowEnd: number;
}

const evaluation = (flag: string, variant: string | null, count = 1, at = Date.now() - 1000): Evaluation => ({
  flag,
  variant,
  count,
  windowStart: at - 10_000,
  windowEnd: at,
});
const batch = (parts: { evaluations?: unknown[]; events?: unknown[]; dropped?: { events: number; evaluations: number } }) => ({
  sdk: SDK,
  evaluations: parts.evaluations ?? [],
  events: parts.events ?? [],
  ...(parts.dropped ? { dropped: parts.dropped } : {}),
});

async function rows(query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const result = await app.database.db.execute(query);
  return Array.isArray(result) ? result : (result as unknown as { rows: Record<string, unknown>[] }).rows;
}

async function environmentId(key: string): Promise<number> {
  const [row] = await rows(sql`select id from environments where key = ${key}`);
  return Number(row!.id);
}

/** Rows each events table holds for one environment. */
async function rowCounts(environment: string): Promise<{ evaluations: number; events: number }> {
  const id = await environmentId(environment);
  const [e] = await rows(sql`select count(*)::int as n from evaluation_counts where environment_id = ${id}`);
  const [t] = await rows(sql`select count(*)::int as n from event_counts where environment_id = ${id}`);
  return { evaluations: Number(e!.n), events: Number(t!.n) };
}

async function droppedIn(environment: string): Promise<{ events: number; evaluations: number }> {
  const now = Date.now();
  const res = await api.get(
    `/api/admin/flags/any/environments/${environment}/metrics?from=${new Date(now - 60 * MINUTE).toISOString()}&to=${new Date(now + 2 * MINUTE).toISOString()}`,
  );
  expect(res.statusCode).toBe(200);
  return res.json().dropped;
}

/** A new environment with a client-side flag `web` (variants on/off), a server-only flag `backend` and a client key. */
async function environment(name: string): Promise<{ key: string }> {
  expect((await api.post('/api/admin/environments', { key: name })).statusCode).toBe(201);
  const web = `${name}-web`;
  const backend = `${name}-backend`;
  await createFlag(api, web, { clientSide: true });
  await createFlag(api, backend);
  for (const flag of [web, backend]) expect((await patchConfig(api, flag, name, { enabled: true })).statusCode).toBe(200);
  return createKey(api, 'client', name);
}

describe('made-up flags, variants and event names', () => {
  it('counts only flags and variants of the environment the key can see; the rest adds to one dropped counter', async () => {
    const { key } = await environment('ev-made-up');
    const madeUp = Array.from({ length: 2000 }, (_, i) => evaluation(`fake-${i}`, 'on', 3));
    const fakeVariants = Array.from({ length: 2000 }, (_, i) => evaluation('ev-made-up-web', `v${i}`, 2));
    const res = await api.post(
      EVENTS,
      batch({ evaluations: [evaluation('ev-made-up-web', 'on', 5), evaluation('ev-made-up-web', null, 1), ...madeUp, ...fakeVariants] }),
      { key },
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: { evaluations: 2, events: 0 }, dropped: { evaluations: 4000, events: 0 } });
    expect(await rowCounts('ev-made-up')).toEqual({ evaluations: 2, events: 0 });
    // The environment's dropped counter adds what was dropped, in evaluations.
    expect(await droppedIn('ev-made-up')).toEqual({ events: 0, evaluations: 2000 * 3 + 2000 * 2 });
  });

  it("a client key can't report a server-only flag, in counts or in the variants an event is attributed to", async () => {
    const { key } = await environment('ev-server-only');
    const now = Date.now() - 1000;
    const res = await api.post(
      EVENTS,
      batch({
        evaluations: [evaluation('ev-server-only-backend', 'on', 7), evaluation('ev-server-only-web', 'off', 4)],
        events: [
          {
            name: 'checkout',
            timestamp: now,
            variants: { 'ev-server-only-backend': 'on', 'ev-server-only-web': 'off', 'no-such-flag': 'on' },
          },
        ],
      }),
      { key },
    );
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: { evaluations: 1, events: 1 }, dropped: { evaluations: 1, events: 0 } });
    const flagsInRows = await rows(
      sql`select distinct flag_key from evaluation_counts where environment_id = ${await environmentId('ev-server-only')} union select distinct flag_key from event_counts where environment_id = ${await environmentId('ev-server-only')} order by 1`,
    );
    expect(flagsInRows.map((r) => r.flag_key)).toEqual(['', 'ev-server-only-web']);
    expect(await droppedIn('ev-server-only')).toEqual({ events: 0, evaluations: 7 });
  });

  it('stores at most eventsMaxEventNames distinct event names per environment; events with newer names are dropped', async () => {
    const { key } = await environment('ev-names');
    const now = Date.now() - 1000;
    const named = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `name-${from + i}`, timestamp: now }));
    const first = await api.post(EVENTS, batch({ events: named(0, 400) }), { key });
    expect(first.json()).toMatchObject({ accepted: { events: 400 }, dropped: { events: 0 } });
    // 100 more names fit, 50 don't; names already stored still count.
    const second = await api.post(EVENTS, batch({ events: [...named(400, 150), ...named(0, 10)] }), { key });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ accepted: { events: 110 }, dropped: { events: 50 } });
    const third = await api.post(EVENTS, batch({ events: [...named(1000, 1), ...named(499, 1)] }), { key });
    expect(third.json()).toMatchObject({ accepted: { events: 1 }, dropped: { events: 1 } });
    const [names] = await rows(
      sql`select count(distinct event_name)::int as n from event_counts where environment_id = ${await environmentId('ev-names')}`,
    );
    expect(Number(names!.n)).toBe(500);
    expect(await droppedIn('ev-names')).toEqual({ events: 51, evaluations: 0 });
  });

  it('holds the event-name bound across instances: names stored through one count against the other', async () => {
    const { key } = await environment('ev-names-shared');
    await otherCaughtUp('ev-names-shared');
    const now = Date.now() - 1000;
    const named = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `shared-${from + i}`, timestamp: now }));
    const viaFirst = await api.post(EVENTS, batch({ events: named(0, 450) }), { key });
    expect(viaFirst.json()).toMatchObject({ accepted: { events: 450 }, dropped: { events: 0 } });
    const viaSecond = await http(other).post(
      EVENTS,
      batch({ events: [...named(450, 100), ...named(0, 5)], evaluations: [evaluation('ev-names-shared-web', 'on', 2)] }),
      { key },
    );
    expect(viaSecond.statusCode).toBe(202);
    expect(viaSecond.json()).toMatchObject({ accepted: { events: 55, evaluations: 1 }, dropped: { events: 50 } });
    const [names] = await rows(
      sql`select count(distinct event_name)::int as n from event_counts where environment_id = ${await environmentId('ev-names-shared')}`,
    );
    expect(Number(names!.n)).toBe(500);
  });
});

describe('how far back', () => {
  it('a client key can report only the last day; a server key the whole retention', async () => {
    const { key } = await environment('ev-age');
    const serverKey = (await createKey(api, 'server', 'ev-age')).key;
    const twoDaysAgo = Date.now() - 2 * 24 * 60 * MINUTE;
    const old = batch({
      evaluations: [evaluation('ev-age-web', 'on', 3, twoDaysAgo)],
      events: [{ name: 'old-purchase', timestamp: twoDaysAgo }],
    });
    const fromClient = await api.post(EVENTS, old, { key });
    expect(fromClient.statusCode).toBe(202);
    expect(fromClient.json()).toMatchObject({ accepted: { evaluations: 0, events: 0 }, expired: { evaluations: 1, events: 1 } });
    expect(await rowCounts('ev-age')).toEqual({ evaluations: 0, events: 0 });
    const fromServer = await api.post(EVENTS, old, { key: serverKey });
    expect(fromServer.json()).toMatchObject({ accepted: { evaluations: 1, events: 1 }, expired: { evaluations: 0, events: 0 } });
    // A recent window from the client key still counts.
    const recent = await api.post(EVENTS, batch({ evaluations: [evaluation('ev-age-web', 'on', 2)] }), { key });
    expect(recent.json()).toMatchObject({ accepted: { evaluations: 1 } });
  });
});

describe('one bad entry', () => {
  it('costs only itself: 202, the good entries stored, the bad ones listed with why', async () => {
    const { key } = await environment('ev-one-bad');
    const now = Date.now() - 1000;
    const good = () => evaluation('ev-one-bad-web', 'on', 1);
    const evaluations = [
      ...Array.from({ length: 500 }, good),
      evaluation('f'.repeat(257), 'on', 1),
      evaluation('ev-one\u0001bad', 'on', 1),
      { ...good(), count: 1e16 },
      { ...good(), extra: true },
      ...Array.from({ length: 500 }, good),
    ];
    const event = { name: 'ok', timestamp: now, variants: { 'ev-one-bad-web': 'on' } };
    const events = [
      event,
      { ...event, name: 'n'.repeat(201) },
      { ...event, userId: 'u'.repeat(513) },
      { ...event, value: 1e16 },
      { ...event, timestamp: now + 60 * MINUTE },
      'not an event',
      event,
    ];
    const res = await api.post(EVENTS, batch({ evaluations, events }), { key });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ accepted: { evaluations: 1000, events: 2 }, invalid: { evaluations: 4, events: 5 } });
    expect(body.rejected.map((r: { path: string }) => r.path)).toEqual([
      '/evaluations/500/flag',
      '/evaluations/501/flag',
      '/evaluations/502/count',
      '/evaluations/503/extra',
      '/events/1/name',
      '/events/2/userId',
      '/events/3/value',
      '/events/4/timestamp',
      '/events/5',
    ]);
    for (const r of body.rejected) expect(r.reason).toMatch(/\w/);
    const metrics = (
      await api.get(
        `/api/admin/flags/ev-one-bad-web/environments/ev-one-bad/metrics?from=${new Date(now - 60 * MINUTE).toISOString()}&to=${new Date(now + 2 * MINUTE).toISOString()}`,
      )
    ).json();
    expect(metrics.total).toBe(1000);
  });

  it('lists at most 20 rejections however many entries are bad', async () => {
    const { key } = await environment('ev-many-bad');
    const res = await api.post(EVENTS, batch({ evaluations: Array.from({ length: 5000 }, () => evaluation('x'.repeat(300), 'on')) }), {
      key,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().rejected).toHaveLength(20);
    expect(res.json().invalid).toEqual({ evaluations: 5000, events: 0 });
  });

  it('still refuses a malformed envelope with 400', async () => {
    const { key } = await environment('ev-envelope');
    for (const body of [[], { sdk: SDK, evaluations: [] }, { ...batch({}), evaluations: Array.from({ length: 10_001 }, () => 1) }]) {
      const res = await api.post(EVENTS, body, { key });
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });
});

describe('counters', () => {
  it('saturate instead of overflowing: a row at 2^63 − 1 still takes batches, from any key', async () => {
    const { key } = await environment('ev-saturate');
    const other = await createKey(api, 'server', 'ev-saturate');
    const at = Date.now() - 1000;
    const huge = () => evaluation('ev-saturate-web', 'on', 1e12, at);
    expect(
      (
        await api.post(
          EVENTS,
          batch({ evaluations: [huge()], events: [{ name: 'buy', timestamp: at }], dropped: { events: 1, evaluations: 1 } }),
          { key },
        )
      ).statusCode,
    ).toBe(202);
    // Where the attack left the rows before counters saturated.
    const id = await environmentId('ev-saturate');
    await rows(sql`update evaluation_counts set count = ${BIGINT_MAX}::bigint where environment_id = ${id}`);
    await rows(sql`update event_counts set count = ${BIGINT_MAX}::bigint where environment_id = ${id}`);
    await rows(
      sql`update event_drops set events = ${BIGINT_MAX}::bigint, evaluations = ${BIGINT_MAX}::bigint where environment_id = ${id}`,
    );
    for (const k of [key, other.key, key]) {
      const res = await api.post(
        EVENTS,
        batch({
          evaluations: Array.from({ length: 1000 }, huge),
          events: [{ name: 'buy', timestamp: at }],
          dropped: { events: 1e12, evaluations: 1e12 },
        }),
        { key: k },
      );
      expect(res.statusCode, res.body).toBe(202);
    }
    const [counts] = await rows(sql`select max(count)::text as max from evaluation_counts where environment_id = ${id}`);
    const [events] = await rows(sql`select max(count)::text as max from event_counts where environment_id = ${id}`);
    const [drops] = await rows(
      sql`select max(events)::text as events, max(evaluations)::text as evaluations from event_drops where environment_id = ${id}`,
    );
    // Saturated at the largest count JavaScript holds exactly, which every reader can add up.
    const cap = String(Number.MAX_SAFE_INTEGER);
    expect([counts!.max, events!.max, drops!.events, drops!.evaluations]).toEqual([cap, cap, cap, cap]);
  });
});

describe('rate limits', () => {
  it('one IP flooding a key gets 429; other IPs on the same key keep sending', async () => {
    const { key } = await environment('ev-flood');
    const from = (ip: string) => ({ key, headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < PER_IP + 5; i++) statuses.push((await api.post(EVENTS, batch({}), from('203.0.113.7'))).statusCode);
    expect(statuses.slice(0, PER_IP).every((s) => s === 202)).toBe(true);
    expect(statuses.slice(PER_IP)).toEqual([429, 429, 429, 429, 429]);
    const limited = await api.post(EVENTS, batch({}), from('203.0.113.7'));
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    const neighbour = await api.post(EVENTS, batch({ evaluations: [evaluation('ev-flood-web', 'on')] }), from('198.51.100.20'));
    expect(neighbour.statusCode).toBe(202);
    expect(neighbour.json().accepted.evaluations).toBe(1);
  });

  it('a key has a higher ceiling over all its IPs together', async () => {
    const { key } = await environment('ev-ceiling');
    const other = (await environment('ev-ceiling-other')).key;
    let accepted = 0;
    for (let ip = 1; ip <= 4; ip++) {
      for (let i = 0; i < 100; i++)
        if ((await api.post(EVENTS, batch({}), { key, headers: { 'x-forwarded-for': `192.0.2.${ip}` } })).statusCode === 202) accepted++;
    }
    expect(accepted).toBe(PER_KEY);
    // Another key is not affected.
    expect((await api.post(EVENTS, batch({}), { key: other, headers: { 'x-forwarded-for': '192.0.2.1' } })).statusCode).toBe(202);
  });

  it('an empty batch is answered 202 without touching the database', async () => {
    const { key } = await environment('ev-empty');
    // The key is known to this instance (cached) before the database is locked.
    expect((await api.get('/api/sdk/flags', { key })).statusCode).toBe(200);
    const lock = await holdLock(
      databaseUrl,
      'lock table environments, evaluation_counts, event_counts, event_drops in access exclusive mode',
    );
    try {
      const res = await api.post(EVENTS, batch({}), { key });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ accepted: { evaluations: 0, events: 0 } });
    } finally {
      await lock.release();
    }
  });
});
