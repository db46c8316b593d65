/**
 * Hostile key use on real Postgres 15 and Redis (with persistence):
 * - item 7: a key revoked while Redis was down stays refused once Redis comes back with
 *   its old data and Postgres goes down, on the instances that knew it and on a fresh
 *   one; a cached record older than `keyCacheMaxAgeMs` is refused while Postgres is down;
 *   a key verified recently keeps working through the outage.
 * - item 8: wrong keys from one IP are throttled before any lookup (429 + Retry-After),
 *   other IPs are not, the database isn't asked once an IP is blocked, and failures are
 *   logged as warnings and counted in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from '../app.js';
import { hashSecret } from '../modules/api-keys/secrets.js';
import { ADMIN_TOKEN, testApp } from '../test-support/app.js';
import { createKey, http, type Http } from '../test-support/http.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let databaseUrl: string;
let direct: Redis | undefined;
let sqlClient: postgres.Sql | undefined;
const apps: App[] = [];

async function start(...args: Parameters<typeof testApp>): Promise<App> {
  const app = await testApp(...args);
  apps.push(app);
  return app;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  if (!(await settle(condition, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}

/** Waits for a condition at most `timeoutMs`; says whether it came true. */
async function settle(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomToken = (kind: string, i: number) => `sb_${kind}_${'x'.repeat(30)}${String(i).padStart(13, '0')}`;

beforeAll(async () => {
  [pg, redis] = await Promise.all([
    startPostgres({ fast: true, settings: { shared_preload_libraries: 'pg_stat_statements' } }),
    // Every write on disk before it is acknowledged, so a killed Redis comes back with its data.
    startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] }),
  ]);
  databaseUrl = await pg.createDatabase('hostile_auth');
  sqlClient = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await sqlClient`create extension if not exists pg_stat_statements`;
  direct = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  direct.on('error', () => {});
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  direct?.disconnect();
  await sqlClient?.end({ timeout: 1 });
  await Promise.all([pg?.stop(), redis?.stop()]);
});

/** How many times any instance looked a key up by its hash. */
async function keyLookups(): Promise<number> {
  const rows =
    await sqlClient!`select coalesce(sum(calls), 0)::int as n from pg_stat_statements where query like '%"api_keys"."secret_hash" = $1%'`;
  return rows[0]!.n as number;
}

