/**
 * Postgres under a table lock (F3) and crashing (F2): SDK routes keep serving the last
 * snapshot, admin writes and event batches fail fast with 503, readiness says so, a new
 * instance can start from the Redis snapshot cache, and within 5 s of recovery writes
 * work and every acknowledged write is there. Time bounds are the matrix's: 503 within
 * 2 s (crash) and 3.5 s (lock, with a 3 s statement timeout), writes back ≤ 5 s after
 * Postgres is up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from './app.js';
import { testApp } from './test-support/app.js';
import { configVersion, createFlag, createKey, http, ifMatch, type Http } from './test-support/http.js';
import { holdLock } from './test-support/pg-lock.js';
import { openStream, type SseStream } from './test-support/sse.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let databaseUrl: string;
let app: App;
let late: App | undefined;
let api: Http;
let baseUrl: string;
let stream: SseStream | undefined;

/** The matrix's example statement timeout (F3); lock waits give up 0.5 s before it. */
const STATEMENT_TIMEOUT_MS = 3000;

/** Every acknowledged write: flag key → its production config version after the write. */
const acknowledged = new Map<string, number>();
const eventBatch = () => ({
  sdk: { name: '@switchboard/node', version: '0.1.0' },
  evaluations: [{ flag: 'durable-0', variant: 'on', count: 7, windowStart: Date.now() - 10_000, windowEnd: Date.now() }],
  events: [],
});

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  // Durable settings (fsync, synchronous_commit): acknowledged means on disk.
  [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  databaseUrl = await pg.createDatabase('outage');
  app = await testApp({ databaseUrl, redisUrl: redis.url, dbStatementTimeoutMs: STATEMENT_TIMEOUT_MS });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  api = http(app);
});

