/**
 * Stale flags end to end on real Postgres and Redis, two instances: SDK batches feed the
 * usage table, flag answers carry `staleness`, `?stale=` filters in the database with the
 * same rule, and `flag.stale` reaches a real webhook receiver once per transition however
 * many instances check at once. History is made by backdating a flag's creation and the
 * start of tracking (days nobody waits for) and by reporting evaluations in the past.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { FlagList, FlagStaleness } from '@switchboard/api-contract';
import { buildApp, type App } from '../../app.js';
import type { Database } from '../../db/client.js';
import { flagLifecycle, flagVariantUsage, flags, webhookDeliveries } from '../../db/schema/index.js';
import { testConfig } from '../../test-support/app.js';
import { checkResponses } from '../../test-support/response-contract.js';
import { bearer } from '../../test-support/app.js';
import { createFlag, createKey, http as httpOf, ifMatch, type Http } from '../../test-support/http.js';
import { staleCondition } from './store.js';

const DAY = 24 * 3_600_000;
const HOUR = 3_600_000;

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
const apps: App[] = [];
let a: App;
let b: App;
let api: Http;
let apiB: Http;
let db: Database;
let receiver: { url: string; bodies: { body: string; headers: http.IncomingHttpHeaders }[]; close(): Promise<void> };
let secret: string;
const keys: Record<string, string> = {};

async function startReceiver(): Promise<typeof receiver> {
  const bodies: { body: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reports evaluations as an SDK would: `count` of `variant` in a 10 s window ending at `at`. */
async function report(env: string, flag: string, variant: string | null, at: number, target: Http = api): Promise<void> {
  const res = await target.post(
    '/api/sdk/events',
    {
      sdk: { name: 'stale-test', version: '1' },
      evaluations: [{ flag, variant, count: 3, windowStart: at - 10_000, windowEnd: at }],
      events: [],
    },
    { headers: bearer(keys[env]!) },
  );
  expect(res.statusCode, res.body).toBe(202);
  expect(res.json()).toMatchObject({ accepted: { evaluations: 1 } });
}

