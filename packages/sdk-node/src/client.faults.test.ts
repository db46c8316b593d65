import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type SwitchboardClient, type SwitchboardError } from './index.js';
import { startProtocolServer, type ProtocolServer } from './testing/protocol-server.js';
import { booleanFlag, memoryLogger, scaledClock, snapshotOf, until } from './test-support/fixtures.js';

let servers: ProtocolServer[] = [];
const clients: SwitchboardClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function server(
  snapshot = snapshotOf(1, booleanFlag('checkout'), booleanFlag('other', { enabled: false })),
): Promise<ProtocolServer> {
  const s = await startProtocolServer({ snapshot });
  servers.push(s);
  return s;
}

async function tempFile(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-sdk-'));
  dirs.push(dir);
  return join(dir, name);
}

function track(client: SwitchboardClient): { events: string[]; errors: SwitchboardError[] } {
  const events: string[] = [];
  const errors: SwitchboardError[] = [];
  client.on('ready', () => events.push('ready'));
  client.on('stale', () => events.push('stale'));
  client.on('recovered', () => events.push('recovered'));
  client.on('error', (e) => errors.push(e));
  return { events, errors };
}

describe('server faults', () => {
  it('keeps serving the last known values while the server is down, never throwing, and converges when it is back', async () => {
    const s = await server();
    const client = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), backoff: { initial: 20, max: 100 } });
    clients.push(client);
    const seen = track(client);
    await client.ready(2_000);
    s.setFlag(booleanFlag('other'));
    await until(() => client.isEnabled('other', 'u'));

    await s.kill();
    await until(() => client.status === 'stale', 2_000, 'stale');
    for (let i = 0; i < 1_000; i++) {
      expect(client.isEnabled('checkout', `u${i}`)).toBe(true);
      expect(client.isEnabled('other', `u${i}`)).toBe(true);
      expect(client.value('missing', `u${i}`, 3)).toBe(3);
    }
    await new Promise((r) => setTimeout(r, 300)); // several failed reconnects
    expect(seen.errors.some((e) => e.code === 'NETWORK')).toBe(true);
    expect(client.isEnabled('other', 'u')).toBe(true);

    // Changes made while the client was cut off arrive with the put on reconnect.
    s.snapshot.revision++;
    s.snapshot.flags.checkout = booleanFlag('checkout', { version: 2, enabled: false });
    await s.restart();
    await until(() => !client.isEnabled('checkout', 'u'), 3_000, 'converged');
    expect(client.status).toBe('ready');
    expect(seen.events).toEqual(['ready', 'stale', 'recovered']);
  });

  it('cold-starts from the persisted snapshot when the server is down, then switches to the server', async () => {
    const path = await tempFile('flags.json');
    const s = await server(snapshotOf(7, booleanFlag('checkout', { version: 3, enabled: false })));
    // A first run saves what it receives.
    const first = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), persistPath: path });
    await first.ready(2_000);
    await first.close();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { revision: number };
    expect(saved.revision).toBe(7);

    await s.kill();
    const client = createClient({
      url: s.url,
      key: s.key,
      events: false,
      logger: memoryLogger(),
      persistPath: path,
      backoff: { initial: 20, max: 100 },
    });
    clients.push(client);
    const seen = track(client);
    await client.ready(2_000);
    expect(client.source).toBe('persisted');
    expect(client.status).toBe('stale');
    expect(client.isEnabled('checkout', 'u')).toBe(false);
    expect(seen.events).toEqual(['ready', 'stale']);

    const changes: string[][] = [];
    client.on('change', (k) => changes.push(k));
    s.snapshot = snapshotOf(8, booleanFlag('checkout', { version: 4 }));
    await s.restart();
    await until(() => client.isEnabled('checkout', 'u'), 3_000, 'server snapshot');
    expect(client.source).toBe('server');
    expect(changes).toEqual([['checkout']]);
    expect(seen.events).toEqual(['ready', 'stale', 'recovered']);
  });

  it('falls back to the persisted snapshot when ready() times out against a hung server', async () => {
    const path = await tempFile('flags.json');
    await writeFile(path, JSON.stringify(snapshotOf(3, booleanFlag('checkout'))));
    const s = await server();
    s.silent = true;
    const client = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), persistPath: path });
    clients.push(client);
    await client.ready(200);
    expect(client.source).toBe('persisted');
    expect(client.isEnabled('checkout', 'u')).toBe(true);
  });

  it('reports an unreadable persisted snapshot and serves defaults', async () => {
    const path = await tempFile('flags.json');
    await writeFile(path, '{ not json');
    const s = await server();
    await s.kill();
    const client = createClient({
      url: s.url,
      key: s.key,
      events: false,
      logger: memoryLogger(),
      persistPath: path,
      backoff: { initial: 20, max: 50 },
    });
    clients.push(client);
    const seen = track(client);
    await expect(client.ready(300)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen.errors.some((e) => e.code === 'PERSISTENCE')).toBe(true);
    expect(client.isEnabled('checkout', 'u')).toBe(false);
  });

  it('persists every change (coalesced) for the next cold start', async () => {
    const path = await tempFile('nested/dir/flags.json');
    const s = await server();
    const client = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), persistPath: path });
    clients.push(client);
    await client.ready(2_000);
    s.setFlag(booleanFlag('checkout', { enabled: false }));
    await until(() => !client.isEnabled('checkout', 'u'));
    await until(
      () => {
        try {
          return (JSON.parse(readFileSync(path, 'utf8')) as { revision: number }).revision === 2;
        } catch {
          return false;
        }
      },
      3_000,
      'persisted revision 2',
    );
  });
});

