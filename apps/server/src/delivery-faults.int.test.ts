/**
 * SDK delivery under the faults of reliability.md §5.4 that fanout.int.test.ts and
 * postgres-outage.int.test.ts don't cover: a silent partition between one instance and
 * Redis (F5), Redis dropping a subscriber that stopped reading (F9), stalled SSE readers
 * (F8, and a revoked key's stalled stream) and a graceful shutdown with streams and a
 * write in flight (F4). Three instances on one Postgres and one Redis: A takes the admin
 * writes, B reaches Redis through a fault proxy, C serves the stalled readers and is
 * shut down last.
 *
 * Time bounds asserted are the matrix's own: dead Redis link noticed ≤ 5 s (F5), writes
 * reach B ≤ 2 s during the partition (F5), B converges ≤ 5 s after heal (F5, F9),
 * streams closed ≤ 5 s on shutdown (F4). Other waits are bounded only to fail instead of hang.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from './app.js';
import { ADMIN_TOKEN, testApp } from './test-support/app.js';
import { startFaultProxy, type FaultProxy } from './test-support/fault-proxy.js';
import { createFlag, createKey, http, ifMatch, patchConfig, type Http } from './test-support/http.js';
import { holdLock } from './test-support/pg-lock.js';
import { after, openStream, patchOf, type SseEvent, type SseStream } from './test-support/sse.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let proxy: FaultProxy | undefined;
let databaseUrl: string;
let a: App;
let b: App;
let c: App;
let cClosed = false;
let urlB: string;
let urlC: string;
let api: Http;
let probe: Redis;
const streams: SseStream[] = [];
const sockets: net.Socket[] = [];

const CHANNEL = 'switchboard:changes';

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function appliedVia(app: App, path: string): Promise<number> {
  const metric = await app.metrics.fanoutApplied.get();
  return metric.values.find((v) => v.labels.path === path)?.value ?? 0;
}

async function dropped(app: App, reason: string): Promise<number> {
  const metric = await app.metrics.sseDropped.get();
  return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

function connections(app: App): Promise<number> {
  return new Promise((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function subscribers(): Promise<number> {
  const [, n] = (await probe.pubsub('NUMSUB', CHANNEL)) as [string, number];
  return Number(n);
}

async function stream(url: string, key: string): Promise<SseStream> {
  const s = await openStream(`${url}/api/sdk/stream`, key);
  streams.push(s);
  expect(s.status).toBe(200);
  await s.next((e) => e.event === 'put');
  return s;
}

/** An SSE client that connects and never reads: the server's writes pile up. */
async function stalledStream(url: string, key: string): Promise<net.Socket> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  socket.pause();
  socket.write(`GET /api/sdk/stream HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\n\r\n`);
  return socket;
}

const revisionOf = (e: SseEvent): number => (e.json as { revision: number }).revision;

/** Segment changes send every stream a `put` of the whole snapshot (which holds `big-seg`, ~0.8 MB). */
let bump = 0;
async function sendPuts(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await api.patch('/api/admin/segments/tick', { included: [`u${bump}`] }, ifMatch(bump));
    expect(res.statusCode, res.body).toBe(200);
    bump++;
  }
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  databaseUrl = await pg.createDatabase('delivery_faults');
  proxy = await startFaultProxy(redis.port);
  probe = new Redis(redis.url);
  a = await testApp({ databaseUrl, redisUrl: redis.url });
  [b, c] = await Promise.all([
    testApp({ databaseUrl, redisUrl: `redis://127.0.0.1:${proxy.port}` }),
    // Room for a few snapshots in the stream buffer, so a stalled reader has unsent data
    // for a while before the cap drops it.
    testApp({ databaseUrl, redisUrl: redis.url, sseBufferCapBytes: 8 * 1024 * 1024 }),
  ]);
  await a.listen({ port: 0, host: '127.0.0.1' });
  urlB = await b.listen({ port: 0, host: '127.0.0.1' });
  urlC = await c.listen({ port: 0, host: '127.0.0.1' });
  api = http(a);
  await createFlag(api, 'kill');
  await until(() => b.redis!.up && c.redis!.up, 10_000, 'B and C to reach Redis');
});

