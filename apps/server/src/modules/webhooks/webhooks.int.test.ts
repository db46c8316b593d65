/**
 * Webhooks end to end: a real HTTP receiver on 127.0.0.1, signatures checked with the
 * `standardwebhooks` reference verifier, the outbox on real Postgres shared by two
 * instances (exactly-once claims, a crash after commit) and on PGlite (rollback, SSRF).
 * Retry timings use a compressed schedule (WEBHOOK_RETRY_SCHEDULE in production).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { count, eq, sql } from 'drizzle-orm';
import { startPostgres, type PostgresService } from '@switchboard/test-services';
import type { App } from '../../app.js';
import type { Database } from '../../db/client.js';
import { auditEvents, webhookDeliveries } from '../../db/schema/index.js';
import { testApp } from '../../test-support/app.js';
import type { WebhookDelivery, WebhookDeliveryPage } from '@switchboard/api-contract';
import { createFlag, http as httpOf, patchConfig, type Http } from '../../test-support/http.js';
import { ChangeTransaction } from '../changes/change-transaction.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver: records every request; `/fail-N/...` answers 500 to its first N requests, `/down/...` always, `/hang/...` never. */
async function startReceiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      if (path.startsWith('/hang/')) return; // never answers
      const failFirst = /^\/fail-(\d+)\//.exec(path);
      if (path.startsWith('/down/') || (failFirst && n <= Number(failFirst[1]))) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('x'.repeat(5000));
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

interface Payload {
  type: string;
  data: { environment: string | null; action: string; version: number; auditId: number; actor: string; [field: string]: unknown };
}

