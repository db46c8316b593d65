import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamHub } from './stream-hub.js';

/** A real HTTP server whose responses are registered in the hub as SSE streams. */
async function harness(options: { bufferCapBytes: number; maxConnectionsPerKey?: number; heartbeatIntervalMs?: number }) {
  const drops: string[] = [];
  const hub = new StreamHub({
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 60_000,
    bufferCapBytes: options.bufferCapBytes,
    maxConnectionsPerKey: options.maxConnectionsPerKey ?? 100,
    onDrop: (reason) => drops.push(reason),
  });
  const responses: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    responses.push(res);
    hub.add({ res, keyId: req.headers['x-key'] as string, environment: 'production', kind: 'server' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const sockets: Socket[] = [];
  const open = async (key: string, read: boolean): Promise<{ socket: Socket; received: () => number }> => {
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
    socket.write(`GET /stream HTTP/1.1\r\nhost: x\r\nx-key: ${key}\r\n\r\n`);
    while (responses.length === before) await new Promise((r) => setTimeout(r, 5));
    return { socket, received: () => bytes };
  };
  const close = async () => {
    hub.close();
    for (const s of sockets) s.destroy();
    server.close();
  };
  return { hub, open, drops, responses, close };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('StreamHub', () => {
  it('drops a consumer that stops reading once its unsent bytes pass the cap, and keeps the fast one', async () => {
    const h = await harness({ bufferCapBytes: 256 * 1024 });
    cleanup = h.close;
    const fast = await h.open('k1', true);
    const slow = await h.open('k2', false);
    const chunk = `event: patch\nid: 1\ndata: ${'x'.repeat(64 * 1024)}\n\n`;
    const slowRes = h.responses[1]!;
    let closed = false;
    slowRes.once('close', () => {
      closed = true;
    });
    for (let i = 0; i < 400 && !closed; i++) {
      h.hub.broadcast('production', 'server', [chunk], () => '');
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

  it('counts streams per key, and closes a key\'s streams on revocation', async () => {
    const h = await harness({ bufferCapBytes: 1024 * 1024, maxConnectionsPerKey: 2 });
    cleanup = h.close;
    await h.open('k1', true);
    expect(h.hub.hasCapacity('k1')).toBe(true);
    await h.open('k1', true);
    expect(h.hub.hasCapacity('k1')).toBe(false);
    expect(h.hub.hasCapacity('k2')).toBe(true);
    expect(h.hub.closeKey('k1')).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.hub.hasCapacity('k1')).toBe(true);
    expect(h.hub.size).toBe(0);
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
