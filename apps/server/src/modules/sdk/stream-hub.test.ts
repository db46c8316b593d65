import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamHub, type StreamHubOptions } from './stream-hub.js';

/** More than Linux buffers for a loopback socket nobody reads (~4 MB), so some stays unsent. */
const BIG = Buffer.alloc(16 * 1024 * 1024, 'x');

/** A real HTTP server whose responses are opened in the hub as SSE streams, each with `first` as its first write. */
async function harness(
  options: Partial<StreamHubOptions> & { bufferCapBytes: number },
  first: () => Buffer[] = () => [Buffer.from(': open\n\n')],
) {
  const drops: string[] = [];
  const rejects: string[] = [];
  const hub = new StreamHub({
    heartbeatIntervalMs: 60_000,
    drainTimeoutMs: 60_000,
    maxConnectionsPerKey: 100,
    maxConnectionsPerIp: 100,
    maxConnections: 1000,
    onDrop: (reason) => drops.push(reason),
    onReject: (reason) => rejects.push(reason),
    ...options,
  });
  const responses: ServerResponse[] = [];
  let received = 0;
  const server: Server = createServer((req, res) => {
    received++;
    const register = () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      responses.push(res);
      hub.open(
        { res, keyId: req.headers['x-key'] as string, environment: 'production', kind: 'server', ip: req.headers['x-ip'] as string },
        first(),
      );
    };
    // `x-late`: the handler only gets there after its client has gone, as an authentication that awaits may.
    if (req.headers['x-late']) res.once('close', () => setImmediate(register));
    else register();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const sockets: Socket[] = [];
  const open = async (key: string, read: boolean, ip = '10.0.0.1'): Promise<{ socket: Socket; received: () => number }> => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    await once(socket, 'connect');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('error', () => {});
    if (!read) socket.pause();
    const before = responses.length;
    socket.write(`GET /stream HTTP/1.1\r\nhost: x\r\nx-key: ${key}\r\nx-ip: ${ip}\r\n\r\n`);
    while (responses.length === before) await new Promise((r) => setImmediate(r));
    return { socket, received: () => bytes };
  };
  const close = async () => {
    hub.close();
    for (const s of sockets) s.destroy();
    server.close();
  };
  return { hub, open, drops, rejects, responses, close, port, received: () => received };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await cleanup?.();
  cleanup = undefined;
});