/** One webhook's delivery log, newest first. */
async function deliveriesOf(api: Http, id: string): Promise<WebhookDelivery[]> {
  return ((await api.get(`/api/admin/webhooks/${id}/deliveries`)).json() as WebhookDeliveryPage).deliveries;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FAST = {
  webhookAllowPrivate: true,
  webhookPollIntervalMs: 25,
  webhookRetrySchedule: [150, 600, 2400],
  webhookTimeoutMs: 2000,
};

async function createWebhook(api: Http, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await api.post('/api/admin/webhooks', body);
  if (res.statusCode !== 201) throw new Error(`create webhook: ${res.statusCode} ${res.body}`);
  return res.json();
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

const at = (path: string) => receiver.received.filter((r) => r.path === path);

describe('webhooks on one instance (PGlite)', () => {
  let app: App;
  let api: Http;
  beforeAll(async () => {
    app = await testApp(FAST);
    api = httpOf(app);
  });
  afterAll(() => app?.close());

  it('creates a webhook whose secret is shown once and delivers a signed flag.changed for a kill switch', async () => {
    const created = await createWebhook(api, { url: `${receiver.url}/basic/hook`, events: ['flag.changed'], environments: ['production'] });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await api.get('/api/admin/webhooks');
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(created.secret);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect((await api.get(`/api/admin/webhooks/${created.id}`)).body).not.toContain(created.secret);

    await createFlag(api, 'wh-basic');
    await patchConfig(api, 'wh-basic', 'production', { enabled: true });
    await patchConfig(api, 'wh-basic', 'staging', { enabled: true }); // filtered out: production only
    await until(() => at('/basic/hook').length >= 2, 10_000, 'the create and the production edit');
    await new Promise((r) => setTimeout(r, 200));
    const deliveries = at('/basic/hook');
    // Flag created (production's config), then enabled in production; staging never.
    expect(deliveries).toHaveLength(2);
    const verifier = new Webhook(created.secret);
    const payloads = deliveries.map((d) => verifier.verify(d.body, d.headers as Record<string, string>) as Payload);
    expect(payloads.map((p) => [p.type, p.data.environment, p.data.action, p.data.version])).toEqual([
      ['flag.changed', 'production', 'flag.create', 1],
      ['flag.changed', 'production', 'config.enable', 2],
    ]);
    const edit = payloads[1]!;
    expect(edit.data).toMatchObject({
      flagKey: 'wh-basic',
      actor: expect.any(String),
      changes: [{ field: 'enabled', before: false, after: true }],
    });
    const audit = (await api.get('/api/admin/audit?flag=wh-basic&environment=production&limit=1')).json() as {
      events: { id: number; actor: string }[];
    };
    expect(edit.data.auditId).toBe(audit.events[0]!.id);
    expect(edit.data.actor).toBe(audit.events[0]!.actor);
    expect(deliveries[1]!.headers['webhook-id']).toMatch(/^msg_/);

    const log = (await api.get(`/api/admin/webhooks/${created.id}/deliveries`)).json() as WebhookDeliveryPage;
    expect(log.deliveries).toHaveLength(2);
    expect(log.deliveries[0]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      lastStatusCode: 204,
      attemptLog: [{ attempt: 1, statusCode: 204, error: null }],
    });
  });

  it('writes no outbox row for a change that rolls back', async () => {
    await createWebhook(api, { url: `${receiver.url}/rollback/hook`, events: ['*'] });
    await createFlag(api, 'wh-rollback');
    await until(() => at('/rollback/hook').length >= 3, 10_000, 'the create, in each environment');
    const db = app.database.db;
    const before = await db.select({ n: count() }).from(webhookDeliveries);
    let insideTransaction = 0;
    await expect(
      db.transaction(async (tx) => {
        const w = new ChangeTransaction(
          tx as unknown as Database,
          { principal: { name: 'test', keyId: null } as never, requestId: 'r1' },
          {
            startedAt: Date.now(),
            lockTimeoutMs: undefined,
          },
        );
        const env = await w.lockEnvironment('production');
        w.flagChanged(env.id, 'wh-rollback', null);
        w.audit({ action: 'config.patch', flagKey: 'wh-rollback', before: { enabled: false }, after: { enabled: true } }, env.id);
        await w.finish();
        insideTransaction = w.enqueuedDeliveries;
        throw new Error('the change fails after its outbox rows were written');
      }),
    ).rejects.toThrow(/fails after/);
    expect(insideTransaction).toBeGreaterThan(0);
    expect(await db.select({ n: count() }).from(webhookDeliveries)).toEqual(before);
    await new Promise((r) => setTimeout(r, 300));
    expect(at('/rollback/hook')).toHaveLength(3);
  });

  it('retries a failing receiver with growing delays, logs every attempt, then succeeds', async () => {
    const hook = await createWebhook(api, { url: `${receiver.url}/fail-3/hook`, events: ['flag.changed'], environments: ['development'] });
    await createFlag(api, 'wh-retry');
    await until(() => at('/fail-3/hook').length >= 4, 15_000, 'three failures and a success');
    const times = at('/fail-3/hook').map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Schedule 150, 600, 2400 ms with ±10% jitter, plus up to one poll interval.
    expect(gaps[0]).toBeGreaterThanOrEqual(130);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]).toBeGreaterThan(gaps[1]!);
    expect(gaps[2]).toBeGreaterThanOrEqual(2100);
    const ids = new Set(at('/fail-3/hook').map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1); // the same message on every attempt
    await until(
      async () => (await deliveriesOf(api, hook.id))[0]?.status === 'succeeded',
      5000,
      'the delivery to be recorded as succeeded',
    );
    const delivery = (await deliveriesOf(api, hook.id))[0]!;
    expect(delivery.attempts).toBe(4);
    expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 204],
    ]);
    // Only a bounded excerpt of the 5000-byte error body is kept.
    expect(delivery.attemptLog[0]!.responseExcerpt!.length).toBeLessThanOrEqual(1024);
    expect(delivery.attemptLog[0]!.error).toBe('HTTP 500');
    expect(delivery.attemptLog.every((a) => a.durationMs >= 0)).toBe(true);
  });

  it('marks a delivery failed when the schedule is spent, and redelivers it on request', async () => {
    const hook = await createWebhook(api, { url: `${receiver.url}/down/hook`, events: ['flag.changed'], environments: ['staging'] });
    await createFlag(api, 'wh-down');
    const page = () => deliveriesOf(api, hook.id);
    await until(async () => (await page())[0]?.status === 'failed', 15_000, 'the delivery to fail for good');
    const failed = (await page())[0]!;
    expect(failed.attempts).toBe(4); // the first attempt and three retries
    expect(failed.completedAt).not.toBeNull();
    expect(failed.nextAttemptAt).toBeNull();

    // The receiver is fixed: point the webhook at a working path and redeliver.
    const patched = await api.patch(`/api/admin/webhooks/${hook.id}`, { url: `${receiver.url}/fixed/hook` });
    expect(patched.statusCode).toBe(200);
    const redelivered = await api.post(`/api/admin/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`);
    expect(redelivered.statusCode).toBe(202);
    expect(redelivered.json()).toMatchObject({ id: failed.id, status: 'pending' });
    await until(() => at('/fixed/hook').length >= 1, 10_000, 'the redelivery');
    expect(at('/fixed/hook')[0]!.headers['webhook-id']).toBe(failed.id);
    await until(async () => (await page())[0]?.status === 'succeeded', 5000, 'the redelivery to be recorded');
    expect((await page())[0]!.attemptLog.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5]);

    const missing = await api.post(`/api/admin/webhooks/${hook.id}/deliveries/msg_nope/redeliver`);
    expect(missing.statusCode).toBe(404);
  });

  it('signs with both secrets during a rotation, each verifying on its own', async () => {
    const hook = await createWebhook(api, { url: `${receiver.url}/rotate/hook`, events: ['flag.changed'], environments: ['production'] });
    const rotated = await api.post(`/api/admin/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret, previousSecretExpiresAt } = rotated.json() as { secret: string; previousSecretExpiresAt: string };
    expect(secret).not.toBe(hook.secret);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await api.get(`/api/admin/webhooks/${hook.id}`)).json()).toMatchObject({ previousSecretExpiresAt });

    await createFlag(api, 'wh-rotate');
    await until(() => at('/rotate/hook').length >= 1, 10_000, 'a delivery after the rotation');
    const [delivery] = at('/rotate/hook');
    expect(String(delivery!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const headers = delivery!.headers as Record<string, string>;
    expect(new Webhook(secret).verify(delivery!.body, headers)).toBeTruthy();
    expect(new Webhook(hook.secret).verify(delivery!.body, headers)).toBeTruthy();
  });

  it('refuses bad input with a 400 naming the field, and unknown webhooks with 404', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://example.com/x', events: ['flag.changed'] }, 'url'],
      [{ url: `${receiver.url}/x`, events: ['flag.chnaged'] }, 'events'],
      [{ url: `${receiver.url}/x`, events: [] }, 'events'],
      [{ url: `${receiver.url}/x`, events: ['flag.changed'], environments: ['nowhere'] }, 'environments'],
      [{ url: `${receiver.url}/x`, events: ['flag.changed'], secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post('/api/admin/webhooks', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.field ?? res.json().error.message, JSON.stringify(body)).toContain(field);
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await api.get(`/api/admin/webhooks/${unknown}`)).statusCode).toBe(404);
    expect((await api.patch(`/api/admin/webhooks/${unknown}`, { enabled: false })).statusCode).toBe(404);
    expect((await api.del(`/api/admin/webhooks/${unknown}`)).statusCode).toBe(404);
    expect((await api.post(`/api/admin/webhooks/${unknown}/rotate-secret`)).statusCode).toBe(404);
    expect((await api.get(`/api/admin/webhooks/${unknown}/deliveries`)).statusCode).toBe(404);
    expect((await api.get('/api/admin/webhooks/not-a-uuid')).statusCode).toBe(400);
  });

  it('deletes a webhook with its queued deliveries', async () => {
    const hook = await createWebhook(api, { url: `${receiver.url}/deleted/hook`, events: ['flag.changed'], enabled: false });
    await createFlag(api, 'wh-deleted');
    const queued = await app.database.db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id));
    // Disabled: it gets no new events.
    expect(queued[0]!.n).toBe(0);
    expect((await api.del(`/api/admin/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await api.get(`/api/admin/webhooks/${hook.id}`)).statusCode).toBe(404);
    const audit = await app.database.db.select().from(auditEvents).where(eq(auditEvents.subject, hook.id));
    expect(audit.map((a) => a.action).sort()).toEqual(['webhook.create', 'webhook.delete']);
    expect(JSON.stringify(audit)).not.toContain('whsec_');
  });
});

