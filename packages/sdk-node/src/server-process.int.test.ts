import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type SwitchboardClient } from './index.js';
import { freePort, ServerProcess } from './test-support/real-server.js';
import { memoryLogger, until } from './test-support/fixtures.js';

// Faults with real processes: the server runs as its own OS process (dist/server.js on a
// file-backed embedded database) and is SIGKILLed and restarted on the same port.
let dir: string;
let server: ServerProcess;
let key: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sb-sdk-int-'));
  server = await new ServerProcess(await freePort(), join(dir, 'data')).start();
  key = await server.admin.serverKey('production');
  await server.admin.createFlag('checkout');
  await server.admin.patchConfig('checkout', 'production', { enabled: true, fallthrough: { variant: 'on' } });
  await server.admin.createFlag('banner', { type: 'string', variants: { a: 'A', b: 'B' } });
  await server.admin.patchConfig('banner', 'production', { enabled: true, fallthrough: { variant: 'b' } });
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function client(extra: { persistPath?: string } = {}): SwitchboardClient {
  return createClient({ url: server.url, key, events: false, logger: memoryLogger(), backoff: { initial: 100, max: 400 }, ...extra });
}

describe('server process killed and restarted', () => {
  it('keeps serving last known values without throwing while the server is dead, and converges when it is back', async () => {
    const flags = client();
    const seen: string[] = [];
    flags.on('stale', () => seen.push('stale'));
    flags.on('recovered', () => seen.push('recovered'));
    try {
      await flags.ready(10_000);
      expect(flags.isEnabled('checkout', 'u')).toBe(true);
      expect(flags.value('banner', 'u', 'default')).toBe('B');

      await server.kill();
      await until(() => flags.status === 'stale', 5_000, 'stale');
      const deadline = Date.now() + 1_500;
      let evaluations = 0;
      while (Date.now() < deadline) {
        expect(flags.isEnabled('checkout', `u${evaluations}`)).toBe(true);
        expect(flags.value('banner', `u${evaluations}`, 'default')).toBe('B');
        evaluations++;
        if (evaluations % 1_000 === 0) await new Promise((r) => setTimeout(r, 10)); // let reconnects run
      }

      await server.start();
      await until(() => flags.status === 'ready', 15_000, 'recovered');
      expect(seen).toEqual(['stale', 'recovered']);
      // The new stream delivers changes again.
      await server.admin.patchConfig('banner', 'production', { fallthrough: { variant: 'a' } });
      await until(() => flags.value('banner', 'u', 'default') === 'A', 5_000, 'change after restart');
      const served = (await (await fetch(`${server.url}/api/sdk/flags`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        revision: number;
      };
      expect(flags.revision).toBe(served.revision);
    } finally {
      await flags.close();
    }
  });

  it('cold-starts from the persisted snapshot while the server is down, then switches to the server', async () => {
    const persistPath = join(dir, 'sdk', 'flags.json');
    const first = client({ persistPath });
    await first.ready(10_000);
    const revision = first.revision;
    await first.close(); // saves the snapshot
    await server.kill();

    const flags = client({ persistPath });
    try {
      await flags.ready(10_000);
      expect(flags.source).toBe('persisted');
      expect(flags.status).toBe('stale');
      expect(flags.revision).toBe(revision);
      expect(flags.isEnabled('checkout', 'u')).toBe(true);

      await server.start();
      await until(() => flags.source === 'server' && flags.status === 'ready', 15_000, 'server snapshot');
      await server.admin.patchConfig('checkout', 'production', { enabled: false });
      await until(() => !flags.isEnabled('checkout', 'u'), 5_000, 'kill switch after cold start');
    } finally {
      await flags.close();
    }
  });
});