describe('snapshot persistence under failure', () => {
  it('saves again at close() after a failed save, so the next cold start has the latest snapshot', async () => {
    const s = await server();
    const saved: number[] = [];
    let attempts = 0;
    const store = {
      load: () => Promise.resolve(undefined),
      save(json: string): Promise<void> {
        if (++attempts === 1) return Promise.reject(new Error('disk full'));
        saved.push((JSON.parse(json) as { revision: number }).revision);
        return Promise.resolve();
      },
    };
    const client = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), store });
    clients.push(client);
    const seen = track(client);
    await client.ready(2_000);
    await until(() => seen.errors.some((e) => e.code === 'PERSISTENCE'), 3_000, 'the failed save');
    await client.close();
    expect(saved).toEqual([1]);
  });

  it('runs one save at a time, in order, and close() waits for the one in progress', async () => {
    const s = await server();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let overlapped = false;
    const finished: number[] = [];
    const store = {
      load: () => Promise.resolve(undefined),
      async save(json: string): Promise<void> {
        overlapped ||= running > 0;
        running++;
        if (running === 1 && finished.length === 0) await gate; // the first save is slow
        finished.push((JSON.parse(json) as { revision: number }).revision);
        running--;
      },
    };
    const client = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), store });
    clients.push(client);
    await client.ready(2_000);
    await until(() => running === 1, 3_000, 'the first save to start');
    s.setFlag(booleanFlag('checkout', { enabled: false }));
    await until(() => client.revision === 2, 2_000, 'the change');
    const closing = client.close(5_000);
    release();
    await closing;
    // Overlapping saves may finish in either order, leaving the older snapshot saved last.
    expect(overlapped).toBe(false);
    expect(finished).toEqual([1, 2]);
  });
});

/**
 * The most attempts that fit in `elapsed` ms of client time when every delay takes its
 * shortest jittered value (half of nominal): the bound a correct client can't exceed.
 */
function maxAttempts(elapsed: number, nominalDelay: (attempt: number) => number): number {
  let attempts = 1;
  let t = 0;
  for (;;) {
    t += nominalDelay(attempts) / 2;
    if (t > elapsed) return attempts;
    attempts++;
  }
}

describe('refused key (401/403): bounded retries', () => {
  // A clock 600× faster: ten minutes of client time pass in one real second, with every
  // default (1 s backoff base, 5 min refusal delay, 10 s flush interval) left as shipped.
  it('makes a handful of attempts over ten minutes, never a tight loop, and rejects ready() at once', async () => {
    const s = await server();
    const t0 = Date.now();
    const client = createClient({ url: s.url, key: 'wrong-key', logger: memoryLogger(), clock: scaledClock(600) });
    clients.push(client);
    const seen = track(client);
    // The clock runs 600× fast: an hour of client time is six real seconds, room enough
    // on a loaded CI machine for the refusal (which arrives at once) to win the race.
    await expect(client.ready(3_600_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - (Date.now() - t0))));
    const attempts = s.requests.stream;
    const elapsed = (Date.now() - t0) * 600;
    // Refusal delay 5 min, jittered to [2.5, 5] min: about 2–5 attempts in ten minutes.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(maxAttempts(elapsed, () => 300_000));
    // No polling with a key the stream was refused with.
    expect(s.requests.flags).toBe(0);
    // Nothing was evaluated or tracked, so no event uploads either.
    expect(s.requests.events).toBe(0);
    expect(seen.errors.filter((e) => e.code === 'UNAUTHORIZED').length).toBe(attempts);
    expect(client.isEnabled('checkout', 'u')).toBe(false);
  });

  it('rejects a ready() asked after the refusal at once too, not on its timeout', async () => {
    const s = await server();
    const client = createClient({ url: s.url, key: 'wrong-key', events: false, logger: memoryLogger() });
    clients.push(client);
    await expect(client.ready(60_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Waiting out the timeout would reject with TIMEOUT (and outlast the test).
    await expect(client.ready(60_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('bounds polling the same way when streaming is off, and 403 counts as a refusal', async () => {
    const s = await server();
    s.overrides.flags = { status: 403 };
    const t0 = Date.now();
    const client = createClient({ url: s.url, key: s.key, stream: false, events: false, logger: memoryLogger(), clock: scaledClock(600) });
    clients.push(client);
    await expect(client.ready(3_600_000)).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 403 });
    await new Promise((r) => setTimeout(r, 1_000));
    const attempts = s.requests.flags;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(maxAttempts((Date.now() - t0) * 600, () => 300_000));
  });

  it('with the server down, reconnects follow the 1 s → 30 s doubling (≈ 10 attempts a minute at most)', async () => {
    const s = await server();
    await s.kill();
    const t0 = Date.now();
    const client = createClient({ url: s.url, key: s.key, events: false, logger: memoryLogger(), clock: scaledClock(60) });
    clients.push(client);
    const seen = track(client);
    await new Promise((r) => setTimeout(r, 1_000)); // one client minute
    const attempts = seen.errors.filter((e) => e.code === 'NETWORK' && e.message.startsWith('stream:')).length;
    const elapsed = (Date.now() - t0) * 60;
    // Nominal delays 1, 2, 4, 8, 16, 30, 30… s; at their shortest (half) about 9 fit in a minute.
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(attempts).toBeLessThanOrEqual(maxAttempts(elapsed, (n) => Math.min(30_000, 1_000 * 2 ** (n - 1))));
  });
});