describe('senders that die or are shut down', () => {
  it('takes over a delivery whose sender died mid-attempt once its lease has run out', async () => {
    const app = await testApp(FAST);
    try {
      const api = httpOf(app);
      const hook = await createWebhook(api, { url: `${receiver.url}/lease/hook`, events: ['flag.changed'], enabled: false });
      // As a crashed instance leaves it: claimed (attempt 1 under way), lease expired.
      await app.database.db.insert(webhookDeliveries).values({
        id: 'msg_leaseTakeover1',
        webhookId: hook.id,
        eventType: 'flag.changed',
        environment: 'production',
        body: '{"type":"flag.changed","timestamp":"2026-03-14T09:26:53.589Z","data":{}}',
        status: 'delivering',
        attempts: 1,
        cycleAttempts: 1,
        leaseExpiresAt: sql`now() - interval '1 second'`,
      });
      await api.patch(`/api/admin/webhooks/${hook.id}`, { enabled: true });
      await until(() => at('/lease/hook').length === 1, 10_000, 'the takeover');
      expect(at('/lease/hook')[0]!.headers['webhook-id']).toBe('msg_leaseTakeover1');
      expect(
        new Webhook(hook.secret).verify(at('/lease/hook')[0]!.body, at('/lease/hook')[0]!.headers as Record<string, string>),
      ).toBeTruthy();
      await until(async () => (await deliveriesOf(api, hook.id))[0]?.status === 'succeeded', 5000, 'the outcome');
      expect((await deliveriesOf(api, hook.id))[0]!.attemptLog.map((a) => a.attempt)).toEqual([2]);
    } finally {
      await app.close();
    }
  });

  it('closes within seconds while an attempt hangs on a receiver that never answers', async () => {
    const app = await testApp({ ...FAST, webhookTimeoutMs: 60_000 });
    const api = httpOf(app);
    const hook = await createWebhook(api, { url: `${receiver.url}/hang/hook`, events: ['flag.changed'], environments: ['production'] });
    await createFlag(api, 'wh-hang');
    await until(() => at('/hang/hook').length === 1, 10_000, 'the attempt to start');
    const started = Date.now();
    const rows = app.database.db;
    const [row] = await rows.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id));
    expect(row!.status).toBe('delivering');
    await app.close();
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe('SSRF guard (WEBHOOK_ALLOW_PRIVATE off)', () => {
  let app: App;
  let api: Http;
  beforeAll(async () => {
    app = await testApp({ ...FAST, webhookAllowPrivate: false });
    api = httpOf(app);
  });
  afterAll(() => app?.close());

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.1.2.3/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8080/hook',
    'http://[fc00::1]/hook',
    'http://localhost:8080/hook',
  ])('refuses %s at creation', async (url) => {
    const res = await api.post('/api/admin/webhooks', { url, events: ['flag.changed'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'url' });
  });

  it('refuses at delivery time a target that resolves to loopback now (DNS rebinding)', async () => {
    // As if "localhost" had resolved to a public address at creation: the row is written directly.
    const [row] = (await app.database.db
      .execute(
        sql`insert into webhooks (url, events, secret, created_by) values (${`http://localhost:${new URL(receiver.url).port}/rebind/hook`}, '["flag.changed"]'::jsonb, 'whsec_dGVzdA==', 'test') returning id`,
      )
      .then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows))) as { id: string }[];
    await createFlag(api, 'wh-rebind');
    const page = () => deliveriesOf(api, row!.id);
    await until(async () => ((await page())[0]?.attempts ?? 0) >= 1 && (await page())[0]?.status !== 'delivering', 10_000, 'an attempt');
    const delivery = (await page())[0]!;
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/refused.*(127\.0\.0\.1|::1)/) });
    expect(at('/rebind/hook')).toHaveLength(0);
  });
});

