/**
 * `POST /api/sdk/events` and its admin reads, on whichever database the calling test
 * file built the app on. Bodies are shaped exactly as the Node SDK sends them
 * (packages/core/src/events-payload.ts).
 */
import { describe, expect, it } from 'vitest';
import { pruneBefore } from '../modules/events/store.js';
import type { SuiteContext } from './admin-suite.js';
import { dumpDatabase } from './app.js';
import { createFlag, createKey, http, type Http } from './http.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const SDK = { name: '@switchboard/node', version: '0.1.0' };
const EVENTS = '/api/sdk/events';

/** Three hours ago, on the hour: aligned to every step, inside the retention, not in the future. */
const hourAgo3 = (): number => Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
const iso = (ms: number): string => new Date(ms).toISOString();

interface Evaluation {
  flag: string;
  variant: string | null;
  count: number;
  windowStart: number;
  windowEnd: number;
}

/** A summary whose 10 s window ends `offsetMs` after `base`. */
const evaluation = (flag: string, variant: string | null, count: number, endsAt: number): Evaluation => ({
  flag,
  variant,
  count,
  windowStart: endsAt - 10_000,
  windowEnd: endsAt,
});

function batch(parts: { evaluations?: unknown[]; events?: unknown[]; dropped?: unknown }): Record<string, unknown> {
  return {
    sdk: SDK,
    evaluations: parts.evaluations ?? [],
    events: parts.events ?? [],
    ...(parts.dropped ? { dropped: parts.dropped } : {}),
  };
}

async function post(api: Http, key: string, body: unknown, headers: Record<string, string> = {}) {
  return api.post(EVENTS, body, { key, headers });
}

/** Boolean flags (variants on/off) the batches below count: only flags that exist are counted. */
async function flags(api: Http, keys: string[], clientSide = false): Promise<void> {
  for (const key of keys) await createFlag(api, key, clientSide ? { clientSide: true } : {});
}

const nothingElse = { dropped: { evaluations: 0, events: 0 }, invalid: { evaluations: 0, events: 0 }, rejected: [] };

const metricsUrl = (flag: string, env: string, from: number, to: number, step?: number) =>
  `/api/admin/flags/${flag}/environments/${env}/metrics?from=${iso(from)}&to=${iso(to)}${step !== undefined ? `&step=${step}` : ''}`;

interface Series {
  variant: string | null;
  total: number;
  counts: number[];
}

