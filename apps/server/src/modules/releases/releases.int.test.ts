/**
 * Release plans on real Postgres and Redis, two instances checking every 200 ms: a plan
 * reaches 100% with each stage written once (consecutive versions, one audit row per
 * stage); a manual edit or the kill switch pauses it; a guard that sees a regression in
 * distinct units rolls back; a sample-ratio mismatch pauses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { TrackedEvent, UnitSummary } from '@switchboard/core';
import { buildApp, type App } from '../../app.js';
import { testConfig } from '../../test-support/app.js';
import { configVersion, createFlag, http, patchConfig, type Http } from '../../test-support/http.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
const apps: App[] = [];
let a: App;
let b: App;
let apiA: Http;
let apiB: Http;

const plan = (flag: string, env = 'production') => `/api/admin/flags/${flag}/environments/${env}/release-plan`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PlanView {
  id: string;
  status: string;
  stage: number;
  pausedReason: string | null;
  configVersion: number | null;
  arms: { treatment: { exposures: number }; control: { exposures: number } };
  decisions: { at: string; stage: number; action: string; reason: string; actor: string; stats: unknown; configVersion: number | null }[];
}

async function until(api: Http, flag: string, check: (p: PlanView) => boolean, timeoutMs = 10_000): Promise<PlanView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = (await api.get(plan(flag))).json() as PlanView;
    if (check(p)) return p;
    if (Date.now() > deadline) throw new Error(`plan of ${flag} never got there: ${JSON.stringify(p)}`);
    await sleep(50);
  }
}

async function enabledFlag(key: string): Promise<void> {
  await createFlag(apiA, key);
  expect((await patchConfig(apiA, key, 'production', { enabled: true })).statusCode).toBe(200);
}

/** `n` distinct units (8 hex digits) starting at `from`. */
const unitsFrom = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => (from + i).toString(16).padStart(8, '0'));

function summary(flag: string, variant: string, units: string[]): UnitSummary {
  const now = Date.now();
  // A window wholly inside the running stage (the plans here start at least 500 ms before).
  return { flag, variant, units, windowStart: now - 100, windowEnd: now };
}

function errors(flag: string, variant: string, units: string[]): TrackedEvent[] {
  return units.map((u) => ({ name: '$error', timestamp: Date.now(), variants: { [flag]: variant }, units: { [flag]: u } }));
}

// Connects get 10 s (not the 1.5 s default): a busy CI machine must not turn into 503s here.
beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  const databaseUrl = await pg.createDatabase('releases_two');
  const start = async () => {
    const app = await buildApp(testConfig({ databaseUrl, redisUrl: redis!.url, releaseCheckIntervalMs: 200, dbConnectTimeoutMs: 10_000 }), {
      logger: false,
    });
    await app.ready();
    apps.push(app);
    return app;
  };
  [a, b] = await Promise.all([start(), start()]);
  apiA = http(a);
  apiB = http(b);
});

