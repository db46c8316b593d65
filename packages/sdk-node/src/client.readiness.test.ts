import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type SwitchboardClient, type SwitchboardError } from './index.js';
import { startProtocolServer, type ProtocolServer } from './testing/protocol-server.js';
import { booleanFlag, memoryLogger, snapshotOf, until } from './test-support/fixtures.js';

let servers: ProtocolServer[] = [];
const clients: SwitchboardClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

async function server(key?: string): Promise<ProtocolServer> {
  const s = await startProtocolServer({ key, snapshot: snapshotOf(3, booleanFlag('checkout')) });
  servers.push(s);
  return s;
}

describe('a client key given to the Node SDK', () => {
  it('is refused before any request: ready() rejects with WRONG_KEY_KIND, naming the server key', async () => {
    const s = await server('sb_client_abcdefgh');
    const client = createClient({ url: s.url, key: s.key, logger: memoryLogger() });
    clients.push(client);
    const errors: SwitchboardError[] = [];
    client.on('error', (e) => errors.push(e));
    const outcome = await client.ready(2_000).then(
      () => undefined,
      (e: SwitchboardError) => e,
    );
    expect(outcome?.code).toBe('WRONG_KEY_KIND');
    expect(outcome?.message).toMatch(/server key/);
    // Asked again later: rejected at once, the same way.
    await expect(client.ready(60_000)).rejects.toMatchObject({ code: 'WRONG_KEY_KIND' });
    expect(errors.map((e) => e.code)).toEqual(['WRONG_KEY_KIND']);
    expect(s.requests).toEqual({ stream: 0, flags: 0, events: 0 });
    expect(client.status).toBe('initializing');
    expect(client.variant('checkout', 'u1', false)).toMatchObject({ value: false, errorCode: 'PROVIDER_NOT_READY' });
  });

  it('leaves server keys and keys of other shapes alone', async () => {
    for (const key of ['sb_server_abcdefgh', 'my-own-key']) {
      const s = await server(key);
      const client = createClient({ url: s.url, key, events: false, logger: memoryLogger() });
      clients.push(client);
      await client.ready(2_000);
      expect(client.isEnabled('checkout', 'u1')).toBe(true);
    }
  });
});

describe('evaluations before the first snapshot', () => {
  it('report PROVIDER_NOT_READY (not FLAG_NOT_FOUND) and are not counted; once ready, FLAG_NOT_FOUND is back for missing flags', async () => {
    const s = await server();
    s.overrides.flags = { status: 503 };
    const client = createClient({
      url: s.url,
      key: s.key,
      stream: false,
      pollInterval: 50,
      logger: memoryLogger(),
      events: { flushInterval: 60_000 },
    });
    clients.push(client);
    expect(client.variant('checkout', 'u1')).toEqual({ value: undefined, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
    expect(client.variant('checkout', 'u1', true)).toEqual({ value: true, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
    expect(client.isEnabled('checkout', 'u1')).toBe(false);
    expect(client.value('checkout', 'u1', 'x')).toBe('x');
    await client.flush();
    // Nothing was counted: there was nothing to send.
    expect(s.eventBodies).toEqual([]);

    delete s.overrides.flags;
    await until(() => client.status === 'ready', 5_000, 'ready');
    expect(client.variant('missing', 'u1', false)).toMatchObject({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(client.isEnabled('checkout', 'u1')).toBe(true);
    await client.flush();
    const counted = (
      s.eventBodies as { evaluations: { flagKey?: string; flag?: string; variant: string | null; count: number }[] }[]
    ).flatMap((b) => b.evaluations);
    expect(counted.map((c) => [c.flag ?? c.flagKey, c.variant, c.count]).sort()).toEqual([
      ['checkout', 'on', 1],
      ['missing', null, 1],
    ]);
  });

  it('a bootstrap or an offline client is not "before the first snapshot"', () => {
    const bootstrapped = createClient({
      url: 'http://127.0.0.1:9',
      key: 'sb_server_abcdefgh',
      bootstrap: snapshotOf(1, booleanFlag('checkout')),
      events: false,
      logger: memoryLogger(),
    });
    clients.push(bootstrapped);
    expect(bootstrapped.variant('checkout', 'u1', false)).toMatchObject({ value: true });
    expect(bootstrapped.variant('missing', 'u1', false)).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    const offline = createClient({ offline: true });
    clients.push(offline);
    expect(offline.variant('missing', 'u1', false)).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
  });
});