afterAll(async () => {
  for (const s of streams) s.close();
  for (const s of sockets) s.destroy();
  probe?.disconnect();
  await Promise.all([a?.close(), b?.close(), cClosed ? undefined : c?.close()]);
  await proxy?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('fault matrix', () => {
  let serverKey: string;
  let onB: SseStream;
  let enabled = false;
  const toggle = async (): Promise<boolean> => {
    enabled = !enabled;
    expect((await patchConfig(api, 'kill', 'production', { enabled })).statusCode).toBe(200);
    return enabled;
  };

  it('F5: B notices a silent partition from Redis within 5 s, gets every write within 2 s meanwhile, and resubscribes after heal', async () => {
    serverKey = (await createKey(api, 'server', 'production')).key;
    onB = await stream(urlB, serverKey);
    let seen = onB.events.length;
    await onB.next(after(onB, seen, patchOf('kill', await toggle())));

    // Long enough that Redis dropped the old connections: B's ends become zombies.
    proxy!.blackhole({ forget: true });
    await until(() => !b.redis!.up, 5000, 'B to notice its Redis link is dead');
    for (let i = 0; i < 3; i++) {
      seen = onB.events.length;
      const value = await toggle();
      await onB.next(after(onB, seen, patchOf('kill', value)), 2000);
    }

    proxy!.heal();
    await until(async () => b.redis!.up && (await subscribers()) === 3, 10_000, 'B to reconnect and resubscribe');
    const viaRedis = await appliedVia(b, 'redis');
    for (let i = 0; i < 3; i++) {
      seen = onB.events.length;
      const value = await toggle();
      await onB.next(after(onB, seen, patchOf('kill', value)), 5000);
    }
    // The fast path is back, not only the revision check.
    expect(await appliedVia(b, 'redis')).toBeGreaterThan(viaRedis);
  });

  it("F9: Redis drops B's subscriber when B stops reading; B resubscribes and converges within 5 s of resuming", async () => {
    await probe.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 256kb 10');
    try {
      proxy!.blackhole(); // B stops reading, like a process under SIGSTOP
      const junk = 'x'.repeat(512 * 1024); // not JSON: every instance ignores it
      for (let i = 0; i < 24 && (await subscribers()) === 3; i++) await probe.publish(CHANNEL, junk);
      await until(async () => (await subscribers()) === 2, 5000, 'Redis to drop the stalled subscriber');
      // Written while B's subscription is gone: its message never reaches B.
      const seen = onB.events.length;
      const value = await toggle();
      proxy!.heal();
      await onB.next(after(onB, seen, patchOf('kill', value)), 5000);
      await until(async () => b.redis!.up && (await subscribers()) === 3, 10_000, 'B to resubscribe');
    } finally {
      await probe.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    }
  });

  it("F8: a stalled reader is dropped at the buffer cap, a revoked key's stalled stream is closed, fast readers miss nothing", async () => {
    const members = Array.from({ length: 8000 }, (_, i) => `member-${String(i).padStart(6, '0')}-${'m'.repeat(80)}`);
    expect((await api.post('/api/admin/segments', { key: 'big-seg', conditions: [], included: members })).statusCode).toBe(201);
    expect((await api.post('/api/admin/segments', { key: 'tick', conditions: [] })).statusCode).toBe(201);
    bump = 1;
    const fast = await stream(urlC, serverKey);
    const before = await connections(c);
    const revoked = await createKey(api, 'server', 'production');
    const slow = await createKey(api, 'server', 'production');
    await stalledStream(urlC, revoked.key);
    await stalledStream(urlC, slow.key);
    await until(async () => (await connections(c)) === before + 2, 5000, 'the stalled streams to open');
    const slowDrops = await dropped(c, 'slow');

    // ~6 MB each: more than the kernel's socket buffers hold, less than the 8 MiB cap.
    await sendPuts(7);
    expect(await dropped(c, 'slow')).toBe(slowDrops);
    expect((await api.del(`/api/admin/api-keys/${revoked.id}`)).statusCode).toBe(204);
    // Its reader never drains the end of the stream; the server must hang up anyway.
    await until(async () => (await connections(c)) === before + 1, 5000, "the revoked key's stalled stream to close");

    // The other stalled reader passes the cap and is dropped; nothing waits on it.
    for (let i = 0; i < 20 && (await dropped(c, 'slow')) === slowDrops; i++) await sendPuts(1);
    expect(await dropped(c, 'slow')).toBe(slowDrops + 1);
    await until(async () => (await connections(c)) === before, 5000, 'the slow stream to close');

    // The fast reader got every change, in order, up to the current revision.
    // Read on A, which applied its writes before answering; C may still be receiving the last one.
    const current = (await api.get('/api/sdk/flags', { key: serverKey })).json().revision as number;
    await fast.next((e) => e.event === 'put' && revisionOf(e) === current, 5000);
    const revisions = fast.events.filter((e) => e.event === 'put' || e.event === 'patch').map(revisionOf);
    expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
    // Reconnecting, the dropped client gets the current snapshot.
    const again = await stream(urlC, slow.key);
    expect(revisionOf(again.events[0]!)).toBe(current);
    fast.close();
    again.close();
  });

  it('F4: shutdown ends every stream (a stalled one too) within 5 s and finishes the write in flight; clients resume on another instance without going back', async () => {
    const onC = await stream(urlC, serverKey);
    const stalledKey = (await createKey(api, 'server', 'production')).key;
    const stalled = await stalledStream(urlC, stalledKey);
    await until(
      () => c.metrics.sseConnections.get().then((m) => m.values.reduce((n, v) => n + v.value, 0) >= 2),
      5000,
      'the stalled stream to register',
    );
    await sendPuts(7); // unsent data behind the stalled reader
    const lastSeen = Math.max(...onC.events.map(revisionOf));

    // A write on C, held inside its transaction by a row lock until C is shutting down.
    const lock = await holdLock(databaseUrl, "select id from environments where key = 'production' for update");
    const version = (await api.get('/api/admin/flags/kill/environments/production')).json().version as number;
    const write = fetch(`${urlC}/api/admin/flags/kill/environments/production`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'if-match': `"${version}"` },
      body: JSON.stringify({ enabled: !enabled }),
    });
    await new Promise((r) => setTimeout(r, 200)); // the PATCH reaches C and waits on the lock

    const started = Date.now();
    cClosed = true;
    const closing = c.close();
    const released = new Promise((r) => setTimeout(r, 300)).then(() => lock.release());
    const res = await write;
    expect(res.status).toBe(200);
    enabled = !enabled;
    await Promise.race([closing, new Promise((_, reject) => setTimeout(() => reject(new Error('shutdown took over 5 s')), 5000))]);
    expect(Date.now() - started).toBeLessThan(5000);
    await Promise.race([onC.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('stream on C still open')), 1000))]);
    await released;
    void stalled;

    // The acknowledged write is in Postgres, and C's former client reconnecting to B gets it
    // in its first `put`, at a revision no lower than the last one it saw.
    expect((await api.get('/api/admin/flags/kill/environments/production')).json().enabled).toBe(enabled);
    const resumed = await openStream(`${urlB}/api/sdk/stream`, serverKey);
    streams.push(resumed);
    const put = await resumed.next(
      (e) => e.event === 'put' && (e.json as { flags: Record<string, { enabled: boolean }> }).flags.kill!.enabled === enabled,
      5000,
    );
    expect(revisionOf(put)).toBeGreaterThan(lastSeen);
  });
});