describe('StreamHub', () => {
  it('drops a consumer that stops reading once its unsent bytes pass the cap, and keeps the fast one', async () => {
    const h = await harness({ bufferCapBytes: 256 * 1024 });
    cleanup = h.close;
    const fast = await h.open('k1', true);
    const slow = await h.open('k2', false);
    const chunk = Buffer.from(`event: patch\nid: 1\ndata: ${'x'.repeat(64 * 1024)}\n\n`);
    const slowRes = h.responses[1]!;
    let closed = false;
    slowRes.once('close', () => {
      closed = true;
    });
    for (let i = 0; i < 400 && !closed; i++) {
      h.hub.broadcast('production', 'server', [chunk.toString()], () => Buffer.alloc(0));
      await new Promise((r) => setImmediate(r));
    }
    expect(closed).toBe(true);
    expect(h.drops).toContain('slow');
    expect(h.hub.size).toBe(1);
    expect(slowRes.writableLength).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(fast.received()).toBeGreaterThan(64 * 1024);
    void slow;
  });

  it('writes a first put bigger than the cap to an empty stream, and drops the stream at the next write while it is unsent', async () => {
    const h = await harness({ bufferCapBytes: 64 * 1024 }, () => [Buffer.from('retry: 1000\n'), BIG]);
    cleanup = h.close;
    const reader = await h.open('k1', true);
    await h.open('k1', false);
    expect(h.responses[1]!.writableLength).toBeGreaterThan(64 * 1024);
    // The reader takes its 16 MB put; the other stream holds most of its own.
    while (h.responses[0]!.writableLength > 0) await new Promise((r) => setTimeout(r, 10));
    expect(h.drops).toEqual([]);
    h.hub.broadcast('production', 'server', ['event: patch\nid: 2\ndata: {}\n\n'], () => Buffer.alloc(0));
    expect(h.drops).toEqual(['slow']);
    expect(h.hub.size).toBe(1);
    expect(h.responses[0]!.destroyed).toBe(false);
    while (reader.received() < BIG.length + 30) await new Promise((r) => setTimeout(r, 10));
  });

  it("closes a stream whose unsent bytes don't drain within the deadline, not one that drained", async () => {
    const h = await harness({ bufferCapBytes: 64 * 1024, drainTimeoutMs: 5000 }, () => [BIG]);
    cleanup = h.close;
    const reader = await h.open('k1', true);
    while (reader.received() < BIG.length) await new Promise((r) => setTimeout(r, 10));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await h.open('k1', false);
    vi.advanceTimersByTime(4999);
    expect(h.hub.size).toBe(2);
    vi.advanceTimersByTime(1);
    expect(h.drops).toEqual(['drain-timeout']);
    expect(h.hub.size).toBe(1);
    expect(h.responses[1]!.destroyed).toBe(true);
    expect(h.responses[0]!.destroyed).toBe(false);
  });

  it('admits streams up to the cap per key, per key and address, and per instance, saying which cap refused', async () => {
    const h = await harness({ bufferCapBytes: 1024 * 1024, maxConnectionsPerKey: 3, maxConnectionsPerIp: 2, maxConnections: 4 });
    cleanup = h.close;
    await h.open('k1', true, 'a');
    await h.open('k1', true, 'a');
    expect(h.hub.admit('k1', 'a')).toBe('ip');
    expect(h.hub.admit('k2', 'a')).toBeNull();
    expect(h.hub.admit('k1', 'b')).toBeNull();
    await h.open('k1', true, 'b');
    expect(h.hub.admit('k1', 'c')).toBe('key');
    await h.open('k2', true, 'a');
    expect(h.hub.admit('k3', 'd')).toBe('instance');
    expect(h.rejects).toEqual(['ip', 'key', 'instance']);
    // A closed stream gives its place back in every count.
    h.responses[0]!.destroy();
    await once(h.responses[0]!, 'close');
    expect(h.hub.admit('k1', 'a')).toBeNull();
  });

  it('counts an IPv6 /64 as one address, so rotating through it gains nothing', async () => {
    const h = await harness({ bufferCapBytes: 1024 * 1024, maxConnectionsPerIp: 2 });
    cleanup = h.close;
    await h.open('k1', true, '2001:db8:1:2::a');
    await h.open('k1', true, '2001:db8:1:2::b');
    expect(h.hub.admit('k1', '2001:db8:1:2::c')).toBe('ip');
    expect(h.hub.admit('k1', '2001:db8:1:3::a')).toBeNull();
  });

  it("doesn't count a stream whose client left before it was opened", async () => {
    const h = await harness({ bufferCapBytes: 1024 * 1024, maxConnectionsPerIp: 1 });
    cleanup = h.close;
    const socket = connect(h.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /stream HTTP/1.1\r\nhost: x\r\nx-key: k1\r\nx-ip: a\r\nx-late: 1\r\n\r\n');
    while (h.received() === 0) await new Promise((r) => setImmediate(r));
    socket.destroy();
    while (h.responses.length === 0) await new Promise((r) => setImmediate(r));
    expect(h.hub.size).toBe(0);
    expect(h.hub.admit('k1', 'a')).toBeNull();
  });

  it("counts streams per key, and closes a key's streams on revocation", async () => {
    const h = await harness({ bufferCapBytes: 1024 * 1024, maxConnectionsPerKey: 2 });
    cleanup = h.close;
    await h.open('k1', true);
    expect(h.hub.admit('k1', '10.0.0.9')).toBeNull();
    await h.open('k1', true);
    expect(h.hub.admit('k1', '10.0.0.9')).toBe('key');
    expect(h.hub.admit('k2', '10.0.0.9')).toBeNull();
    expect(h.hub.closeKey('k1')).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.hub.admit('k1', '10.0.0.9')).toBeNull();
    expect(h.hub.size).toBe(0);
  });

  it('sends no heartbeat to a stream still sending its put, so a ping never drops a slow reader', async () => {
    const h = await harness({ bufferCapBytes: 64 * 1024, heartbeatIntervalMs: 20 }, () => [BIG]);
    cleanup = h.close;
    await h.open('k1', false);
    expect(h.responses[0]!.writableLength).toBeGreaterThan(64 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.drops).toEqual([]);
    expect(h.hub.size).toBe(1);
  });

  it('sends heartbeat comments to every stream', async () => {
    const h = await harness({ bufferCapBytes: 1024 * 1024, heartbeatIntervalMs: 20 });
    cleanup = h.close;
    const a = await h.open('k1', true);
    const before = a.received();
    await new Promise((r) => setTimeout(r, 100));
    expect(a.received()).toBeGreaterThan(before);
  });
});
