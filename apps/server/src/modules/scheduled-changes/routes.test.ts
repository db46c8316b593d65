/**
 * Scheduled changes on embedded PGlite, one instance: validation at creation, listing,
 * cancelling, and each outcome (applied, conflicted, failed, expired) as the scheduler runs.
 * Two instances on Postgres are in scheduled-changes.int.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { configVersion, createFlag, createKey, http, ifMatch, patchConfig, type Http } from '../../test-support/http.js';

let app: App;
let api: Http;

const base = '/api/admin/flags';
const schedules = (flag: string, env = 'production') => `${base}/${flag}/environments/${env}/scheduled-changes`;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function scheduled(flag: string, id: string, env = 'production'): Promise<Record<string, unknown>> {
  const list = (await api.get(schedules(flag, env))).json().scheduledChanges as Record<string, unknown>[];
  return list.find((c) => c.id === id)!;
}

function settled(flag: string, id: string): Promise<Record<string, unknown>> {
  return until(
    () => scheduled(flag, id),
    (c) => c.status !== 'pending',
    `${id} to leave pending`,
  );
}

beforeAll(async () => {
  app = await testApp({ schedulerSweepIntervalMs: 200, scheduledChangesMaxPending: 3, webhookAllowPrivate: true });
  api = http(app);
});

afterAll(async () => {
  await app?.close();
});

describe('creating a scheduled change', () => {
  it('takes a wall time in an IANA zone, answers its UTC runAt and keeps what was typed', async () => {
    await createFlag(api, 'quiet-hour');
    const res = await api.post(schedules('quiet-hour'), {
      runAt: { local: '2036-12-08T03:00', timeZone: 'Europe/Berlin' },
      change: { enabled: true },
      baseVersion: 1,
      comment: 'turn it on at night',
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      flag: 'quiet-hour',
      environment: 'production',
      status: 'pending',
      runAt: '2036-12-08T02:00:00.000Z',
      runAtLocal: { local: '2036-12-08T03:00', timeZone: 'Europe/Berlin', offset: '+01:00' },
      change: { enabled: true },
      baseVersion: 1,
      maxLatenessSec: 3600,
      comment: 'turn it on at night',
      resolvedAt: null,
      appliedVersion: null,
      error: null,
    });
    expect(created.createdBy).toBeTruthy();

    const mine = (await api.get(schedules('quiet-hour'))).json().scheduledChanges;
    expect(mine.map((c: { id: string }) => c.id)).toEqual([created.id]);
    expect((await api.get(schedules('quiet-hour', 'staging'))).json().scheduledChanges).toEqual([]);
    expect((await api.get(schedules('no-such-flag'))).statusCode).toBe(404);
    expect((await api.get(schedules('quiet-hour', 'nowhere'))).statusCode).toBe(404);
    const all = (await api.get('/api/admin/scheduled-changes?status=pending')).json().scheduledChanges;
    expect(all.map((c: { id: string }) => c.id)).toContain(created.id);
    expect((await api.get('/api/admin/scheduled-changes?status=applied&flag=quiet-hour')).json().scheduledChanges).toEqual([]);
    const audit = (await api.get('/api/admin/audit?action=schedule.create')).json().events;
    expect(audit.some((e: { subject: string }) => e.subject === created.id)).toBe(true);
  });

  it('takes an RFC 3339 instant with any offset and answers it in UTC', async () => {
    const res = await api.post(schedules('quiet-hour', 'staging'), { runAt: '2036-06-01T09:00:00+02:00', change: { enabled: true } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ runAt: '2036-06-01T07:00:00.000Z', runAtLocal: null, baseVersion: null });
  });

  it('refuses a wall time the clocks skip, and one they repeat unless an offset picks it', async () => {
    const gap = await api.post(schedules('quiet-hour'), {
      runAt: { local: '2036-03-30T02:30', timeZone: 'Europe/Berlin' },
      change: { enabled: true },
    });
    expect(gap.statusCode).toBe(400);
    expect(gap.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'runAt.local' });
    expect(gap.json().error.message).toMatch(/does not exist/);

    const overlap = { local: '2036-10-26T02:30', timeZone: 'Europe/Berlin' };
    const ambiguous = await api.post(schedules('quiet-hour'), { runAt: overlap, change: { enabled: true } });
    expect(ambiguous.statusCode).toBe(400);
    expect(ambiguous.json().error).toMatchObject({ field: 'runAt.local' });
    expect(ambiguous.json().error.message).toMatch(/twice/);

    const picked = await api.post(schedules('quiet-hour', 'development'), {
      runAt: { ...overlap, offset: '+01:00' },
      change: { enabled: true },
    });
    expect(picked.statusCode).toBe(201);
    expect(picked.json()).toMatchObject({ runAt: '2036-10-26T01:30:00.000Z', runAtLocal: { ...overlap, offset: '+01:00' } });
  });

  it('answers 400 naming the field for a bad zone, time, change or lateness, and writes nothing', async () => {
    const before = (await api.get('/api/admin/scheduled-changes')).json().scheduledChanges.length;
    const cases: [unknown, string][] = [
      [{ runAt: { local: '2036-12-08T03:00', timeZone: 'Moon/Base' }, change: { enabled: true } }, 'runAt.timeZone'],
      [{ runAt: '2036-12-08T03:00:00', change: { enabled: true } }, 'runAt'],
      [{ runAt: inMs(-5 * 60_000), change: { enabled: true } }, 'runAt'],
      [{ runAt: inMs(60_000), change: { enabled: 'yes' } }, 'change.enabled'],
      [{ runAt: inMs(60_000), change: { offVariant: 'nope' } }, 'change.offVariant'],
      [{ runAt: inMs(60_000), change: { fallthrough: { variant: 'maybe' } } }, 'change.fallthrough.variant'],
      [{ runAt: inMs(60_000), change: { version: 3, enabled: true } }, 'change.version'],
      [{ runAt: inMs(60_000), change: {} }, 'change'],
      [{ runAt: inMs(60_000), change: { enabled: true }, maxLatenessSec: 0 }, 'maxLatenessSec'],
      [{ runAt: inMs(60_000) }, 'change'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(schedules('quiet-hour'), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.field, `${JSON.stringify(body)}: ${res.json().error.message}`).toBe(field);
    }
    expect((await api.get('/api/admin/scheduled-changes')).json().scheduledChanges).toHaveLength(before);
  });

  it('answers 404 for an unknown flag or environment and 409 for a baseVersion that is not the current one', async () => {
    const change = { runAt: inMs(60_000), change: { enabled: true } };
    expect((await api.post(schedules('no-such-flag'), change)).statusCode).toBe(404);
    expect((await api.post(schedules('quiet-hour', 'nowhere'), change)).statusCode).toBe(404);
    const stale = await api.post(schedules('quiet-hour'), { ...change, baseVersion: 7 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.field).toBe('baseVersion');
  });

  it('bounds the pending changes per flag and environment (SCHEDULED_CHANGES_MAX_PENDING)', async () => {
    await createFlag(api, 'busy');
    for (let i = 0; i < 3; i++) {
      expect((await api.post(schedules('busy'), { runAt: inMs(3_600_000 + i), change: { enabled: i % 2 === 0 } })).statusCode).toBe(201);
    }
    const over = await api.post(schedules('busy'), { runAt: inMs(3_600_000), change: { enabled: true } });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.message).toMatch(/3 pending/);
    // Another environment has its own budget.
    expect((await api.post(schedules('busy', 'staging'), { runAt: inMs(3_600_000), change: { enabled: true } })).statusCode).toBe(201);
  });

  it('replays a create retried with the same Idempotency-Key instead of scheduling twice', async () => {
    await createFlag(api, 'retried');
    const body = { runAt: inMs(3_600_000), change: { enabled: true } };
    const headers = { 'idempotency-key': 'schedule-retried-1' };
    const first = await api.post(schedules('retried'), body, { headers });
    const again = await api.post(schedules('retried'), body, { headers });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
    expect((await api.get(schedules('retried'))).json().scheduledChanges).toHaveLength(1);
  });
});

describe('cancelling', () => {
  it('cancels a pending change once; a second cancel is 409 and an unknown id 404', async () => {
    await createFlag(api, 'cancel-me');
    const created = (await api.post(schedules('cancel-me'), { runAt: inMs(3_600_000), change: { enabled: true } })).json();
    const res = await api.del(`${schedules('cancel-me')}/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: created.id, status: 'cancelled' });
    expect(res.json().resolvedAt).not.toBeNull();
    const again = await api.del(`${schedules('cancel-me')}/${created.id}`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/is cancelled/);
    expect((await api.del(`${schedules('cancel-me', 'staging')}/${created.id}`)).statusCode).toBe(404);
    expect((await api.del(`${schedules('cancel-me')}/00000000-0000-4000-8000-000000000000`)).statusCode).toBe(404);
    expect((await api.del(`${schedules('cancel-me')}/not-a-uuid`)).statusCode).toBe(400);
  });
});

describe('running', () => {
  it('applies the change at runAt as a versioned, audited config write that reaches SDKs', async () => {
    await createFlag(api, 'night-switch');
    const version = await configVersion(api, 'night-switch', 'production');
    const created = (
      await api.post(schedules('night-switch'), { runAt: inMs(1000), change: { enabled: true }, baseVersion: version })
    ).json();
    const done = await settled('night-switch', created.id);
    expect(done).toMatchObject({ status: 'applied', appliedVersion: version + 1, error: null });

    const config = (await api.get(`${base}/night-switch/environments/production`)).json();
    expect(config).toMatchObject({ enabled: true, version: version + 1 });
    const audit = (await api.get('/api/admin/audit?flag=night-switch')).json().events as Record<string, unknown>[];
    const write = audit.find((e) => e.action === 'config.enable')!;
    expect(write).toMatchObject({ environment: 'production' });
    expect(write.actor).toMatch(new RegExp(`^scheduled change ${created.id} \\(by .+\\)$`));
    const outcome = audit.find((e) => e.action === 'schedule.applied')!;
    expect(outcome).toMatchObject({ subject: created.id, after: { status: 'applied', appliedVersion: version + 1 } });
    const { key } = await createKey(api, 'server', 'production');
    const snapshot = (await api.get('/api/sdk/flags', { key })).json();
    expect(snapshot.flags['night-switch']).toMatchObject({ enabled: true, version: version + 1 });
  });

  it('sends each outcome as a schedule.* webhook, from the same transaction', async () => {
    const received: { type: string; data: Record<string, unknown> }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as { type: string; data: Record<string, unknown> });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const { port } = receiver.address() as AddressInfo;
      const hook = await api.post('/api/admin/webhooks', { url: `http://127.0.0.1:${port}/hook`, events: ['schedule.*'] });
      expect(hook.statusCode).toBe(201);
      await createFlag(api, 'announced');
      const created = (await api.post(schedules('announced'), { runAt: inMs(500), change: { enabled: true } })).json();
      await settled('announced', created.id);
      await until(
        async () => received.map((e) => e.type),
        (types) => types.includes('schedule.applied'),
        'the schedule.applied webhook',
      );
      // Deliveries may overlap, so their order is not promised.
      expect(received.map((e) => e.type).sort()).toEqual(['schedule.applied', 'schedule.created']);
      expect(received.find((e) => e.type === 'schedule.applied')!.data).toMatchObject({
        id: created.id,
        flag: 'announced',
        environment: 'production',
        status: 'applied',
      });
      expect((await api.del(`/api/admin/webhooks/${hook.json().id}`)).statusCode).toBe(204);
    } finally {
      receiver.close();
    }
  });

  it('conflicts, writing nothing, when the config moved past baseVersion', async () => {
    await createFlag(api, 'moved-on');
    const version = await configVersion(api, 'moved-on', 'production');
    const created = (await api.post(schedules('moved-on'), { runAt: inMs(1000), change: { enabled: true }, baseVersion: version })).json();
    expect((await patchConfig(api, 'moved-on', 'production', { salt: 'edited meanwhile' })).statusCode).toBe(200);
    const done = await settled('moved-on', created.id);
    expect(done.status).toBe('conflicted');
    expect(done.error).toMatch(/version 2 after baseVersion 1/);
    expect((await api.get(`${base}/moved-on/environments/production`)).json()).toMatchObject({ enabled: false, version: version + 1 });
  });

  it('fails with the error, writing nothing, when the change can no longer be written', async () => {
    await createFlag(api, 'beta-only');
    expect((await api.post('/api/admin/segments', { key: 'beta-testers', included: ['u1'] })).statusCode).toBe(201);
    const rules = [{ id: 'beta', conditions: [{ operator: 'inSegment', values: ['beta-testers'] }], serve: { variant: 'on' } }];
    const created = (await api.post(schedules('beta-only'), { runAt: inMs(1000), change: { rules } })).json();
    expect(created.status).toBe('pending');
    expect((await api.del('/api/admin/segments/beta-testers', ifMatch(1))).statusCode).toBe(204);
    const done = await settled('beta-only', created.id);
    expect(done).toMatchObject({ status: 'failed', appliedVersion: null });
    expect(done.error).toMatch(/beta-testers/);
    expect((await api.get(`${base}/beta-only/environments/production`)).json()).toMatchObject({ rules: [], version: 1 });
  });

  it('expires a change no server ran within maxLatenessSec of runAt', async () => {
    await createFlag(api, 'too-late');
    await app.scheduler.stop();
    try {
      const created = (await api.post(schedules('too-late'), { runAt: inMs(200), change: { enabled: true }, maxLatenessSec: 1 })).json();
      await new Promise((r) => setTimeout(r, 1500));
      app.scheduler.start();
      const done = await settled('too-late', created.id);
      expect(done.status).toBe('expired');
      expect(done.error).toMatch(/maxLatenessSec \(1 s\)/);
      expect((await api.get(`${base}/too-late/environments/production`)).json().enabled).toBe(false);
    } finally {
      app.scheduler.start();
    }
  });
});