describe('two instances on one Postgres', () => {
  let pg: PostgresService | undefined;
  let databaseUrl: string;
  const apps: App[] = [];
  beforeAll(async () => {
    pg = await startPostgres({ fast: true });
    databaseUrl = await pg.createDatabase('webhooks');
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await pg?.stop();
  });

  it('delivers after a restart what was committed before the process died', async () => {
    // An instance that only writes the outbox stands in for one that dies right after commit.
    const dying = await testApp({ ...FAST, databaseUrl, webhookDeliveryEnabled: false });
    const api = httpOf(dying);
    const hook = await createWebhook(api, { url: `${receiver.url}/crash/hook`, events: ['flag.changed'], environments: ['production'] });
    await createFlag(api, 'wh-crash');
    await patchConfig(api, 'wh-crash', 'production', { enabled: true });
    await dying.close();
    expect(at('/crash/hook')).toHaveLength(0);

    const fresh = await testApp({ ...FAST, databaseUrl });
    apps.push(fresh);
    await until(() => at('/crash/hook').length >= 2, 10_000, 'the fresh instance to deliver the committed events');
    const verifier = new Webhook(hook.secret);
    for (const d of at('/crash/hook')) expect(verifier.verify(d.body, d.headers as Record<string, string>)).toBeTruthy();
  });

  it('delivers each event exactly once with two instances claiming', async () => {
    const [a, b] = await Promise.all([testApp({ ...FAST, databaseUrl }), testApp({ ...FAST, databaseUrl })]);
    apps.push(a, b);
    const apiA = httpOf(a);
    const apiB = httpOf(b);
    const hook = await createWebhook(apiA, { url: `${receiver.url}/twice/hook`, events: ['flag.changed'], environments: ['staging'] });
    const flags = 20;
    for (let i = 0; i < flags; i++) {
      const api = i % 2 === 0 ? apiA : apiB;
      await createFlag(api, `wh-twice-${i}`);
      await patchConfig(api, `wh-twice-${i}`, 'staging', { enabled: true });
    }
    await until(() => at('/twice/hook').length >= flags * 2, 20_000, 'every event');
    await new Promise((r) => setTimeout(r, 500));
    const ids = at('/twice/hook').map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(flags * 2);
    expect(new Set(ids).size).toBe(flags * 2);
    const rows = await a.database.db
      .select({ status: webhookDeliveries.status, attempts: webhookDeliveries.attempts })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook.id));
    expect(rows).toHaveLength(flags * 2);
    expect(rows.every((r) => r.status === 'succeeded' && r.attempts === 1)).toBe(true);
  });
});