afterAll(async () => {
  stream?.close();
  await Promise.all([app?.close(), late?.close()]);
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('Postgres outage', () => {
  let serverKey: string;
  let etag: string;

  it('acknowledges writes before the crash', async () => {
    serverKey = (await createKey(api, 'server', 'production')).key;
    for (let i = 0; i < 10; i++) {
      const key = `durable-${i}`;
      await createFlag(api, key);
      const res = await api.patch(`/api/admin/flags/${key}/environments/production`, { enabled: true }, ifMatch(1));
      expect(res.statusCode).toBe(200);
      acknowledged.set(key, 2);
    }
    expect((await api.post('/api/sdk/events', eventBatch(), { key: serverKey })).statusCode).toBe(202);
    const snapshot = await api.get('/api/sdk/flags', { key: serverKey });
    etag = snapshot.headers.etag as string;
    stream = await openStream(`${baseUrl}/api/sdk/stream`, serverKey);
    await stream.next((e) => e.event === 'put');
  });

  it('F3: while another session holds LOCK TABLE flags, admin writes answer 503 with Retry-After within 3.5 s and write nothing; SDK reads answer meanwhile', async () => {
    const lock = await holdLock(databaseUrl, 'lock table flags in access exclusive mode');
    let settled = 0;
    const timed = async (attempt: () => Promise<LightMyRequestResponse>) => {
      const started = Date.now();
      const res = await attempt();
      settled++;
      return { res, ms: Date.now() - started };
    };
    let writes: { res: LightMyRequestResponse; ms: number }[];
    try {
      const pending = Promise.all([
        timed(() => api.patch('/api/admin/flags/durable-1/environments/production', { enabled: false }, ifMatch(2))),
        timed(() => api.patch('/api/admin/flags/durable-1', { description: 'locked out' }, ifMatch(1))),
        timed(() => api.post('/api/admin/flags', { key: 'during-lock', type: 'boolean' })),
      ]);
      // SDK routes answer from memory while the writes wait on the lock.
      const full = await api.get('/api/sdk/flags', { key: serverKey });
      expect(full.statusCode).toBe(200);
      expect(full.headers.etag).toBe(etag);
      expect((await api.get('/api/sdk/flags', { key: serverKey, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
      const fresh = await openStream(`${baseUrl}/api/sdk/stream`, serverKey);
      expect(fresh.status).toBe(200);
      await fresh.next((e) => e.event === 'put');
      fresh.close();
      expect(settled).toBe(0);
      writes = await pending;
    } finally {
      await lock.release();
    }
    for (const { res, ms } of writes) {
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('UNAVAILABLE');
      // A database that didn't answer is worth asking again in a second, not a minute.
      expect(res.headers['retry-after']).toBe('1');
      // The matrix's bound for a 3 s statement timeout (the server gives up on locks 0.5 s sooner).
      expect(ms).toBeLessThanOrEqual(3500);
    }
    expect(await configVersion(api, 'durable-1', 'production')).toBe(2);
    expect((await api.get('/api/admin/flags/durable-1')).json().version).toBe(1);
    expect((await api.get('/api/admin/flags/during-lock')).statusCode).toBe(404);
    // The lock gone, the same write goes through.
    expect((await api.patch('/api/admin/flags/durable-1', { description: 'after the lock' }, ifMatch(1))).statusCode).toBe(200);
  });

  it('while Postgres is down: SDK routes serve the last snapshot, writes answer 503 within 2 s, readiness is 503', async () => {
    await pg!.kill();

    const full = await api.get('/api/sdk/flags', { key: serverKey });
    expect(full.statusCode).toBe(200);
    expect(Object.keys(full.json().flags)).toHaveLength(10);
    expect((await api.get('/api/sdk/flags', { key: serverKey, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    const again = await openStream(`${baseUrl}/api/sdk/stream`, serverKey);
    expect(again.status).toBe(200);
    await again.next((e) => e.event === 'put');
    again.close();

    for (const attempt of [
      () => api.patch('/api/admin/flags/durable-0/environments/production', { enabled: false }, ifMatch(2)),
      () => api.post('/api/admin/flags', { key: 'during-outage', type: 'boolean' }),
      () => api.get('/api/admin/flags'),
      () => api.post('/api/sdk/events', eventBatch(), { key: serverKey }),
    ]) {
      const started = Date.now();
      const res = await attempt();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('1');
    }

    const ready = await api.get('/health/ready', { key: null });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().failing).toContain('database');
    expect((await api.get('/health/live', { key: null })).statusCode).toBe(200);
  });

  it('a new instance starts and serves SDKs from the Redis snapshot cache while Postgres is down', async () => {
    late = await testApp({ databaseUrl, redisUrl: redis!.url });
    const res = await http(late).get('/api/sdk/flags', { key: serverKey });
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe(etag);
    expect((await http(late).get('/health/ready', { key: null })).statusCode).toBe(503);
    expect((await http(late).get('/api/admin/flags')).statusCode).toBe(503);
  });

  it('F2: within 5 s of Postgres being up, writes answer 2xx and both instances are ready; every acknowledged write is present', async () => {
    await pg!.restart();
    const up = Date.now();
    const sinceUp = () => Date.now() - up;
    // The matrix's bound: writes are 2xx again ≤ 5 s after Postgres is up. Any 503 before
    // then wrote nothing (If-Match would turn a hidden commit into a 412, not a 200).
    const write = () => api.patch('/api/admin/flags/durable-0/environments/production', { enabled: false }, ifMatch(2));
    let res = await write();
    while (res.statusCode === 503 && sinceUp() < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      res = await write();
    }
    expect(res.statusCode, res.body).toBe(200);
    expect(sinceUp()).toBeLessThanOrEqual(5000);
    acknowledged.set('durable-0', 3);
    const l = late!;
    for (const instance of [app, l]) {
      await until(
        async () => (await http(instance).get('/health/ready', { key: null })).statusCode === 200,
        Math.max(0, 5000 - sinceUp()),
        'readiness within 5 s of Postgres being up',
      );
    }

    for (const [key, version] of acknowledged) {
      expect(await configVersion(api, key, 'production')).toBe(version);
    }
    expect((await api.get('/api/admin/flags/during-outage')).statusCode).toBe(404);
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const metrics = await api.get(`/api/admin/flags/durable-0/environments/production/metrics?from=${from}`);
    expect(metrics.statusCode, metrics.body).toBe(200);
    expect(metrics.json().total).toBe(7);
    await until(
      async () => (await http(l).get('/api/sdk/flags', { key: serverKey })).json().flags['durable-0'].enabled === false,
      5000,
      'the late instance to see the new write',
    );
  });
});