async function staleness(key: string, target: Http = api): Promise<FlagStaleness> {
  const res = await target.get(`/api/admin/flags/${key}/staleness`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** `flag.stale` payloads the receiver got, verified with the webhook's secret. */
function staleEvents(): { flagKey: string; status: string; [k: string]: unknown }[] {
  const verifier = new Webhook(secret);
  return receiver.bodies
    .map((d) => verifier.verify(d.body, d.headers as Record<string, string>) as { type: string; data: { flagKey: string; status: string } })
    .filter((p) => p.type === 'flag.stale')
    .map((p) => p.data);
}

beforeAll(async () => {
  [pg, redis, receiver] = await Promise.all([startPostgres({ fast: true }), startRedis(), startReceiver()]);
  const databaseUrl = await pg.createDatabase('stale_flags');
  const start = async () => {
    const app = await buildApp(
      testConfig({
        databaseUrl,
        redisUrl: redis!.url,
        dbConnectTimeoutMs: 10_000,
        webhookAllowPrivate: true,
        webhookPollIntervalMs: 25,
        // The periodic check runs on its own too (every second), beside the explicit ones below: it must not double anything.
        staleCheckIntervalMs: 1000,
      }),
      { logger: false },
    );
    checkResponses(app);
    await app.ready();
    apps.push(app);
    return app;
  };
  [a, b] = await Promise.all([start(), start()]);
  api = httpOf(a);
  apiB = httpOf(b);
  db = a.database.db as Database;
  const hook = await api.post('/api/admin/webhooks', { url: `${receiver.url}/stale`, events: ['flag.stale'] });
  expect(hook.statusCode, hook.body).toBe(201);
  secret = hook.json().secret;
  keys.production = (await createKey(api, 'server', 'production')).key;
  keys.staging = (await createKey(api, 'server', 'staging')).key;

  await createFlag(api, 'launched-flag');
  await createFlag(api, 'split-flag');
  await createFlag(api, 'quiet-flag');
  await createFlag(api, 'kept-flag', { temporary: false });
  await createFlag(api, 'young-flag');
  // Tracking starts now (every flag `new`); each test's history is made below.
  await a.staleFlags.check();
  // Both instances must serve the new flags before they accept evaluations of them.
  await until(
    async () => (await apiB.get('/api/sdk/flags', { headers: bearer(keys.production!) })).body.includes('young-flag'),
    'B to load',
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(apps.map((x) => x.close()));
  await Promise.all([pg?.stop(), redis?.stop(), receiver?.close()]);
});

describe('stale flags on two instances', () => {
  it('records per environment when each variant was last served, from SDK batches on either instance', async () => {
    const now = Date.now();
    await report('production', 'launched-flag', 'off', now - 19 * DAY);
    await report('production', 'launched-flag', 'on', now - 2 * HOUR);
    await report('production', 'launched-flag', 'on', now - 1 * HOUR, apiB);
    await report('staging', 'launched-flag', 'on', now - 2 * DAY, apiB);
    await report('production', 'split-flag', 'on', now - HOUR);
    await report('production', 'split-flag', 'off', now - HOUR);
    await report('production', 'quiet-flag', 'on', now - 16 * DAY);
    await report('production', 'kept-flag', 'on', now - HOUR);
    await report('production', 'young-flag', 'on', now - HOUR);
    // Twenty days of history for all but young-flag: created then, and tracked since then. Only now can the
    // checks running every second on their own see anything stale.
    const old = ['launched-flag', 'split-flag', 'quiet-flag', 'kept-flag'];
    await db
      .update(flags)
      .set({ createdAt: sql`now() - interval '20 days'` })
      .where(inArray(flags.key, old));
    const ids = db.select({ id: flags.id }).from(flags).where(inArray(flags.key, old));
    await db
      .update(flagLifecycle)
      .set({ trackedSince: sql`now() - interval '20 days'` })
      .where(inArray(flagLifecycle.flagId, ids));

    const minute = (t: number) => new Date(Math.floor(t / 60_000) * 60_000).toISOString();
    const launched = await staleness('launched-flag', apiB);
    expect(launched).toEqual({
      stale: true,
      status: 'launched',
      staleAfterDays: 14,
      staleAfterDaysOverride: null,
      staleSince: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      lastEvaluatedAt: minute(now - HOUR),
      environments: {
        production: { lastEvaluatedAt: minute(now - HOUR), variantsServed: ['on'] },
        staging: { lastEvaluatedAt: minute(now - 2 * DAY), variantsServed: ['on'] },
      },
    });
    // Bounded: one row per flag, environment and variant however many batches arrive.
    const rows = await db.select().from(flagVariantUsage).where(eq(flagVariantUsage.flagKey, 'launched-flag'));
    expect(rows).toHaveLength(3);
    const off = rows.find((r) => r.variant === 'off')!;
    expect(off.lastSeen.toISOString()).toBe(minute(now - 19 * DAY));

    expect(await staleness('split-flag')).toMatchObject({
      stale: false,
      status: 'active',
      environments: { production: { variantsServed: ['off', 'on'] } },
    });
    expect(await staleness('quiet-flag')).toMatchObject({
      stale: true,
      status: 'inactive',
      environments: { production: { variantsServed: [] } },
    });
    expect(await staleness('kept-flag')).toMatchObject({ stale: false, status: 'launched' });
    expect(await staleness('young-flag')).toMatchObject({ stale: false, status: 'new' });
  });

  it('answers staleness on flag reads and filters the list with ?stale= in the database by the same rule', async () => {
    const one = await api.get('/api/admin/flags/launched-flag');
    expect(one.statusCode).toBe(200);
    expect(one.json().staleness).toMatchObject({ stale: true, status: 'launched' });

    const all = (await api.get('/api/admin/flags')).json() as FlagList;
    const computed = all.flags.filter((f) => f.staleness!.stale).map((f) => f.key);
    expect(computed).toEqual(['launched-flag', 'quiet-flag']);
    const stale = (await api.get('/api/admin/flags?stale=true')).json() as FlagList;
    expect(stale.flags.map((f) => f.key)).toEqual(computed);
    const fresh = (await apiB.get('/api/admin/flags?stale=false&environment=production')).json() as FlagList;
    expect(fresh.flags.map((f) => f.key)).toEqual(['kept-flag', 'split-flag', 'young-flag']);
    const paged = (await api.get('/api/admin/flags?stale=true&limit=1')).json() as FlagList;
    expect(paged).toMatchObject({ total: 2, flags: [{ key: 'launched-flag' }] });
    // The SQL condition, read directly, picks the same flags.
    const bySql = await db.select({ key: flags.key }).from(flags).where(staleCondition(new Date(), 14)).orderBy(flags.key);
    expect(bySql.map((r) => r.key)).toEqual(computed);
    expect((await api.get('/api/admin/flags?stale=maybe')).statusCode).toBe(400);
  });

  it('sends flag.stale once per transition, however many instances check at once', async () => {
    await Promise.all([a.staleFlags.check(), b.staleFlags.check(), a.staleFlags.check(), b.staleFlags.check()]);
    await Promise.all([a.staleFlags.check(), b.staleFlags.check()]);
    await until(() => staleEvents().length >= 2, 'two flag.stale deliveries');
    await new Promise((r) => setTimeout(r, 300));
    const events = staleEvents();
    expect(events.map((e) => e.flagKey).sort()).toEqual(['launched-flag', 'quiet-flag']);
    expect(events.find((e) => e.flagKey === 'launched-flag')).toMatchObject({
      environment: null,
      status: 'launched',
      staleAfterDays: 14,
      environments: { production: { variantsServed: ['on'] }, staging: { variantsServed: ['on'] } },
    });
    const rows = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventType, 'flag.stale'));
    expect(rows).toHaveLength(2);
    expect((await staleness('quiet-flag')).staleSince).toEqual(expect.any(String));
  });

  it("takes a flag's own threshold in days (fractions too), versioned and audited, and judges by it", async () => {
    const flag = (await api.get('/api/admin/flags/split-flag')).json();
    const put = (body: unknown, version = flag.version) => api.put('/api/admin/flags/split-flag/staleness', body, ifMatch(version));
    expect((await put({ staleAfterDays: 0 })).statusCode).toBe(400);
    expect((await put({ staleAfterDays: -1 })).json().error.field).toBe('staleAfterDays');
    expect((await put({ staleAfterDays: '30' })).statusCode).toBe(400);
    expect((await put({ staleAfterDays: 30, extra: 1 })).statusCode).toBe(400);
    expect((await put({ staleAfterDays: 1 }, flag.version + 5)).statusCode).toBe(412);
    expect((await api.put('/api/admin/flags/split-flag/staleness', { staleAfterDays: 1 })).statusCode).toBe(428);
    expect((await api.put('/api/admin/flags/nope/staleness', { staleAfterDays: 1 }, ifMatch(1))).statusCode).toBe(404);
    expect(await staleness('split-flag')).toMatchObject({ stale: false, staleAfterDaysOverride: null });

    // Half an hour: the 'off' served an hour ago falls out of the window once 'on' is served again.
    await report('production', 'split-flag', 'on', Date.now() - 5 * 60_000);
    const res = await put({ staleAfterDays: 1 / 48 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe(`"${flag.version + 1}"`);
    expect(res.json()).toMatchObject({ stale: true, status: 'launched', staleAfterDays: 1 / 48, staleAfterDaysOverride: 1 / 48 });
    const audit = (await api.get('/api/admin/audit?flag=split-flag&limit=1')).json().events[0];
    expect(audit).toMatchObject({ action: 'flag.update', before: { staleAfterDays: null }, after: { staleAfterDays: 1 / 48 } });
    expect((await api.get('/api/admin/flags?stale=true')).json().flags.map((f: { key: string }) => f.key)).toContain('split-flag');
    await b.staleFlags.check();
    await until(() => staleEvents().some((e) => e.flagKey === 'split-flag'), 'flag.stale for split-flag');

    // Back to the server's 14 days: active again, so the mark is cleared and a later transition is announced anew.
    const back = await put({ staleAfterDays: null }, flag.version + 1);
    expect(back.json()).toMatchObject({ stale: false, status: 'active', staleAfterDays: 14, staleAfterDaysOverride: null });
    await a.staleFlags.check();
    expect((await staleness('split-flag')).staleSince).toBeNull();
  });

  it('clears the mark when a stale flag serves another variant again, and never marks permanent or archived flags', async () => {
    await report('staging', 'launched-flag', 'off', Date.now() - 60_000);
    await b.staleFlags.check();
    expect(await staleness('launched-flag')).toMatchObject({ stale: false, status: 'active', staleSince: null });
    const lifecycle = await db
      .select()
      .from(flagLifecycle)
      .innerJoin(flags, eq(flags.id, flagLifecycle.flagId))
      .where(and(eq(flags.key, 'kept-flag')));
    expect(lifecycle[0]!.flag_lifecycle.staleSince).toBeNull();
    expect(staleEvents().filter((e) => e.flagKey === 'launched-flag')).toHaveLength(1);
  });
});
