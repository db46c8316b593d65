/**
 * Release safety end to end, on real components with a compressed clock: two server
 * instances on one real Postgres 15 and Redis, real `@switchboard/node` clients (one per
 * instance) producing traffic for 3,000 users, stages of 1 s, guard checks every 200 ms.
 *
 * A healthy plan reaches 100%; a treatment with 5× the control's `$error` rate is rolled
 * back, and the `release.rolled_back` webhook arrives signed (checked with the
 * `standardwebhooks` package, an independent implementation); a manual edit pauses a
 * plan; the kill switch during a plan wins; a scheduled change made on an instance that
 * then goes down runs once, on the other.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createAdminClient, type AdminClient } from '@switchboard/api-client';
import { createClient, type SwitchboardClient } from '@switchboard/node';
import { buildApp, defaultConfig, type App } from '@switchboard/server';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';

const TOKEN = 'release-proof-admin-token-0123456789';
const ENV = 'production';
const USERS = 3000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
const apps: App[] = [];
const urls: string[] = [];
let admin: AdminClient;
let clients: SwitchboardClient[] = [];
let receiver: http.Server;
let receiverUrl: string;
const deliveries: { headers: Record<string, string>; body: string }[] = [];

interface PlanView {
  id: string;
  status: string;
  stage: number;
  pausedReason: string | null;
  decisions: { at: string; stage: number; action: string; reason: string; stats: unknown; configVersion: number | null }[];
}

async function plan(flag: string): Promise<PlanView> {
  const res = await fetch(`${urls[0]}/api/admin/flags/${flag}/environments/${ENV}/release-plan`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await res.json()) as PlanView;
}

async function startPlan(flag: string, body: unknown, url = urls[0]!): Promise<PlanView> {
  const res = await fetch(`${url}/api/admin/flags/${flag}/environments/${ENV}/release-plan`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as PlanView;
  if (res.status !== 201) throw new Error(`start plan: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await sleep(100);
  }
}

async function enabledFlag(key: string): Promise<void> {
  await admin.flags.create({ key, type: 'boolean' });
  const config = await admin.configs.get(key, ENV);
  await admin.configs.patch(key, ENV, { enabled: true }, { ifMatch: config.version });
}

/**
 * Traffic while `stop` is false: each of the clients evaluates `flag` for random users; a
 * user on `variant` "on" fails with `treatmentErrors`, others with `controlErrors`, and a
 * failure is tracked as `$error`.
 */
