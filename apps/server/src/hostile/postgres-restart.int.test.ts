/**
 * A real Postgres restart (fast shutdown, ~3 s down, start) under steady admin traffic:
 * every read and write answers within the connect timeout plus a margin (503 UNAVAILABLE
 * with Retry-After while Postgres is away, never a hang), nothing is half-written, and
 * reads and writes succeed again within a few seconds of Postgres accepting connections.
 * With Redis beside it, as in production: SDK reads answer from memory throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from '../app.js';
import { testApp, testConfig } from '../test-support/app.js';
import { configVersion, createFlag, createKey, http, ifMatch, type Http } from '../test-support/http.js';

const CONNECT_TIMEOUT_MS = testConfig().dbConnectTimeoutMs;
/** The server's SLO while Postgres is away, with room for a loaded CI box. */
const ANSWER_WITHIN_MS = CONNECT_TIMEOUT_MS + 1500;
/** How soon after Postgres accepts connections reads and writes must work again. */
const RECOVERY_MS = 5000;
const DOWN_MS = 3000;

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let app: App;
let api: Http;
let serverKey: string;

interface Sample {
  kind: 'list' | 'read' | 'write' | 'sdk';
  startedAt: number;
  endedAt: number;
  res: LightMyRequestResponse;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  app = await testApp({ databaseUrl: await pg.createDatabase('restart'), redisUrl: redis.url });
  api = http(app);
  await createFlag(api, 'restart-read');
  await createFlag(api, 'restart-write');
  serverKey = (await createKey(api, 'server', 'production')).key;
});

afterAll(async () => {
  await app?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('Postgres restart', () => {
  it(`admin reads and writes answer within ${ANSWER_WITHIN_MS} ms throughout (503 + Retry-After while down) and work again within ${RECOVERY_MS} ms of Postgres being up`, async () => {
    const samples: Sample[] = [];
    let version = await configVersion(api, 'restart-write', 'production');
    let enabled = false;
    let stop = false;
    const timed = async (kind: Sample['kind'], attempt: () => Promise<LightMyRequestResponse>) => {
      const startedAt = Date.now();
      const res = await attempt();
      samples.push({ kind, startedAt, endedAt: Date.now(), res });
      return res;
    };
    const workers = [
      (async () => {
        while (!stop) {
          await timed('sdk', () => api.get('/api/sdk/flags', { key: serverKey }));
          await sleep(25);
        }
      })(),
      (async () => {
        while (!stop) {
          await timed('list', () => api.get('/api/admin/flags'));
          await sleep(25);
        }
      })(),
      (async () => {
        while (!stop) {
          await timed('read', () => api.get('/api/admin/flags/restart-read/environments/production'));
          await sleep(25);
        }
      })(),
      (async () => {
        while (!stop) {
          // One writer, so a 200 moves the version and anything but 200/503 means a write
          // we were told failed had in fact committed (If-Match would then say 412).
          const res = await timed('write', () =>
            api.patch('/api/admin/flags/restart-write/environments/production', { enabled: !enabled }, ifMatch(version)),
          );
          if (res.statusCode === 200) {
            version++;
            enabled = !enabled;
          }
          await sleep(25);
        }
      })(),
    ];

    await sleep(300);
    const downAt = Date.now();
    await pg!.shutdown();
    await sleep(DOWN_MS);
    await pg!.restart();
    const upAt = Date.now();
    // Run until every kind has succeeded after Postgres came back (bounded).
    const recovered = (kind: Sample['kind']) => samples.some((s) => s.kind === kind && s.startedAt >= upAt && s.res.statusCode === 200);
    while (!(recovered('list') && recovered('read') && recovered('write')) && Date.now() - upAt < RECOVERY_MS + ANSWER_WITHIN_MS)
      await sleep(50);
    stop = true;
    await Promise.all(workers);

    const slow = samples
      .filter((s) => s.endedAt - s.startedAt > ANSWER_WITHIN_MS)
      .map(
        (s) =>
          `${s.kind} ${s.res.statusCode} took ${s.endedAt - s.startedAt} ms, started ${s.startedAt - downAt} ms after the shutdown began`,
      );
    expect(slow).toEqual([]);
    const unexpected = samples
      .filter((s) => s.res.statusCode !== 200 && s.res.statusCode !== 503)
      .map((s) => `${s.kind} ${s.res.statusCode} ${s.res.body.slice(0, 200)}`);
    expect(unexpected).toEqual([]);
    // The SDK route never needs the database once its key is known.
    const sdk = samples.filter((s) => s.kind === 'sdk');
    expect(sdk.filter((s) => s.startedAt >= downAt && s.startedAt < upAt).length).toBeGreaterThan(10);
    expect(sdk.filter((s) => s.res.statusCode !== 200).map((s) => `${s.res.statusCode} ${s.res.body.slice(0, 200)}`)).toEqual([]);
    const unavailable = samples.filter((s) => s.res.statusCode === 503);
    // Postgres was really away for the clients: each kind met it.
    for (const kind of ['list', 'read', 'write'] as const)
      expect(
        unavailable.some((s) => s.kind === kind),
        kind,
      ).toBe(true);
    for (const s of unavailable) {
      expect(s.res.json().error.code).toBe('UNAVAILABLE');
      expect(s.res.headers['retry-after']).toBeDefined();
    }
    for (const kind of ['list', 'read', 'write'] as const) {
      const first = samples.find((s) => s.kind === kind && s.startedAt >= upAt && s.res.statusCode === 200);
      expect(first, `${kind} succeeded after Postgres was up`).toBeDefined();
      expect(first!.endedAt - upAt, kind).toBeLessThanOrEqual(RECOVERY_MS);
    }

    // Every acknowledged write is there, and only those.
    expect(await configVersion(api, 'restart-write', 'production')).toBe(version);
    expect((await api.get('/api/admin/flags/restart-write/environments/production')).json().enabled).toBe(enabled);
    const durations = samples.filter((s) => s.startedAt >= downAt && s.startedAt < upAt).map((s) => s.endedAt - s.startedAt);
    console.log(
      `restart: ${samples.length} requests, ${unavailable.length} answered 503; while down, slowest ${Math.max(...durations)} ms; ` +
        `first success after up: ${(['list', 'read', 'write'] as const).map((k) => `${k} ${samples.find((s) => s.kind === k && s.startedAt >= upAt && s.res.statusCode === 200)!.endedAt - upAt} ms`).join(', ')}`,
    );
    const readyBy = Date.now() + RECOVERY_MS;
    while ((await api.get('/health/ready', { key: null })).statusCode !== 200 && Date.now() < readyBy) await sleep(100);
    expect((await api.get('/health/ready', { key: null })).statusCode).toBe(200);
  });
});