export function eventsSuite(ctx: SuiteContext): void {
  describe('SDK events', () => {
    it("accepts the Node SDK's batch with 202 and stores it", async () => {
      const api = http(ctx.app);
      const { key } = await createKey(api, 'server', 'production');
      await flags(api, ['ev-sdk']);
      const base = hourAgo3();
      const body = {
        sdk: { name: '@switchboard/node', version: '0.1.0' },
        evaluations: [
          { flag: 'ev-sdk', variant: 'on', count: 12, windowStart: base, windowEnd: base + 10_000 },
          { flag: 'ev-sdk', variant: null, count: 3, windowStart: base, windowEnd: base + 10_000 },
        ],
        events: [
          { name: 'purchase', userId: 'u1', context: { plan: 'pro' }, value: 9.99, timestamp: base + 5123, variants: { 'ev-sdk': 'on' } },
        ],
        dropped: { events: 0, evaluations: 0 },
      };
      const res = await post(api, key, body);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ accepted: { evaluations: 2, events: 1 }, expired: { evaluations: 0, events: 0 }, ...nothingElse });

      const metrics = await api.get(metricsUrl('ev-sdk', 'production', base, base + HOUR, 60));
      expect(metrics.statusCode).toBe(200);
      expect(metrics.json()).toMatchObject({
        flag: 'ev-sdk',
        environment: 'production',
        from: iso(base),
        to: iso(base + HOUR),
        step: 60,
        times: [iso(base)],
        series: [
          { variant: 'on', total: 12, counts: [12] },
          { variant: null, total: 3, counts: [3] },
        ],
        total: 15,
      });
      const events = await api.get(`/api/admin/flags/ev-sdk/environments/production/events?from=${iso(base)}&to=${iso(base + HOUR)}`);
      expect(events.statusCode).toBe(200);
      expect(events.json().events).toEqual([
        {
          name: 'purchase',
          total: { count: 1, valueCount: 1, sum: 9.99, mean: 9.99, stddev: null },
          variants: [{ variant: 'on', count: 1, valueCount: 1, sum: 9.99, mean: 9.99, stddev: null }],
        },
      ]);
    });

    it('adds evaluation counts per variant and minute across batches and keys, and re-aggregates them by step', async () => {
      const api = http(ctx.app);
      const one = await createKey(api, 'server', 'staging');
      const two = await createKey(api, 'client', 'staging');
      const elsewhere = await createKey(api, 'server', 'development');
      await flags(api, ['ev-agg', 'ev-other'], true);
      const base = hourAgo3();
      const first = batch({
        evaluations: [
          evaluation('ev-agg', 'on', 12, base + 10_000),
          evaluation('ev-agg', 'off', 3, base + 10_000),
          evaluation('ev-agg', null, 2, base + 10_000),
        ],
      });
      expect((await post(api, one.key, first)).statusCode).toBe(202);
      expect((await post(api, one.key, first)).statusCode).toBe(202); // a resend adds, like any batch
      const second = batch({
        evaluations: [
          evaluation('ev-agg', 'on', 8, base + 50_000),
          evaluation('ev-agg', 'on', 5, base + 6 * MINUTE + 1000),
          evaluation('ev-other', 'on', 99, base + 10_000),
        ],
      });
      expect((await post(api, two.key, second)).statusCode).toBe(202);
      expect(
        (await post(api, one.key, batch({ evaluations: [evaluation('ev-agg', 'on', 1, base + 14 * MINUTE + 59_999)] }))).statusCode,
      ).toBe(202);
      expect((await post(api, elsewhere.key, batch({ evaluations: [evaluation('ev-agg', 'on', 1000, base + 10_000)] }))).statusCode).toBe(
        202,
      );

      const perMinute = await api.get(metricsUrl('ev-agg', 'staging', base, base + 15 * MINUTE, 1));
      expect(perMinute.statusCode).toBe(200);
      const body = perMinute.json() as { times: string[]; series: Series[]; total: number };
      expect(body.times).toHaveLength(15);
      expect(body.times[6]).toBe(iso(base + 6 * MINUTE));
      const on = new Array(15).fill(0);
      on[0] = 32;
      on[6] = 5;
      on[14] = 1;
      const first0 = (n: number) => [n, ...new Array(14).fill(0)];
      expect(body.series).toEqual([
        { variant: 'off', total: 6, counts: first0(6) },
        { variant: 'on', total: 38, counts: on },
        { variant: null, total: 4, counts: first0(4) },
      ]);
      expect(body.total).toBe(48);

      const fiveMinutes = (await api.get(metricsUrl('ev-agg', 'staging', base, base + 15 * MINUTE, 5))).json() as {
        times: string[];
        series: Series[];
      };
      expect(fiveMinutes.times).toEqual([iso(base), iso(base + 5 * MINUTE), iso(base + 10 * MINUTE)]);
      expect(fiveMinutes.series.find((s) => s.variant === 'on')!.counts).toEqual([32, 5, 1]);

      // Unaligned bounds widen to whole steps; the default step keeps points at 500 or fewer.
      const widened = (await api.get(metricsUrl('ev-agg', 'staging', base + 7 * MINUTE, base + 11 * MINUTE, 5))).json();
      expect(widened).toMatchObject({
        from: iso(base + 5 * MINUTE),
        to: iso(base + 15 * MINUTE),
        times: [iso(base + 5 * MINUTE), iso(base + 10 * MINUTE)],
      });
      const byDefault = (await api.get(metricsUrl('ev-agg', 'staging', base, base + 15 * MINUTE))).json();
      expect(byDefault.step).toBe(1);
      const week = (await api.get(metricsUrl('ev-agg', 'staging', base - 7 * 24 * HOUR, base + HOUR))).json();
      expect(week.step).toBe(30);
      expect(week.series.find((s: Series) => s.variant === 'on').total).toBe(38);

      const dev = (await api.get(metricsUrl('ev-agg', 'development', base, base + HOUR, 60))).json();
      expect(dev.series).toEqual([{ variant: 'on', total: 1000, counts: [1000] }]);
    });

    it('aggregates tracked events by name and by the variant their users had: count, sum, mean, stddev', async () => {
      const api = http(ctx.app);
      const { key } = await createKey(api, 'server', 'production');
      await flags(api, ['ev-ramp', 'ev-elsewhere']);
      const base = hourAgo3();
      const at = (m: number) => base + m * MINUTE + 1234;
      const events = [
        { name: 'ev-purchase', userId: 'u1', value: 10, timestamp: at(1), variants: { 'ev-ramp': 'on' } },
        { name: 'ev-purchase', userId: 'u2', value: 20, timestamp: at(2), variants: { 'ev-ramp': 'off', 'ev-elsewhere': 'on' } },
        { name: 'ev-purchase', userId: 'u3', value: 30, timestamp: at(2), variants: { 'ev-ramp': 'on' } },
        {
          name: 'ev-purchase',
          userId: 'u4',
          timestamp: at(3),
          context: { plan: 'pro', seats: 3, beta: true, tags: ['a', 'b'], coupon: null },
          variants: { 'ev-ramp': 'on' },
        },
        { name: 'ev-purchase', userId: 'u5', value: 5, timestamp: at(3) },
        { name: 'ev-signup', timestamp: at(4), variants: { 'ev-ramp': 'on' } },
      ];
      expect((await post(api, key, batch({ events: events.slice(0, 3) }))).statusCode).toBe(202);
      expect((await post(api, key, batch({ events: events.slice(3) }))).statusCode).toBe(202);

      const res = await api.get(`/api/admin/flags/ev-ramp/environments/production/events?from=${iso(base)}&to=${iso(base + HOUR)}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ flag: 'ev-ramp', environment: 'production', from: iso(base), to: iso(base + HOUR), more: false });
      expect(body.events.map((e: { name: string }) => e.name)).toEqual(['ev-purchase', 'ev-signup']);
      const [purchase, signup] = body.events;
      expect(purchase.total).toEqual({ count: 5, valueCount: 4, sum: 65, mean: 16.25, stddev: expect.any(Number) });
      expect(purchase.variants).toEqual([
        { variant: 'off', count: 1, valueCount: 1, sum: 20, mean: 20, stddev: null },
        { variant: 'on', count: 3, valueCount: 2, sum: 40, mean: 20, stddev: expect.closeTo(Math.SQRT2 * 10, 9) },
      ]);
      expect(signup).toEqual({
        name: 'ev-signup',
        total: { count: 1, valueCount: 0, sum: 0, mean: null, stddev: null },
        variants: [{ variant: 'on', count: 1, valueCount: 0, sum: 0, mean: null, stddev: null }],
      });

      const limited = (
        await api.get(`/api/admin/flags/ev-ramp/environments/production/events?from=${iso(base)}&to=${iso(base + HOUR)}&limit=1`)
      ).json();
      expect(limited.events.map((e: { name: string }) => e.name)).toEqual(['ev-purchase']);
      expect(limited.more).toBe(true);
      const narrow = (
        await api.get(`/api/admin/flags/ev-ramp/environments/production/events?from=${iso(base + 2 * MINUTE)}&to=${iso(base + 3 * MINUTE)}`)
      ).json();
      expect(narrow.events[0].variants).toEqual([
        { variant: 'off', count: 1, valueCount: 1, sum: 20, mean: 20, stddev: null },
        { variant: 'on', count: 1, valueCount: 1, sum: 30, mean: 30, stddev: null },
      ]);
      const otherEnv = (
        await api.get(`/api/admin/flags/ev-ramp/environments/staging/events?from=${iso(base)}&to=${iso(base + HOUR)}`)
      ).json();
      expect(otherEnv.events).toEqual([]);
    });

    it('records what SDKs report dropping, and skips (and reports) entries older than the retention', async () => {
      const api = http(ctx.app);
      expect((await api.post('/api/admin/environments', { key: 'ev-drops' })).statusCode).toBe(201);
      const { key } = await createKey(api, 'client', 'ev-drops');
      await flags(api, ['ev-drop-flag'], true);
      const now = Date.now();
      const old = now - 200 * 24 * HOUR;
      const res = await post(
        api,
        key,
        batch({
          evaluations: [evaluation('ev-drop-flag', 'on', 4, now - 1000), evaluation('ev-drop-flag', 'on', 7, old)],
          events: [{ name: 'ev-old', timestamp: old, variants: { 'ev-drop-flag': 'on' } }],
          dropped: { events: 2, evaluations: 5 },
        }),
      );
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ accepted: { evaluations: 1, events: 0 }, expired: { evaluations: 1, events: 1 }, ...nothingElse });
      expect((await post(api, key, batch({ dropped: { events: 1, evaluations: 0 } }))).statusCode).toBe(202);
      const metrics = (await api.get(metricsUrl('ev-drop-flag', 'ev-drops', now - HOUR, now + MINUTE))).json();
      expect(metrics.total).toBe(4);
      expect(metrics.dropped).toEqual({ events: 3, evaluations: 5 });
      const oldRange = (await api.get(metricsUrl('ev-drop-flag', 'ev-drops', old - HOUR, old + HOUR))).json();
      expect(oldRange.total).toBe(0);
    });

    it('prunes aggregates older than a cutoff in small batches, keeping newer ones', async () => {
      const api = http(ctx.app);
      const { key } = await createKey(api, 'server', 'development');
      await flags(api, ['ev-prune']);
      const now = Date.now();
      const day = 24 * HOUR;
      const res = await post(
        api,
        key,
        batch({
          evaluations: [
            evaluation('ev-prune', 'on', 1, now - 20 * day),
            evaluation('ev-prune', 'off', 1, now - 20 * day),
            evaluation('ev-prune', 'on', 2, now - 5 * day),
          ],
          events: [{ name: 'ev-prune-event', timestamp: now - 20 * day, variants: { 'ev-prune': 'on' } }],
        }),
      );
      expect(res.statusCode).toBe(202);
      const before = (await api.get(metricsUrl('ev-prune', 'development', now - 30 * day, now))).json();
      expect(before.total).toBe(4);
      const deleted = await pruneBefore(ctx.app.database.db, new Date(now - 10 * day), 1);
      expect(deleted).toBe(4); // two evaluation rows, the event's total row and its ev-prune row
      const after = (await api.get(metricsUrl('ev-prune', 'development', now - 30 * day, now))).json();
      expect(after.series).toEqual([expect.objectContaining({ variant: 'on', total: 2 })]);
      expect(await pruneBefore(ctx.app.database.db, new Date(now - 10 * day))).toBe(0);
    });

    it('takes server and client keys (CORS for client keys only); refuses no key, admin keys and revoked keys', async () => {
      const api = http(ctx.app);
      const origin = 'https://app.example.com';
      const client = await createKey(api, 'client', 'production');
      const server = await createKey(api, 'server', 'production');
      const body = batch({ evaluations: [evaluation('ev-auth', 'on', 1, Date.now())] });

      const fromBrowser = await post(api, client.key, body, { origin });
      expect(fromBrowser.statusCode).toBe(202);
      expect(fromBrowser.headers['access-control-allow-origin']).toBe(origin);
      const fromServer = await post(api, server.key, body, { origin });
      expect(fromServer.statusCode).toBe(202);
      expect(fromServer.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await api.request('OPTIONS', EVENTS, {
        key: null,
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);

      const none = await post(api, null as unknown as string, body);
      expect(none.statusCode).toBe(401);
      expect(none.json().error.code).toBe('UNAUTHORIZED');
      const admin = await api.post(EVENTS, body);
      expect(admin.statusCode).toBe(403);
      expect(admin.json().error.code).toBe('FORBIDDEN');
      const adminKey = await createKey(api, 'admin');
      expect((await post(api, adminKey.key, body)).statusCode).toBe(403);
      expect((await post(api, 'sb_server_not-a-key-at-all-000000000000000000000', body)).statusCode).toBe(401);

      expect((await api.del(`/api/admin/api-keys/${server.id}`)).statusCode).toBe(204);
      const revoked = await post(api, server.key, body);
      expect(revoked.statusCode).toBe(401);
      expect(revoked.json().error.code).toBe('UNAUTHORIZED');
    });

    it('bounds the read ranges and names the parameter at fault', async () => {
      const api = http(ctx.app);
      const base = hourAgo3();
      const cases: [string, number, string | undefined][] = [
        [metricsUrl('ev-range', 'production', base, base - HOUR), 400, 'from'],
        [metricsUrl('ev-range', 'production', base, base), 400, 'from'],
        [metricsUrl('ev-range', 'production', base - 32 * 24 * HOUR, base), 400, 'from'],
        [metricsUrl('ev-range', 'production', base - 30 * 24 * HOUR, base, 1), 400, 'step'],
        [metricsUrl('ev-range', 'production', base, base + HOUR, 0), 400, 'step'],
        [`/api/admin/flags/ev-range/environments/production/metrics?from=yesterday`, 400, 'from'],
        [`/api/admin/flags/ev-range/environments/production/metrics?range=1d`, 400, 'range'],
        [metricsUrl('ev-range', 'nowhere', base, base + HOUR), 404, undefined],
        [`/api/admin/flags/ev-range/environments/nowhere/events`, 404, undefined],
        [`/api/admin/flags/ev-range/environments/production/events?limit=0`, 400, 'limit'],
        [`/api/admin/flags/ev-range/environments/production/events?from=${iso(base)}&to=${iso(base + 40 * 24 * HOUR)}`, 400, 'from'],
        [`/api/admin/flags/bad%20key/environments/production/metrics`, 400, 'key'],
      ];
      const failures: string[] = [];
      for (const [url, status, field] of cases) {
        const res = await api.get(url);
        if (res.statusCode !== status || res.json().error?.field !== field) failures.push(`${url}: ${res.statusCode} ${res.body}`);
      }
      expect(failures).toEqual([]);
      const ok = await api.get(metricsUrl('ev-range', 'production', base - 31 * 24 * HOUR, base, 30));
      expect(ok.statusCode).toBe(200);
      expect(ok.json().times).toHaveLength(31 * 48);
      expect(ok.json().series).toEqual([]);
      expect((await api.get(metricsUrl('ev-range', 'production', base, base + HOUR), { key: null })).statusCode).toBe(401);
    });
  });

  describe('SDK events: attributes', () => {
    it('never stores what a browser says about its user, so no attribute can target it later', async () => {
      const api = http(ctx.app);
      const client = await createKey(api, 'client', 'production');
      const server = await createKey(api, 'server', 'production');
      const before = (await api.get('/api/sdk/flags', { key: server.key })).json() as { revision: number };
      const marker = 'self-elevated-7f3a';
      const res = await post(
        api,
        client.key,
        batch({
          events: [
            {
              name: 'ev-claims',
              userId: `${marker}-user`,
              timestamp: Date.now(),
              context: { role: `${marker}-admin`, plan: 'enterprise', [`${marker}-attr`]: true },
            },
          ],
        }),
      );
      expect(res.statusCode).toBe(202);
      expect((await dumpDatabase(ctx.app)).text).not.toContain(marker);
      expect(((await api.get('/api/sdk/flags', { key: server.key })).json() as { revision: number }).revision).toBe(before.revision);
    });
  });

  describe('SDK events: bad bodies and bad entries', () => {
    it('answers a malformed envelope with a 4xx naming the field, and stores nothing from it', async () => {
      const api = http(ctx.app);
      const { key } = await createKey(api, 'server', 'production');
      await flags(api, ['ev-bad']);
      const now = Date.now();
      const good = { flag: 'ev-bad', variant: 'on', count: 1, windowStart: now - 10_000, windowEnd: now };
      const event = { name: 'ev-bad-event', timestamp: now, variants: { 'ev-bad': 'on' } };
      const withEval = (patch: Record<string, unknown>) => batch({ evaluations: [{ ...good, ...patch }] });
      const withEvent = (patch: Record<string, unknown>) => batch({ evaluations: [good], events: [{ ...event, ...patch }] });
      const cases: { name: string; body: unknown; status?: number; field: string; headers?: Record<string, string> }[] = [
        { name: 'evaluations not an array', body: { ...batch({}), evaluations: {} }, field: 'evaluations' },
        { name: 'unknown top-level field', body: { ...withEval({}), extra: true }, field: 'extra' },
        { name: 'missing sdk', body: { evaluations: [good], events: [] }, field: 'sdk' },
        { name: 'empty sdk name', body: { ...withEval({}), sdk: { name: '', version: '1' } }, field: 'sdk.name' },
        { name: '1001 events', body: batch({ evaluations: [good], events: Array.from({ length: 1001 }, () => event) }), field: 'events' },
        { name: '10 001 evaluations', body: batch({ evaluations: Array.from({ length: 10_001 }, () => good) }), field: 'evaluations' },
        { name: 'negative dropped count', body: { ...withEval({}), dropped: { events: -1, evaluations: 0 } }, field: 'dropped.events' },
        { name: 'dropped without evaluations', body: { ...withEval({}), dropped: { events: 1 } }, field: 'dropped.evaluations' },
        {
          name: '3 MB body',
          body: JSON.stringify(withEvent({ context: { a: 'x'.repeat(1000) } })).replace(
            '"sdk"',
            `"pad":"${'x'.repeat(3 * 1024 * 1024)}","sdk"`,
          ),
          status: 413,
          field: 'body',
          headers: { 'content-type': 'application/json' },
        },
        { name: 'text/plain body', body: 'hello', status: 415, field: 'content-type', headers: { 'content-type': 'text/plain' } },
        { name: 'truncated JSON', body: '{"sdk":', status: 400, field: 'body', headers: { 'content-type': 'application/json' } },
        {
          name: '__proto__ in context',
          body: JSON.stringify(withEvent({})).replace(
            '"name":"ev-bad-event"',
            '"context":{"__proto__":{"polluted":true}},"name":"ev-bad-event"',
          ),
          field: 'body',
          headers: { 'content-type': 'application/json' },
        },
        {
          name: 'constructor.prototype in context',
          body: JSON.stringify(withEvent({})).replace(
            '"name":"ev-bad-event"',
            '"context":{"constructor":{"prototype":{"polluted":true}}},"name":"ev-bad-event"',
          ),
          field: 'body',
          headers: { 'content-type': 'application/json' },
        },
      ];
      const failures: string[] = [];
      for (const c of cases) {
        const res = await post(api, key, c.body, c.headers);
        const error = (res.json() as { error?: { field?: string; code?: string } }).error;
        if (res.statusCode !== (c.status ?? 400) || error?.field !== c.field || !error?.code) {
          failures.push(`${c.name}: ${res.statusCode} field=${String(error?.field)} ${res.body.slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      const stored = (await api.get(metricsUrl('ev-bad', 'production', now - HOUR, now + MINUTE))).json();
      expect(stored.total).toBe(0);
      const events = (
        await api.get(`/api/admin/flags/ev-bad/environments/production/events?from=${iso(now - HOUR)}&to=${iso(now + MINUTE)}`)
      ).json();
      expect(events.events).toEqual([]);
      expect((await post(api, key, withEval({}))).statusCode).toBe(202);
    });

    it('refuses each bad entry on its own (202, the entry named in `rejected`) and stores the good ones beside it', async () => {
      const api = http(ctx.app);
      const { key } = await createKey(api, 'server', 'production');
      await flags(api, ['ev-bad-entry']);
      const now = Date.now();
      const good = { flag: 'ev-bad-entry', variant: 'on', count: 1, windowStart: now - 10_000, windowEnd: now };
      const event = { name: 'ev-bad-entry-event', timestamp: now, variants: { 'ev-bad-entry': 'on' } };
      // Each batch: one good summary and one bad entry.
      const withEval = (patch: Record<string, unknown>) => batch({ evaluations: [good, { ...good, ...patch }] });
      const withEvent = (patch: Record<string, unknown>) => batch({ evaluations: [good], events: [{ ...event, ...patch }] });
      const cases: { name: string; body: unknown; path: string }[] = [
        { name: 'negative count', body: withEval({ count: -1 }), path: '/evaluations/1/count' },
        { name: 'fractional count', body: withEval({ count: 1.5 }), path: '/evaluations/1/count' },
        { name: 'count as a string', body: withEval({ count: '12' }), path: '/evaluations/1/count' },
        { name: 'absurd count', body: withEval({ count: 1e15 }), path: '/evaluations/1/count' },
        { name: 'unknown field in a summary', body: withEval({ flagg: 'x' }), path: '/evaluations/1/flagg' },
        { name: 'variant as a number', body: withEval({ variant: 1 }), path: '/evaluations/1/variant' },
        {
          name: 'missing windowEnd',
          body: batch({ evaluations: [good, { flag: 'ev-bad-entry', variant: 'on', count: 1, windowStart: now }] }),
          path: '/evaluations/1/windowEnd',
        },
        {
          name: 'window ending before it starts',
          body: withEval({ windowStart: now, windowEnd: now - 1 }),
          path: '/evaluations/1/windowStart',
        },
        { name: 'window ending tomorrow', body: withEval({ windowEnd: now + 24 * HOUR }), path: '/evaluations/1/windowEnd' },
        { name: 'flag key with a NUL', body: withEval({ flag: 'ev\u0000bad' }), path: '/evaluations/1/flag' },
        { name: '257-character flag key', body: withEval({ flag: 'f'.repeat(257) }), path: '/evaluations/1/flag' },
        { name: 'a summary that is not an object', body: batch({ evaluations: [good, 'ev-bad-entry'] }), path: '/evaluations/1' },
        { name: 'timestamp in seconds', body: withEvent({ timestamp: Math.floor(now / 1000) }), path: '/events/0/timestamp' },
        { name: 'timestamp an hour ahead', body: withEvent({ timestamp: now + HOUR }), path: '/events/0/timestamp' },
        { name: 'timestamp as an ISO string', body: withEvent({ timestamp: new Date(now).toISOString() }), path: '/events/0/timestamp' },
        { name: 'empty event name', body: withEvent({ name: '' }), path: '/events/0/name' },
        { name: '201-character event name', body: withEvent({ name: 'x'.repeat(201) }), path: '/events/0/name' },
        { name: 'value as a string', body: withEvent({ value: '9.99' }), path: '/events/0/value' },
        { name: 'value of 1e16', body: withEvent({ value: 1e16 }), path: '/events/0/value' },
        { name: 'nested object in context', body: withEvent({ context: { plan: { tier: 'pro' } } }), path: '/events/0/context/plan' },
        { name: 'oversized context string', body: withEvent({ context: { note: 'x'.repeat(5000) } }), path: '/events/0/context/note' },
        {
          name: 'context with 51 attributes',
          body: withEvent({ context: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, i])) }),
          path: '/events/0/context',
        },
        { name: 'variants key not a flag key', body: withEvent({ variants: { 'not a key': 'on' } }), path: '/events/0/variants/not a key' },
        {
          name: 'variants value not a string',
          body: withEvent({ variants: { 'ev-bad-entry': true } }),
          path: '/events/0/variants/ev-bad-entry',
        },
        { name: 'unknown field in an event', body: withEvent({ properties: {} }), path: '/events/0/properties' },
        { name: 'userId as a number', body: withEvent({ userId: 42 }), path: '/events/0/userId' },
        { name: 'userId as an object', body: withEvent({ userId: { $ne: '' } }), path: '/events/0/userId' },
        { name: '513-character userId', body: withEvent({ userId: 'u'.repeat(513) }), path: '/events/0/userId' },
        {
          name: 'context nested 1 000 deep',
          body: withEvent({ context: { deep: JSON.parse(`${'['.repeat(1000)}${']'.repeat(1000)}`) } }),
          path: '/events/0/context/deep',
        },
      ];
      const failures: string[] = [];
      for (const c of cases) {
        const res = await post(api, key, c.body);
        const answer = res.json() as { accepted?: { evaluations: number }; rejected?: { path: string; reason: string }[] };
        const rejected = answer.rejected ?? [];
        if (
          res.statusCode !== 202 ||
          answer.accepted?.evaluations !== 1 ||
          rejected.length !== 1 ||
          rejected[0]!.path !== c.path ||
          !rejected[0]!.reason
        ) {
          failures.push(`${c.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }
      expect(failures).toEqual([]);
      const stored = (await api.get(metricsUrl('ev-bad-entry', 'production', now - HOUR, now + MINUTE))).json();
      expect(stored.total).toBe(cases.length);
      // Refused entries count as dropped: each event as one, each summary as its count when that is usable.
      expect(stored.dropped.events).toBe(cases.filter((c) => c.path.startsWith('/events')).length);
      const events = (
        await api.get(`/api/admin/flags/ev-bad-entry/environments/production/events?from=${iso(now - HOUR)}&to=${iso(now + MINUTE)}`)
      ).json();
      expect(events.events).toEqual([]);
    });
  });
}
