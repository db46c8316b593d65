/**
 * SDK delivery (snapshot, projections, ETag, SSE), the auth matrix and the ops routes.
 * Expects the app built with `heartbeatIntervalMs` ≤ 500, `sseMaxConnectionsPerKey` = 3 and
 * `corsOrigins` = ['https://app.example.com'] (see `suiteConfig`).
 */
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './admin-suite.js';
import { ADMIN_TOKEN } from './app.js';
import { createFlag, createKey, http, ifMatch, patchConfig, type Http } from './http.js';
import { openStream, patchOf, type SseStream } from './sse.js';

export function deliverySuite(ctx: SuiteContext): void {
  let api: Http;
  const setup = () => {
    api = http(ctx.app);
  };
  const streamUrl = () => `${ctx.baseUrl}/api/sdk/stream`;

  describe('GET /api/sdk/flags', () => {
    it('gives server keys the whole snapshot and client keys only client-side flags with the segments they use', async () => {
      setup();
      await api.post('/api/admin/segments', { key: 'inner-seg', included: ['u1'], conditions: [] });
      await api.post('/api/admin/segments', { key: 'outer-seg', conditions: [{ operator: 'inSegment', values: ['inner-seg'] }] });
      await api.post('/api/admin/segments', { key: 'server-only-seg', included: ['secret-user'], conditions: [] });
      await createFlag(api, 'web-banner', { clientSide: true });
      await createFlag(api, 'server-rule', { clientSide: false });
      const rule = (seg: string) => ({
        id: 'r',
        conditions: [{ attribute: 'userId', operator: 'inSegment', values: [seg] }],
        serve: { variant: 'on' },
      });
      expect((await patchConfig(api, 'web-banner', 'staging', { rules: [rule('outer-seg')] })).statusCode).toBe(200);
      expect((await patchConfig(api, 'server-rule', 'staging', { rules: [rule('server-only-seg')] })).statusCode).toBe(200);

      const server = await createKey(api, 'server', 'staging');
      const client = await createKey(api, 'client', 'staging');
      const full = (await api.get('/api/sdk/flags', { key: server.key })).json();
      expect(full).toMatchObject({ schemaVersion: 1, environment: 'staging' });
      expect(Object.keys(full.flags)).toEqual(expect.arrayContaining(['web-banner', 'server-rule']));
      expect(Object.keys(full.segments)).toEqual(expect.arrayContaining(['inner-seg', 'outer-seg', 'server-only-seg']));

      const res = await api.get('/api/sdk/flags', { key: client.key });
      expect(res.statusCode).toBe(200);
      const projection = res.json();
      expect(projection.revision).toBe(full.revision);
      for (const flag of Object.values(projection.flags) as { clientSide?: boolean }[]) expect(flag.clientSide).toBe(true);
      expect(Object.keys(projection.flags)).toContain('web-banner');
      expect(Object.keys(projection.flags)).not.toContain('server-rule');
      expect(Object.keys(projection.segments).sort()).toEqual(['inner-seg', 'outer-seg']);
      expect(res.body).not.toContain('secret-user');
    });

    it('answers 304 to If-None-Match with the current revision, 200 once it moves', async () => {
      setup();
      await createFlag(api, 'etag-flag');
      const { key } = await createKey(api, 'server', 'development');
      const first = await api.get('/api/sdk/flags', { key });
      const etag = first.headers.etag as string;
      expect(etag).toBe(`"${first.json().revision}"`);
      expect(first.headers['cache-control']).toBe('no-cache');
      const again = await api.get('/api/sdk/flags', { key, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect((await api.get('/api/sdk/flags', { key, headers: { 'if-none-match': `W/${etag}` } })).statusCode).toBe(304);
      await patchConfig(api, 'etag-flag', 'development', { enabled: true });
      const moved = await api.get('/api/sdk/flags', { key, headers: { 'if-none-match': etag } });
      expect(moved.statusCode).toBe(200);
      expect(moved.json().flags['etag-flag'].enabled).toBe(true);
    });

    it('allows CORS only for configured origins and only for client keys', async () => {
      setup();
      const server = await createKey(api, 'server', 'production');
      const client = await createKey(api, 'client', 'production');
      const origin = 'https://app.example.com';
      const c = await api.get('/api/sdk/flags', { key: client.key, headers: { origin } });
      const s = await api.get('/api/sdk/flags', { key: server.key, headers: { origin } });
      const a = await api.get('/api/admin/flags', { headers: { origin } });
      expect(c.headers['access-control-allow-origin']).toBe(origin);
      expect(c.headers['access-control-expose-headers']).toContain('etag');
      expect(c.headers['access-control-allow-credentials']).toBeUndefined();
      expect(s.headers['access-control-allow-origin']).toBeUndefined();
      expect(a.headers['access-control-allow-origin']).toBeUndefined();
      const other = await api.get('/api/sdk/flags', { key: client.key, headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      // The answer depends on the Origin, so a shared cache must not hand one origin's answer to another.
      for (const res of [c, other]) expect(String(res.headers.vary)).toMatch(/\bOrigin\b/);
      const preflight = await api.request('OPTIONS', '/api/sdk/stream', {
        key: null,
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.statusCode).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
      const adminPreflight = await api.request('OPTIONS', '/api/admin/flags', {
        key: null,
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      expect(adminPreflight.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('GET /api/sdk/stream', () => {
    const open: SseStream[] = [];
    const stream = async (key: string | undefined, headers?: Record<string, string>) => {
      const s = await openStream(streamUrl(), key, headers);
      open.push(s);
      return s;
    };
    const closeAll = () => {
      for (const s of open.splice(0)) s.close();
    };

    it('sends retry and a full put on connect, a patch per change with its version, and heartbeats', async () => {
      setup();
      await createFlag(api, 'streamed');
      const { key } = await createKey(api, 'server', 'production');
      const s = await stream(key);
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const put = await s.next((e) => e.event === 'put');
      const snap = put.json as { revision: number; flags: Record<string, unknown> };
      expect(put.id).toBe(String(snap.revision));
      expect(Object.keys(snap.flags)).toContain('streamed');
      expect(s.retry).toBe(1000);

      expect((await patchConfig(api, 'streamed', 'production', { enabled: true })).statusCode).toBe(200);
      const patch = await s.next(patchOf('streamed', true));
      expect(patch.json).toMatchObject({
        revision: snap.revision + 1,
        key: 'streamed',
        flag: { key: 'streamed', version: 2, enabled: true },
      });
      expect(patch.id).toBe(String(snap.revision + 1));

      await new Promise((r) => setTimeout(r, 700));
      expect(s.comments).toContain('ping');
      closeAll();
    });

    it('client streams get client-side flags only, null when a flag stops being visible, and a put on segment changes', async () => {
      setup();
      await createFlag(api, 'visible', { clientSide: true });
      await createFlag(api, 'hidden');
      const { key } = await createKey(api, 'client', 'production');
      const s = await stream(key);
      await s.next((e) => e.event === 'put');
      await patchConfig(api, 'hidden', 'production', { enabled: true });
      await patchConfig(api, 'visible', 'production', { enabled: true });
      await s.next(patchOf('visible', true));
      expect(s.events.some(patchOf('hidden'))).toBe(false);

      expect((await api.patch('/api/admin/flags/visible', { clientSide: false }, ifMatch(1))).statusCode).toBe(200);
      const gone = await s.next((e) => patchOf('visible')(e) && (e.json as { flag: unknown }).flag === null);
      expect(gone.json).toMatchObject({ key: 'visible', flag: null });

      const puts = s.events.filter((e) => e.event === 'put').length;
      await api.post('/api/admin/segments', { key: 'stream-seg', conditions: [] });
      await s.next((e) => e.event === 'put' && s.events.filter((x) => x.event === 'put').length > puts);
      closeAll();
    });

    it('answers any Last-Event-ID (negative, not a number, huge, ahead of the server) with a full put', async () => {
      setup();
      await createFlag(api, 'resumed');
      // A key per stream: closed streams leave the per-key count a moment after the abort.
      const keys = await Promise.all(Array.from({ length: 5 }, () => createKey(api, 'server', 'staging')));
      const current = (await api.get('/api/sdk/flags', { key: keys[0]!.key })).json() as { revision: number };
      const ids = ['-1', 'abc', '9e99', String(current.revision + 1000), ''];
      for (const [i, lastEventId] of ids.entries()) {
        const s = await stream(keys[i]!.key, { 'last-event-id': lastEventId });
        expect(s.status, lastEventId).toBe(200);
        expect(s.headers.get('content-type'), lastEventId).toMatch(/^text\/event-stream/);
        const put = await s.next((e) => e.event === 'put');
        expect(put.json, lastEventId).toMatchObject({ revision: current.revision, flags: { resumed: expect.any(Object) } });
        expect(put.id).toBe(String(current.revision));
        closeAll();
      }
    });

    it('closes the streams of a revoked key', async () => {
      setup();
      const created = await createKey(api, 'server', 'staging');
      const s = await stream(created.key);
      await s.next((e) => e.event === 'put');
      expect((await api.del(`/api/admin/api-keys/${created.id}`)).statusCode).toBe(204);
      await Promise.race([s.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream still open')), 3000))]);
      const again = await stream(created.key);
      expect(again.status).toBe(401);
    });

    it('caps streams per key with 429 and Retry-After, leaving other keys unaffected', async () => {
      setup();
      const { key } = await createKey(api, 'client', 'development');
      const other = await createKey(api, 'client', 'development');
      for (let i = 0; i < 3; i++) expect((await stream(key)).status).toBe(200);
      const over = await stream(key);
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(over.body!).error.code).toBe('RATE_LIMITED');
      const neighbour = await stream(other.key);
      expect(neighbour.status).toBe(200);
      await neighbour.next((e) => e.event === 'put');
      expect((await api.get('/api/sdk/flags', { key })).statusCode).toBe(200);
      closeAll();
      await new Promise((r) => setTimeout(r, 100));
      expect((await stream(key)).status).toBe(200);
      closeAll();
    });
  });

  describe('auth matrix', () => {
    it('gives exactly the expected status for every key on every route family', async () => {
      setup();
      const dbAdmin = await createKey(api, 'admin');
      const serverA = await createKey(api, 'server', 'staging');
      const clientA = await createKey(api, 'client', 'staging');
      const serverB = await createKey(api, 'server', 'production');
      const clientB = await createKey(api, 'client', 'production');
      const revoked = await createKey(api, 'server', 'staging');
      await api.del(`/api/admin/api-keys/${revoked.id}`);

      const keys: Record<string, string | undefined> = {
        'admin token': ADMIN_TOKEN,
        'admin key': dbAdmin.key,
        'server key env A': serverA.key,
        'client key env A': clientA.key,
        'server key env B': serverB.key,
        'client key env B': clientB.key,
        'revoked key': revoked.key,
        'unknown key': 'sb_server_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'no key': undefined,
      };
      const expected: Record<string, [admin: number, flags: number, stream: number]> = {
        'admin token': [200, 403, 403],
        'admin key': [200, 403, 403],
        'server key env A': [403, 200, 200],
        'client key env A': [403, 200, 200],
        'server key env B': [403, 200, 200],
        'client key env B': [403, 200, 200],
        'revoked key': [401, 401, 401],
        'unknown key': [401, 401, 401],
        'no key': [401, 401, 401],
      };
      const adminRoutes = ['/api/admin/flags', '/api/admin/segments', '/api/admin/environments', '/api/admin/api-keys', '/api/admin/audit'];
      const envOf: Record<string, string> = {
        'server key env A': 'staging',
        'client key env A': 'staging',
        'server key env B': 'production',
        'client key env B': 'production',
      };
      const actual: Record<string, number[]> = {};
      for (const [name, key] of Object.entries(keys)) {
        const adminStatuses = new Set<number>();
        let adminRes = await api.get(adminRoutes[0]!, { key: key ?? null });
        for (const route of adminRoutes) {
          adminRes = await api.get(route, { key: key ?? null });
          adminStatuses.add(adminRes.statusCode);
        }
        expect(adminStatuses.size, `${name}: admin routes disagree`).toBe(1);
        const flagsRes = await api.get('/api/sdk/flags', { key: key ?? null });
        const s = await openStream(streamUrl(), key);
        s.close();
        actual[name] = [adminRes.statusCode, flagsRes.statusCode, s.status];
        for (const res of [adminRes, flagsRes]) {
          if (res.statusCode >= 400) expect(res.json().error).toMatchObject({ code: expect.any(String), requestId: expect.any(String) });
        }
        if (flagsRes.statusCode === 200) expect(flagsRes.json().environment).toBe(envOf[name]);
      }
      expect(actual).toEqual(expected);
    });

    it('every admin and SDK route in the OpenAPI document refuses a request without a key', async () => {
      setup();
      const doc = (await api.get('/docs/json', { key: null })).json() as { paths: Record<string, Record<string, unknown>> };
      const checked: string[] = [];
      for (const [path, methods] of Object.entries(doc.paths)) {
        // Signing in is what a caller without a key comes to do; only /api/auth/session needs one.
        if (!path.startsWith('/api/') || (path.startsWith('/api/auth/') && path !== '/api/auth/session')) continue;
        const url = path.replace(/\{id\}/g, '00000000-0000-0000-0000-000000000000').replace(/\{[^}]+\}/g, 'production');
        for (const method of Object.keys(methods)) {
          if (method === 'head' || method === 'options') continue;
          const res = await api.request(method.toUpperCase() as 'GET', url, { key: null });
          expect(res.statusCode, `${method} ${path}`).toBe(401);
          checked.push(`${method} ${path}`);
        }
      }
      expect(checked.length).toBeGreaterThan(20);
    });

    it('refuses malformed Authorization headers', async () => {
      setup();
      expect((await api.get('/api/admin/flags', { key: null, headers: { authorization: `bearer ${ADMIN_TOKEN}` } })).statusCode).toBe(200);
      for (const authorization of [
        'Bearer',
        'Bearer ',
        `Basic ${ADMIN_TOKEN}`,
        `Bearer ${'x'.repeat(8000)}`,
        `Bearer${ADMIN_TOKEN}`,
        'Bearer a b',
        `Bearer ${ADMIN_TOKEN}x`,
      ]) {
        const res = await api.get('/api/admin/flags', { key: null, headers: { authorization } });
        expect(res.statusCode, authorization.slice(0, 20)).toBe(401);
      }
    });
  });

  describe('ops routes', () => {
    it('serves liveness, readiness, metrics and the OpenAPI document', async () => {
      setup();
      expect((await api.get('/health/live', { key: null })).json()).toEqual({ status: 'ok' });
      const ready = await api.get('/health/ready', { key: null });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: 'up', snapshots: 'loaded' } });
      const metrics = await api.get('/metrics', { key: null });
      for (const name of [
        'switchboard_http_request_duration_seconds',
        'switchboard_sse_connections',
        'switchboard_snapshot_revision',
        'switchboard_propagation_lag_seconds',
        'switchboard_fanout_applied_total',
      ]) {
        expect(metrics.body).toContain(name);
      }
      const doc = (await api.get('/docs/json', { key: null })).json();
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/admin/flags',
          '/api/admin/flags/{key}/environments/{env}',
          '/api/sdk/flags',
          '/api/sdk/stream',
          '/api/admin/audit',
        ]),
      );
      expect((await api.get('/docs', { key: null })).statusCode).toBeLessThan(400);
    });

    it('generates its own request id, echoes a valid X-Request-Id apart, and renders unknown routes as JSON errors', async () => {
      setup();
      const res = await api.get('/api/admin/nope', { headers: { 'x-request-id': 'trace-123' } });
      expect(res.statusCode).toBe(404);
      const ours = res.headers['x-request-id'] as string;
      expect(ours).not.toBe('trace-123');
      expect(res.headers['x-client-request-id']).toBe('trace-123');
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String), requestId: ours } });
      const bad = await api.get('/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(bad.headers['x-request-id']).not.toBe('bad id with spaces');
      expect(bad.headers['x-client-request-id']).toBeUndefined();
    });
  });
}