afterAll(async () => {
  await Promise.all(apps.map((x) => x.close()));
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('release plans on two instances', () => {
  it('reach 100% stage by stage, each stage written once by one instance', async () => {
    await enabledFlag('checkout-v2');
    const before = await configVersion(apiA, 'checkout-v2', 'production');
    const res = await apiA.put(plan('checkout-v2'), {
      variant: 'on',
      stages: [{ percent: 1, minDurationSec: 1 }, { percent: 25, minDurationSec: 1 }, { percent: 100 }],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'running', stage: 0, control: 'off', configVersion: before + 1 });
    const done = await until(apiB, 'checkout-v2', (p) => p.status === 'completed');
    expect(done.decisions.map((d) => d.action)).toEqual(['start', 'advance', 'advance', 'complete']);
    // Consecutive versions: one write per stage, none twice.
    expect(done.decisions.slice(0, 3).map((d) => d.configVersion)).toEqual([before + 1, before + 2, before + 3]);
    expect(await configVersion(apiA, 'checkout-v2', 'production')).toBe(before + 3);
    // Each stage ran at least its minimum.
    const at = done.decisions.map((d) => Date.parse(d.at));
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000);
    const audit = (await apiA.get('/api/admin/audit?flag=checkout-v2&limit=100')).json().events as { action: string; actor: string }[];
    const stageWrites = audit.filter((e) => e.action === 'release.stage');
    expect(stageWrites).toHaveLength(3);
    expect(stageWrites.every((e) => e.actor.startsWith(`release plan ${done.id}`))).toBe(true);
    const config = (await apiB.get('/api/admin/flags/checkout-v2/environments/production')).json();
    expect(config.fallthrough).toEqual({ variant: 'on' });
  });

  it('grow the treatment range: a unit that got the variant keeps it', async () => {
    await enabledFlag('sticky');
    await apiA.put(plan('sticky'), { variant: 'on', stages: [{ percent: 10, minDurationSec: 60 }, { percent: 50 }] });
    const first = (await apiA.get('/api/admin/flags/sticky/environments/production')).json();
    expect(first.fallthrough).toEqual({
      rollout: [
        { variant: 'on', weight: 10_000 },
        { variant: 'off', weight: 90_000 },
      ],
      bucketBy: 'userId',
    });
    expect((await apiA.post(`${plan('sticky')}/advance`)).statusCode).toBe(200);
    const second = (await apiA.get('/api/admin/flags/sticky/environments/production')).json();
    // Same salt, the variant first: buckets below 10,000 stay below 50,000.
    expect(second.salt).toBe(first.salt);
    expect(second.fallthrough.rollout[0]).toEqual({ variant: 'on', weight: 50_000 });
  });

  it('pause on a manual edit, naming who made it, and on the kill switch; resume writes the stage again', async () => {
    await enabledFlag('edited');
    await apiA.put(plan('edited'), { variant: 'on', stages: [{ percent: 5, minDurationSec: 600 }, { percent: 100 }] });
    const rule = {
      id: 'staff',
      conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }],
      serve: { variant: 'on' },
    };
    expect((await patchConfig(apiB, 'edited', 'production', { rules: [rule] })).statusCode).toBe(200);
    const paused = await until(apiA, 'edited', (p) => p.status === 'paused');
    expect(paused.pausedReason).toMatch(/changed by .*config\.update/);
    const resumed = await apiA.post(`${plan('edited')}/resume`);
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ status: 'running', stage: 0 });
    expect(resumed.json().configVersion).toBe(await configVersion(apiA, 'edited', 'production'));

    expect((await patchConfig(apiA, 'edited', 'production', { enabled: false })).statusCode).toBe(200);
    const killed = await until(apiB, 'edited', (p) => p.status === 'paused');
    expect(killed.pausedReason).toMatch(/turned off .*kill switch/);
    // The kill switch stays pulled: the plan never turns the flag back on by itself.
    const resume = await apiA.post(`${plan('edited')}/resume`);
    expect(resume.statusCode).toBe(409);
    expect(resume.json().error.field).toBe('enabled');
    expect((await apiA.get('/api/admin/flags/edited/environments/production')).json().enabled).toBe(false);
  });

  it('roll back when the treatment has five times the control error rate, with the statistics in the log', async () => {
    await enabledFlag('risky');
    const guard = { event: '$error', metric: 'rate', worseWhen: 'higher', minUnits: 300, action: 'rollback' };
    const started = (
      await apiA.put(plan('risky'), { variant: 'on', stages: [{ percent: 10, minDurationSec: 600 }, { percent: 100 }], guards: [guard] })
    ).json();
    // Let both instances' rounds see the running plan before data arrives.
    await sleep(500);
    const treatment = unitsFrom(0, 1000);
    const control = unitsFrom(100_000, 9000);
    // 10% errors on the treatment, 2% on control, from two SDK processes reporting to different instances.
    for (const [i, app] of [a, b].entries()) {
      const half = <T>(list: T[]) => list.filter((_, j) => j % 2 === i);
      await app.releases.arms.ingest(
        'production',
        [summary('risky', 'on', half(treatment)), summary('risky', 'off', half(control))],
        [...errors('risky', 'on', half(treatment.slice(0, 100))), ...errors('risky', 'off', half(control.slice(0, 180)))],
      );
    }
    const done = await until(apiA, 'risky', (p) => p.status === 'rolled_back');
    const rollback = done.decisions.find((d) => d.action === 'rollback')!;
    expect(rollback.reason).toMatch(/guard \$error/);
    // Decided on what had landed by then (maybe one instance's half): the statistics that decided are logged.
    const stats = rollback.stats as {
      treatment: { units: number; value: number };
      control: { units: number; value: number };
      excessCiLow: number;
    };
    expect(stats.treatment.units).toBeGreaterThanOrEqual(300);
    expect(stats.control.units).toBeGreaterThanOrEqual(300);
    expect(stats.treatment.value).toBeCloseTo(0.1, 2);
    expect(stats.control.value).toBeCloseTo(0.02, 2);
    expect(stats.excessCiLow).toBeGreaterThan(0);
    const config = (await apiB.get('/api/admin/flags/risky/environments/production')).json();
    expect(config.fallthrough).toEqual({ variant: 'off' });
    expect(config.version).toBe(started.configVersion + 1);
  });

  it('pause on a sample-ratio mismatch: the arms do not match the stage', async () => {
    await enabledFlag('skewed');
    const guard = { event: '$error', metric: 'rate', worseWhen: 'higher', action: 'rollback' };
    await apiA.put(plan('skewed'), { variant: 'on', stages: [{ percent: 10, minDurationSec: 600 }, { percent: 100 }], guards: [guard] });
    await sleep(500);
    // Half and half at a 10% stage.
    await a.releases.arms.ingest(
      'production',
      [summary('skewed', 'on', unitsFrom(0, 2000)), summary('skewed', 'off', unitsFrom(50_000, 2000))],
      [],
    );
    const paused = await until(apiB, 'skewed', (p) => p.status === 'paused');
    expect(paused.pausedReason).toMatch(/sample ratio mismatch/);
  });

  it('refuse a second live plan, a variant the flag lacks and percentages that do not grow, naming the field', async () => {
    await enabledFlag('checked');
    const body = { variant: 'on', stages: [{ percent: 5, minDurationSec: 60 }, { percent: 100 }] };
    expect((await apiA.put(plan('checked'), body)).statusCode).toBe(201);
    const again = await apiA.put(plan('checked'), body);
    expect([again.statusCode, again.json().error.field]).toEqual([409, 'status']);
    await createFlag(apiA, 'other');
    const bad = await apiA.put(plan('other'), { ...body, variant: 'blue' });
    expect([bad.statusCode, bad.json().error.field]).toEqual([400, 'variant']);
    const shrinking = await apiA.put(plan('other'), { variant: 'on', stages: [{ percent: 5, minDurationSec: 1 }, { percent: 1 }] });
    expect([shrinking.statusCode, shrinking.json().error.field]).toEqual([400, 'stages.1.percent']);
    const off = await apiA.put(plan('other'), body);
    expect([off.statusCode, off.json().error.field]).toEqual([409, 'enabled']);
  });
});

