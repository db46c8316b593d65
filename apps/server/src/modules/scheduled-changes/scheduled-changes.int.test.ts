/**
 * Scheduled changes on real Postgres and Redis: two instances apply each change exactly
 * once and within a second of runAt; a change held by an instance that dies mid-way is
 * applied by the other, once; changes due while every instance was down apply on start
 * within maxLatenessSec and expire past it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import { buildApp, type App } from '../../app.js';
import { testConfig } from '../../test-support/app.js';
import { configVersion, createFlag, createKey, http, type Http } from '../../test-support/http.js';
import type { Config } from '../../config.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
const apps: App[] = [];

const schedules = (flag: string, env = 'production') => `/api/admin/flags/${flag}/environments/${env}/scheduled-changes`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Scheduled {
  id: string;
  status: string;
  runAt: string;
  resolvedAt: string | null;
  appliedVersion: number | null;
  error: string | null;
}

async function start(config: Partial<Config>): Promise<App> {
  const app = await buildApp(testConfig({ schedulerSweepIntervalMs: 200, ...config }), { logger: false });
  await app.ready();
  apps.push(app);
  return app;
}

async function stop(app: App): Promise<void> {
  await app.close();
  apps.splice(apps.indexOf(app), 1);
}

async function all(api: Http): Promise<Scheduled[]> {
  return (await api.get('/api/admin/scheduled-changes?limit=500')).json().scheduledChanges;
}

async function untilSettled(api: Http, ids: string[], timeoutMs = 15_000): Promise<Map<string, Scheduled>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const byId = new Map((await all(api)).map((c) => [c.id, c]));
    if (ids.every((id) => byId.get(id)?.status !== 'pending')) return byId;
    if (Date.now() > deadline) throw new Error(`still pending: ${ids.filter((id) => byId.get(id)?.status === 'pending').join(', ')}`);
    await sleep(50);
  }
}

/** Audit rows written by scheduled change `id` that changed a config (its actor names the change). */
async function configWrites(api: Http, flag: string, id: string): Promise<{ at: string; action: string; revision: number }[]> {
  const events = (await api.get(`/api/admin/audit?flag=${flag}&limit=500`)).json().events as {
    at: string;
    actor: string;
    action: string;
    revision: number;
  }[];
  return events.filter((e) => e.actor.startsWith(`scheduled change ${id} `) && e.action.startsWith('config.'));
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('two instances on one Postgres and Redis', () => {
  let a: App;
  let b: App;
  let apiA: Http;
  let apiB: Http;
  let databaseUrl: string;

  beforeAll(async () => {
    databaseUrl = await pg!.createDatabase('scheduled_two');
    [a, b] = await Promise.all([start({ databaseUrl, redisUrl: redis!.url }), start({ databaseUrl, redisUrl: redis!.url })]);
    apiA = http(a);
    apiB = http(b);
  });

  it('apply each change exactly once, within a second of runAt, and it reaches SDKs on both', async () => {
    const flags = Array.from({ length: 6 }, (_, i) => `launch-${i}`);
    // Writes to one environment serialize on its lock: two environments let both instances work at once.
    const envOf = (i: number) => (i % 3 === 0 ? 'staging' : 'production');
    for (const flag of flags) await createFlag(apiA, flag);
    const runAt = new Date(Date.now() + 2500).toISOString();
    const ids: string[] = [];
    for (const [i, flag] of flags.entries()) {
      // Half made on each instance: each arms its own timer, and learns the other's by its sweep.
      const api = i % 2 === 0 ? apiA : apiB;
      const res = await api.post(schedules(flag, envOf(i)), { runAt, change: { enabled: true }, baseVersion: 1 });
      expect(res.statusCode).toBe(201);
      ids.push(res.json().id);
    }
    const settled = await untilSettled(apiA, ids);
    for (const [i, flag] of flags.entries()) {
      const change = settled.get(ids[i]!)!;
      expect(change).toMatchObject({ status: 'applied', appliedVersion: 2, error: null });
      const late = Date.parse(change.resolvedAt!) - Date.parse(change.runAt);
      expect(late, `${flag} applied ${late} ms after runAt`).toBeGreaterThanOrEqual(0);
      expect(late, `${flag} applied ${late} ms after runAt`).toBeLessThan(1000);
      expect(await configVersion(apiB, flag, envOf(i))).toBe(2);
      const writes = await configWrites(apiA, flag, ids[i]!);
      expect(writes).toHaveLength(1);
      expect(writes[0]!.action).toBe('config.enable');
    }
    // Both instances serve the new configs to SDKs (B through Redis or its own write).
    for (const env of ['production', 'staging']) {
      const { key } = await createKey(apiA, 'server', env);
      for (const api of [apiA, apiB]) {
        const snapshot = (await api.get('/api/sdk/flags', { key })).json();
        for (const [i, flag] of flags.entries()) {
          if (envOf(i) === env) expect(snapshot.flags[flag]).toMatchObject({ enabled: true, version: 2 });
        }
      }
    }
  });

  it('apply a change held by an instance that died mid-way once, on the other', async () => {
    await createFlag(apiA, 'orphaned');
    const runAt = Date.now() + 1000;
    const created = (await apiA.post(schedules('orphaned'), { runAt: new Date(runAt).toISOString(), change: { enabled: true } })).json();

    // A third "instance" claims it the way the scheduler does and stops there, its transaction open.
    const crashed = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    let claimed!: (pid: number) => void;
    const holding = new Promise<number>((r) => (claimed = r));
    const transaction = crashed
      .begin(async (tx) => {
        const [row] =
          await tx`select pg_backend_pid() as pid from scheduled_changes where id = ${created.id} and status = 'pending' for update skip locked`;
        claimed(row!.pid as number);
        await new Promise(() => {}); // never commits: the process dies
      })
      .catch(() => {});
    const pid = await holding;
    await sleep(runAt - Date.now() + 700);
    // A and B skipped it: neither waited on the lock nor wrote it a second time.
    expect((await all(apiA)).find((c) => c.id === created.id)!.status).toBe('pending');
    expect(await configVersion(apiA, 'orphaned', 'production')).toBe(1);

    // The instance dies: Postgres ends its session and rolls back its transaction.
    const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    await admin`select pg_terminate_backend(${pid})`;
    await admin.end({ timeout: 1 });
    await transaction;
    await crashed.end({ timeout: 0 });

    const settled = await untilSettled(apiB, [created.id]);
    expect(settled.get(created.id)).toMatchObject({ status: 'applied', appliedVersion: 2 });
    expect(await configWrites(apiA, 'orphaned', created.id)).toHaveLength(1);
    expect(await configVersion(apiB, 'orphaned', 'production')).toBe(2);
  });

  it('let a cancel that races the apply either win or answer 409, never both', async () => {
    await createFlag(apiA, 'race');
    const runAt = new Date(Date.now() + 800);
    const created = (await apiA.post(schedules('race'), { runAt: runAt.toISOString(), change: { enabled: true } })).json();
    await sleep(runAt.getTime() - Date.now());
    const cancel = await apiB.del(`${schedules('race')}/${created.id}`);
    const settled = await untilSettled(apiA, [created.id]);
    const final = settled.get(created.id)!;
    if (cancel.statusCode === 200) {
      expect(final.status).toBe('cancelled');
      expect(await configVersion(apiA, 'race', 'production')).toBe(1);
    } else {
      expect(cancel.statusCode).toBe(409);
      expect(final.status).toBe('applied');
      expect(await configVersion(apiA, 'race', 'production')).toBe(2);
    }
  });
});

describe('a change made on an instance that goes down before runAt', () => {
  it('is applied on time by another, which heard of it through Redis rather than its sweep', async () => {
    const databaseUrl = await pg!.createDatabase('scheduled_handover');
    // A sweep far longer than the test: only the Redis message can arm B's timer in time.
    const config = { databaseUrl, redisUrl: redis!.url, schedulerSweepIntervalMs: 600_000 };
    const [a, b] = [await start(config), await start(config)];
    await createFlag(http(a), 'handover');
    const runAt = new Date(Date.now() + 1500).toISOString();
    const created = (await http(a).post(schedules('handover'), { runAt, change: { enabled: true } })).json();
    await stop(a);
    const settled = await untilSettled(http(b), [created.id]);
    const change = settled.get(created.id)!;
    expect(change.status).toBe('applied');
    expect(Date.parse(change.resolvedAt!) - Date.parse(runAt)).toBeLessThan(1000);
    await stop(b);
  });
});

describe('every instance down across runAt', () => {
  it('applies on start what is within maxLatenessSec and expires the rest', async () => {
    const databaseUrl = await pg!.createDatabase('scheduled_downtime');
    const first = await start({ databaseUrl });
    let api = http(first);
    await createFlag(api, 'overnight');
    await createFlag(api, 'strict');
    const runAt = new Date(Date.now() + 1000).toISOString();
    const lenient = (await api.post(schedules('overnight'), { runAt, change: { enabled: true } })).json();
    const strict = (await api.post(schedules('strict'), { runAt, change: { enabled: true }, maxLatenessSec: 1 })).json();
    await stop(first);

    await sleep(Date.parse(runAt) - Date.now() + 2500);
    const second = await start({ databaseUrl });
    api = http(second);
    const settled = await untilSettled(api, [lenient.id, strict.id]);
    expect(settled.get(lenient.id)).toMatchObject({ status: 'applied', appliedVersion: 2 });
    expect(settled.get(strict.id)).toMatchObject({ status: 'expired', appliedVersion: null });
    expect(settled.get(strict.id)!.error).toMatch(/maxLatenessSec \(1 s\)/);
    expect(await configVersion(api, 'overnight', 'production')).toBe(2);
    expect(await configVersion(api, 'strict', 'production')).toBe(1);
    const expiry = (await api.get('/api/admin/audit?action=schedule.expired')).json().events;
    expect(expiry.map((e: { subject: string }) => e.subject)).toEqual([strict.id]);
  });
});
