/**
 * Two instances on one Postgres and one Redis: changes written on A reach SSE clients on
 * B through Redis, through the revision check while Redis is down (when B keeps answering
 * SDK reads from memory and A keeps taking writes, F1), and through Redis again once it
 * is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import { buildApp, type App } from './app.js';
import { testConfig } from './test-support/app.js';
import { http, type Http } from './test-support/http.js';
import { after, openStream, patchOf, type SseStream } from './test-support/sse.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let a: App;
let b: App;
let urlB: string;
let adminKey: string;
let serverKey: string;
const streams: SseStream[] = [];

async function appliedVia(app: App, path: string): Promise<number> {
  const metric = await app.metrics.fanoutApplied.get();
  return metric.values.find((v) => v.labels.path === path)?.value ?? 0;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  const databaseUrl = await pg.createDatabase('fanout');
  const printed: string[] = [];
  const config = testConfig({ adminToken: undefined, databaseUrl, redisUrl: redis.url });
  // Started together on an empty database: migrations and seeding run once, under the lock.
  [a, b] = await Promise.all([
    buildApp(config, { logger: false, onBootstrapAdminKey: (k) => printed.push(k) }),
    buildApp(config, { logger: false, onBootstrapAdminKey: (k) => printed.push(k) }),
  ]);
  expect(printed).toHaveLength(1);
  adminKey = printed[0]!;
  await a.listen({ port: 0, host: '127.0.0.1' });
  urlB = await b.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  for (const s of streams) s.close();
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('two instances', () => {
  let apiA: Http;
  let stream: SseStream;

  it('started together, they migrated and seeded once', async () => {
    apiA = http(a);
    const envs = (await apiA.get('/api/admin/environments', { key: adminKey })).json().environments;
    expect(envs.map((e: { key: string }) => e.key)).toEqual(['development', 'staging', 'production']);
    expect((await http(b).get('/api/admin/api-keys', { key: adminKey })).json().apiKeys).toHaveLength(1);
  });

  it('a kill switch sent to A reaches an SSE client on B through Redis', async () => {
    const admin = { key: adminKey };
    const res = await apiA.post('/api/admin/flags', { key: 'checkout', type: 'boolean' }, admin);
    expect(res.statusCode).toBe(201);
    expect(
      (
        await apiA.patch(
          '/api/admin/flags/checkout/environments/production',
          { enabled: true },
          { ...admin, headers: { 'if-match': '"1"' } },
        )
      ).statusCode,
    ).toBe(200);
    serverKey = (await createKeyAs(apiA, 'server', 'production')).key;
    stream = await openStream(`${urlB}/api/sdk/stream`, serverKey);
    streams.push(stream);
    const put = await stream.next((e) => e.event === 'put');
    expect((put.json as { flags: Record<string, { enabled: boolean }> }).flags.checkout!.enabled).toBe(true);

    const viaRedis = await appliedVia(b, 'redis');
    const seen = stream.events.length;
    const kill = await patchAs(apiA, 'checkout', 'production', { enabled: false });
    expect(kill.statusCode).toBe(200);
    const patch = await stream.next(after(stream, seen, patchOf('checkout', false)));
    expect(patch.json).toMatchObject({ key: 'checkout', flag: { enabled: false, version: 3 } });
    expect(await appliedVia(b, 'redis')).toBeGreaterThan(viaRedis);
    // A cached the snapshot in Redis for instances that start while Postgres is away.
    const probe = new Redis(redis!.url);
    const cached = await probe.hget('switchboard:snapshot:production', 'revision');
    probe.disconnect();
    expect(Number(cached)).toBe((patch.json as { revision: number }).revision);
  });

  it('with Redis stopped, the change still arrives through the revision check within 2 s', async () => {
    await redis!.kill();
    await until(() => !a.redis!.up && !b.redis!.up, 5000, 'both instances to notice Redis is down');
    const viaCheck = await appliedVia(b, 'revision-check');
    const seen = stream.events.length;
    const started = Date.now();
    const res = await patchAs(apiA, 'checkout', 'production', { enabled: true });
    expect(res.statusCode).toBe(200);
    const written = Date.now();
    await stream.next(after(stream, seen, patchOf('checkout', true)), 2000);
    expect(Date.now() - written).toBeLessThan(2000);
    expect(written - started).toBeLessThan(2000); // the write itself never waited for Redis
    expect(await appliedVia(b, 'revision-check')).toBeGreaterThan(viaCheck);
  });

  it('F1: with Redis still down, B answers SDK reads from memory (200, 304, SSE) with no 5xx while writes on A stay 2xx', async () => {
    expect(a.redis!.up || b.redis!.up).toBe(false);
    const apiB = http(b);
    const statuses: number[] = [];
    const read = async (headers: Record<string, string> = {}) => {
      const res = await apiB.get('/api/sdk/flags', { key: serverKey, headers });
      statuses.push(res.statusCode);
      return res;
    };
    // Polls B throughout, as SDKs would, to catch any 5xx between the checks below.
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await read();
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      let etag = (await read()).headers.etag as string;
      expect((await read({ 'if-none-match': etag })).statusCode).toBe(304);
      const fresh = await openStream(`${urlB}/api/sdk/stream`, serverKey);
      streams.push(fresh);
      expect(fresh.status).toBe(200);
      await fresh.next((e) => e.event === 'put');

      for (const enabled of [false, true]) {
        const seen = [stream.events.length, fresh.events.length] as const;
        expect((await patchAs(apiA, 'checkout', 'production', { enabled })).statusCode).toBe(200);
        await stream.next(after(stream, seen[0], patchOf('checkout', enabled)), 2000);
        await fresh.next(after(fresh, seen[1], patchOf('checkout', enabled)), 2000);
        // B's memory moved on: the old ETag gets the new snapshot, the new one a 304.
        const changed = await read({ 'if-none-match': etag });
        expect(changed.statusCode).toBe(200);
        expect(changed.json().flags.checkout.enabled).toBe(enabled);
        expect(changed.headers.etag).not.toBe(etag);
        etag = changed.headers.etag as string;
        expect((await read({ 'if-none-match': etag })).statusCode).toBe(304);
      }
      expect((await apiA.post('/api/admin/flags', { key: 'during-redis-outage', type: 'boolean' }, { key: adminKey })).statusCode).toBe(
        201,
      );
      await until(
        async () => (await read()).json().flags['during-redis-outage'] !== undefined,
        2000,
        'B to serve the flag created during the outage',
      );
    } finally {
      polling = false;
      await poller;
    }
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });

  it('when Redis returns, the fast path resumes', async () => {
    await redis!.restart();
    await until(() => a.redis!.up && b.redis!.up, 10_000, 'both instances to reconnect to Redis');
    const viaRedis = await appliedVia(b, 'redis');
    for (const enabled of [false, true, false]) {
      const seen = stream.events.length;
      expect((await patchAs(apiA, 'checkout', 'production', { enabled })).statusCode).toBe(200);
      await stream.next(after(stream, seen, patchOf('checkout', enabled)));
    }
    expect(await appliedVia(b, 'redis')).toBeGreaterThan(viaRedis);
    // Redis came back empty; the instances re-warmed the snapshot cache.
    const probe = new Redis(redis!.url);
    await until(async () => (await probe.exists('switchboard:snapshot:production')) === 1, 5000, 'the snapshot cache to be re-warmed');
    probe.disconnect();
  });

  it('a key revoked on A closes its streams on B', async () => {
    const { id, key } = await createKeyAs(apiA, 'client', 'staging');
    const s = await openStream(`${urlB}/api/sdk/stream`, key);
    streams.push(s);
    await s.next((e) => e.event === 'put');
    expect((await apiA.del(`/api/admin/api-keys/${id}`, { key: adminKey })).statusCode).toBe(204);
    await Promise.race([s.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream on B still open')), 3000))]);
    expect((await http(b).get('/api/sdk/flags', { key })).statusCode).toBe(401);
  });

  it('an environment created on A is served by B', async () => {
    expect((await apiA.post('/api/admin/environments', { key: 'qa' }, { key: adminKey })).statusCode).toBe(201);
    const { key } = await createKeyAs(apiA, 'server', 'qa');
    await until(() => b.delivery.views.has('qa'), 3000, 'B to load the new environment');
    const res = await http(b).get('/api/sdk/flags', { key });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().flags)).toContain('checkout');
  });

  // Helpers that act with the generated admin key.
  async function createKeyAs(api: Http, kind: 'server' | 'client', env: string) {
    const res = await api.post('/api/admin/api-keys', { kind, environment: env, name: `${kind}-${env}` }, { key: adminKey });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; key: string };
  }
  async function patchAs(api: Http, flag: string, env: string, body: Record<string, unknown>) {
    const current = await api.get(`/api/admin/flags/${flag}/environments/${env}`, { key: adminKey });
    return api.patch(`/api/admin/flags/${flag}/environments/${env}`, body, {
      key: adminKey,
      headers: { 'if-match': current.headers.etag as string },
    });
  }
});