describe('item 8: failed authentication is throttled and visible', () => {
  const LIMIT = 5;
  const lines: string[] = [];
  let app: App;
  let api: Http;
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  beforeAll(async () => {
    app = await start(
      { databaseUrl, redisUrl: redis!.url, authFailuresPerMinute: LIMIT, trustProxy: ['loopback'], logLevel: 'warn' },
      { logger: undefined, logStream: { write: (line: string) => void lines.push(line) } },
    );
    api = http(app);
  });

  it('wrong admin tokens from one IP get 429 with Retry-After after the limit, without reaching the database; other IPs are not throttled', async () => {
    const attacker = from('203.0.113.7');
    const lookupsBefore = await keyLookups();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 40; i++) {
      const res = await api.get('/api/admin/flags', { key: randomToken('admin', i), headers: attacker });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(res.json().error.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual(Array(40).fill(429));
    // Only the failures before the block cost a lookup.
    expect((await keyLookups()) - lookupsBefore).toBeLessThanOrEqual(LIMIT);

    // The throttle runs before the lookup: even the right key waits out the block.
    expect((await api.get('/api/admin/flags', { headers: attacker })).statusCode).toBe(429);
    // Another client is judged on its own.
    const other = from('198.51.100.9');
    expect((await api.get('/api/admin/flags', { key: randomToken('admin', 999), headers: other })).statusCode).toBe(401);
    expect((await api.get('/api/admin/flags', { headers: other })).statusCode).toBe(200);
  });

  it('wrong SDK keys are throttled too; the same wrong key repeated counts once', async () => {
    const attacker = from('203.0.113.8');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 5; i++)
      statuses.push((await api.get('/api/sdk/flags', { key: randomToken('client', i), headers: attacker })).statusCode);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(5).fill(429)]);
    expect((await api.get('/api/sdk/stream', { key: randomToken('client', 1), headers: attacker })).statusCode).toBe(429);

    // One stale key polled over and over (a deployment with a revoked key) doesn't block its IP.
    const { id, key } = await createKey(api, 'client', 'production');
    expect((await api.del(`/api/admin/api-keys/${id}`)).statusCode).toBe(204);
    const stale = from('203.0.113.9');
    for (let i = 0; i < LIMIT * 3; i++) expect((await api.get('/api/sdk/flags', { key, headers: stale })).statusCode).toBe(401);
    const good = await createKey(api, 'client', 'production');
    expect((await api.get('/api/sdk/flags', { key: good.key, headers: stale })).statusCode).toBe(200);
  });

  it('failures are logged as sampled warnings without the token, and counted in /metrics', async () => {
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failures = logged.filter((l) => l.msg === 'authentication failed');
    expect(failures.length).toBeGreaterThan(0);
    // Sampled: not one line per failure.
    expect(failures.length).toBeLessThan(10);
    expect(failures[0]).toMatchObject({ level: 40, ip: '203.0.113.7', reason: 'unknown', routeKind: 'admin' });
    expect(logged.some((l) => l.msg === 'authentication failures from this client: blocked' && l.ip === '203.0.113.7')).toBe(true);
    const text = lines.join('');
    expect(text).not.toContain(randomToken('admin', 0));
    expect(text).not.toContain(randomToken('client', 0).slice(10));
    expect(text).not.toContain(ADMIN_TOKEN);

    const metrics = (await api.get('/metrics', { key: null })).body;
    expect(metrics).toMatch(/switchboard_auth_failures_total\{reason="unknown",route_kind="admin"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_auth_failures_total\{reason="unknown",route_kind="sdk"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_auth_failures_total\{reason="revoked",route_kind="sdk"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_auth_throttled_total\{route_kind="admin"\} [1-9]/);
    expect(metrics).toMatch(/switchboard_auth_throttled_total\{route_kind="sdk"\} [1-9]/);
  });
});

describe('item 7: a revoked key stays revoked', () => {
  let a: App;
  let b: App;
  /** Started with a short freshness limit: its memory of a key goes stale during the outage. */
  let strict: App;
  let revoked: { id: string; key: string };
  let valid: { id: string; key: string };
  const STRICT_MAX_AGE_MS = 1500;
  const sdk = (app: App, key: string) => http(app).get('/api/sdk/flags', { key });

  beforeAll(async () => {
    const common = { databaseUrl, redisUrl: redis!.url };
    [a, b, strict] = await Promise.all([start(common), start(common), start({ ...common, keyCacheMaxAgeMs: STRICT_MAX_AGE_MS })]);
  });

  it('a key revoked while Redis was down is refused on every instance once Redis is back with its old data and Postgres is down; a recently verified key still works', async () => {
    const apiA = http(a);
    revoked = await createKey(apiA, 'server', 'production');
    valid = await createKey(apiA, 'server', 'production');
    for (const app of [a, b, strict]) {
      for (const { key } of [revoked, valid]) expect((await sdk(app, key)).statusCode).toBe(200);
    }
    // Both keys' records are in Redis (written in the background after verification).
    await until(async () => (await direct!.keys('switchboard:key:*')).length >= 2, 5000, 'key records cached in Redis');
    await direct!.set('test:marker', '1');

    await redis!.kill();
    expect((await apiA.del(`/api/admin/api-keys/${revoked.id}`)).statusCode).toBe(204);
    expect((await sdk(a, revoked.key)).statusCode).toBe(401);
    // The other instances notice through the once-a-second recheck against Postgres.
    await until(async () => (await sdk(b, revoked.key)).statusCode === 401, 5000, 'B to refuse the revoked key');
    await until(async () => (await sdk(strict, revoked.key)).statusCode === 401, 5000, 'the strict instance to refuse the revoked key');

    await redis!.restart();
    expect(await direct!.get('test:marker')).toBe('1');
    await until(() => a.redis!.up && b.redis!.up, 10_000, 'instances to reconnect to Redis');
    // Give the instances a moment to tell the restarted Redis about the revocation.
    await settle(async () => (await direct!.exists(`switchboard:key:${hashSecret(revoked.key)}`)) === 0, 5000);

    await pg!.kill();
    const c = await start({ databaseUrl, redisUrl: redis!.url });
    for (const app of [a, b, c]) {
      const res = await sdk(app, revoked.key);
      expect(res.statusCode, res.body).toBe(401);
      // SDK delivery keeps working through the outage for a key verified recently.
      expect((await sdk(app, valid.key)).statusCode).toBe(200);
    }
  });

  it('while Postgres is down, a key last verified longer ago than keyCacheMaxAgeMs is refused (503), from memory or from Redis', async () => {
    // Postgres has been down since the previous test; make sure every record is older than the limit.
    await sleep(STRICT_MAX_AGE_MS + 500);
    const fromMemory = await sdk(strict, valid.key);
    expect(fromMemory.statusCode, fromMemory.body).toBe(503);
    expect(fromMemory.headers['retry-after']).toBeDefined();
    const fresh = await start({ databaseUrl, redisUrl: redis!.url, keyCacheMaxAgeMs: STRICT_MAX_AGE_MS });
    const fromRedis = await sdk(fresh, valid.key);
    expect(fromRedis.statusCode, fromRedis.body).toBe(503);
    expect(fromRedis.json().error.code).toBe('UNAVAILABLE');
    // Within the default limit the same record is still good.
    expect((await sdk(a, valid.key)).statusCode).toBe(200);
  });

  it('once Postgres is back, the strict instance accepts the valid key again and everyone still refuses the revoked one', async () => {
    await pg!.restart();
    await until(async () => (await sdk(strict, valid.key)).statusCode === 200, 10_000, 'the strict instance to verify the key again');
    for (const app of [a, b, strict]) expect((await sdk(app, revoked.key)).statusCode).toBe(401);
  });

  it('a Redis that comes back from a snapshot taken before the revocation is told again', async () => {
    // Snapshots only (no AOF): a restart loses everything written after the last SAVE.
    const snapshotting = await startRedis();
    const client = new Redis(snapshotting.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    try {
      const common = { databaseUrl, redisUrl: snapshotting.url };
      const writer = await start(common);
      const key = await createKey(http(writer), 'client', 'production');
      expect((await sdk(writer, key.key)).statusCode).toBe(200);
      const record = `switchboard:key:${hashSecret(key.key)}`;
      await until(async () => (await client.exists(record)) === 1, 5000, 'the key record in Redis');
      await client.save();
      expect((await http(writer).del(`/api/admin/api-keys/${key.id}`)).statusCode).toBe(204);
      // Redis took the revocation (the record is gone) before it crashes and restarts from the snapshot.
      await until(async () => (await client.exists(record)) === 0, 5000, 'the revocation to reach Redis');
      await snapshotting.kill();
      await snapshotting.restart();
      await until(() => writer.redis!.up, 10_000, 'the instance to reconnect to Redis');
      await settle(async () => (await client.exists(record)) === 0, 5000);

      await pg!.kill();
      const fresh = await start(common);
      expect((await sdk(fresh, key.key)).statusCode).toBe(401);
      expect((await sdk(writer, key.key)).statusCode).toBe(401);
    } finally {
      client.disconnect();
      await pg!.restart();
      await snapshotting.stop();
    }
  });
});