function traffic(flag: string, treatmentErrors: number, controlErrors: number): { stop(): Promise<void> } {
  let running = true;
  const loops = clients.map(async (client) => {
    while (running) {
      // About 2,000 checkouts a second per client: each user comes back every second or so.
      for (let i = 0; i < 20; i++) {
        const ctx = { userId: `user-${Math.floor(Math.random() * USERS)}` };
        const on = client.isEnabled(flag, ctx);
        if (Math.random() < (on ? treatmentErrors : controlErrors)) client.track('$error', ctx);
      }
      await sleep(10);
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  const databaseUrl = await pg.createDatabase('release_proof');
  for (let i = 0; i < 2; i++) {
    const app = await buildApp(
      defaultConfig({
        adminToken: TOKEN,
        databaseUrl,
        redisUrl: redis.url,
        logLevel: 'silent',
        adminUiDir: undefined,
        releaseCheckIntervalMs: 200,
        // 10 s to connect (not 1.5 s): a busy CI machine must not turn into 503s.
        dbConnectTimeoutMs: 10_000,
        schedulerSweepIntervalMs: 200,
        sdkEventsRateLimitPerMinute: 0,
        webhookAllowPrivate: true,
        webhookPollIntervalMs: 100,
      }),
    );
    urls.push(await app.listen({ port: 0, host: '127.0.0.1' }));
    apps.push(app);
  }
  admin = createAdminClient({ baseUrl: urls[0]!, token: TOKEN });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const { key } = await admin.apiKeys.create({ kind: 'server', environment: ENV, name: 'proof' });
  // One SDK process per instance, uploading every 300 ms.
  clients = urls.map((url) => createClient({ url, key: key!, events: { flushInterval: 300 } }));
  await Promise.all(clients.map((c) => c.ready()));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('release safety on two instances with real SDK traffic', () => {
  it('a healthy plan reaches 100% and completes, one write per stage', async () => {
    await enabledFlag('healthy');
    const load = traffic('healthy', 0.01, 0.01);
    try {
      const started = await startPlan('healthy', {
        variant: 'on',
        stages: [{ percent: 20, minDurationSec: 1 }, { percent: 50, minDurationSec: 1 }, { percent: 100 }],
        guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', minUnits: 200, action: 'rollback' }],
      });
      const done = await until(
        'healthy plan',
        () => plan('healthy'),
        (p) => !['running', 'scheduled'].includes(p.status),
      );
      expect(done.status, JSON.stringify(done.decisions)).toBe('completed');
      const versions = done.decisions.filter((d) => d.action === 'start' || d.action === 'advance').map((d) => d.configVersion);
      expect(versions).toEqual([started.decisions[0]!.configVersion, versions[0]! + 1, versions[0]! + 2]);
      await until('SDKs serve 100%', async () => clients.every((c) => c.isEnabled('healthy', { userId: 'anyone' })), Boolean);
    } finally {
      await load.stop();
    }
  });

  it('rolls back a treatment with 5× the control error rate, and the webhook arrives signed', async () => {
    const hook = await admin.webhooks.create({ url: receiverUrl, events: ['release.*', 'schedule.*'] });
    await enabledFlag('broken');
    const load = traffic('broken', 0.05, 0.01);
    try {
      // A 50% stage long enough for each user to come back a few times: at 500 users per arm the
      // treatment's ~18% of users with an error against control's ~4% is far past the guard's bound.
      await startPlan('broken', {
        variant: 'on',
        stages: [{ percent: 50, minDurationSec: 3 }, { percent: 100 }],
        guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', minUnits: 500, action: 'rollback' }],
      });
      const done = await until(
        'broken plan',
        () => plan('broken'),
        (p) => !['running', 'scheduled'].includes(p.status),
      );
      expect(done.status, JSON.stringify(done.decisions)).toBe('rolled_back');
      const rollback = done.decisions.find((d) => d.action === 'rollback')!;
      const stats = rollback.stats as { treatment: { units: number; value: number }; control: { units: number; value: number } };
      expect(Math.min(stats.treatment.units, stats.control.units)).toBeGreaterThanOrEqual(500);
      // Decided in the stage it started in, before everyone got the variant.
      expect(rollback.stage).toBe(0);
      expect(stats.treatment.value).toBeGreaterThan(stats.control.value);
      // Everyone on control, on both instances' SDKs.
      await until('SDKs serve control', async () => clients.every((c) => !c.isEnabled('broken', { userId: 'user-1' })), Boolean);
      const delivered = await until(
        'release.rolled_back webhook',
        async () => deliveries.find((d) => JSON.parse(d.body).type === 'release.rolled_back'),
        (d) => d !== undefined,
      );
      const verified = new Webhook(hook.secret).verify(delivered!.body, delivered!.headers) as { type: string; data: { flag: string } };
      expect(verified.type).toBe('release.rolled_back');
      expect(verified.data.flag).toBe('broken');
    } finally {
      await load.stop();
    }
  });

  it('pauses on a manual edit, and the kill switch during a plan wins', async () => {
    await enabledFlag('contested');
    const load = traffic('contested', 0.01, 0.01);
    try {
      await startPlan('contested', { variant: 'on', stages: [{ percent: 30, minDurationSec: 600 }, { percent: 100 }] }, urls[1]);
      const config = await admin.configs.get('contested', ENV);
      await admin.configs.patch('contested', ENV, { offVariant: 'off', salt: 'contested-2' }, { ifMatch: config.version });
      const paused = await until(
        'paused',
        () => plan('contested'),
        (p) => p.status === 'paused',
      );
      expect(paused.pausedReason).toMatch(/changed by/);
      const resumed = await fetch(`${urls[1]}/api/admin/flags/contested/environments/${ENV}/release-plan/resume`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(resumed.status).toBe(200);
      const current = await admin.configs.get('contested', ENV);
      await admin.configs.patch('contested', ENV, { enabled: false }, { ifMatch: current.version });
      // The kill switch reaches every SDK and stays pulled: the plan pauses, never writes over it.
      await until('SDKs see the kill', async () => clients.every((c) => !c.isEnabled('contested', { userId: 'user-7' })), Boolean);
      const killed = await until(
        'paused by the kill switch',
        () => plan('contested'),
        (p) => p.status === 'paused',
      );
      expect(killed.pausedReason).toMatch(/kill switch/);
      await sleep(1000);
      expect((await admin.configs.get('contested', ENV)).enabled).toBe(false);
    } finally {
      await load.stop();
    }
  });

  it('runs a scheduled change once, on the other instance, when the one that took it goes down', async () => {
    await admin.flags.create({ key: 'quiet-hour', type: 'boolean' });
    const onA = createAdminClient({ baseUrl: urls[0]!, token: TOKEN });
    const change = await onA.scheduledChanges.create('quiet-hour', ENV, {
      runAt: new Date(Date.now() + 1500).toISOString(),
      change: { enabled: true },
    });
    await apps[0]!.close();
    const onB = createAdminClient({ baseUrl: urls[1]!, token: TOKEN });
    const applied = await until(
      'scheduled change',
      async () => (await onB.scheduledChanges.list('quiet-hour', ENV)).scheduledChanges.find((c) => c.id === change.id)!,
      (c) => c.status !== 'pending',
    );
    expect(applied.status).toBe('applied');
    const audit = await onB.audit.list({ flag: 'quiet-hour', limit: 100 });
    expect(audit.events.filter((e) => e.action === 'config.enable')).toHaveLength(1);
    expect(deliveries.some((d) => JSON.parse(d.body).type === 'schedule.applied')).toBe(true);
  });
});