describe('release plans across instance restarts', () => {
  it('go on where they were when the instance running them goes down, and when every instance was down for a while', async () => {
    const databaseUrl = await pg!.createDatabase('releases_restart');
    const start = async () => {
      const app = await buildApp(
        testConfig({ databaseUrl, redisUrl: redis!.url, releaseCheckIntervalMs: 200, dbConnectTimeoutMs: 10_000 }),
        { logger: false },
      );
      await app.ready();
      apps.push(app);
      return app;
    };
    const first = await start();
    const api1 = http(first);
    await createFlag(api1, 'survivor');
    expect((await patchConfig(api1, 'survivor', 'production', { enabled: true })).statusCode).toBe(200);
    const stages = [{ percent: 10, minDurationSec: 1 }, { percent: 50, minDurationSec: 1 }, { percent: 100 }];
    expect((await api1.put(plan('survivor'), { variant: 'on', stages })).statusCode).toBe(201);
    // Every instance down across the first stage's end.
    await first.close();
    await sleep(1500);
    const second = await start();
    const done = await until(http(second), 'survivor', (p) => p.status === 'completed');
    expect(done.decisions.map((d) => d.action)).toEqual(['start', 'advance', 'advance', 'complete']);
    const versions = done.decisions.slice(0, 3).map((d) => d.configVersion!);
    expect(versions).toEqual([versions[0], versions[0]! + 1, versions[0]! + 2]);
  });
});
