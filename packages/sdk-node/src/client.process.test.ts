import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProtocolServer, type ProtocolServer } from './testing/protocol-server.js';
import { SDK_SOURCE, runScript } from './test-support/own-process.js';

// What the client does to the process it runs in, watched from outside: each script runs
// in a Node process of its own.
let server: ProtocolServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** A URL where nothing listens: connections are refused at once. */
async function refusedUrl(): Promise<string> {
  server = await startProtocolServer();
  await server.kill();
  return server.url;
}

describe('process lifetime', () => {
  it('keeps a script that awaits ready() alive until ready() settles, with the server down', async () => {
    // The README's start-up: with the server unreachable, the script must reach its catch
    // and go on with defaults — not exit in the middle of the await.
    const result = await runScript(`
      import { createClient } from '${SDK_SOURCE}';
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      const flags = createClient({ url: ${JSON.stringify(await refusedUrl())}, key: 'k', logger: quiet });
      try {
        await flags.ready(500);
        console.log('ready');
      } catch (err) {
        console.log('rejected', err.code);
      }
      await flags.close();
      console.log('closed');
    `);
    expect(result).toMatchObject({ code: 0, stdout: 'rejected TIMEOUT\nclosed\n' });
  });

  it('exits soon after close() with an event upload still waiting on a server that never answers', async () => {
    const sockets = new Set<Socket>();
    const black = createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    await new Promise<void>((r) => black.listen(0, '127.0.0.1', () => r()));
    try {
      // The request timeout is far beyond what runScript waits: only close() can let go
      // of the upload.
      const result = await runScript(`
        import { createClient } from '${SDK_SOURCE}';
        const quiet = { debug() {}, info() {}, warn() {}, error() {} };
        const flags = createClient({ url: 'http://127.0.0.1:${(black.address() as AddressInfo).port}', key: 'k', logger: quiet, stream: false, timeout: 600000 });
        flags.track('stuck', 'u');
        void flags.flush();
        await flags.close(200);
        console.log('closed');
      `);
      expect(result).toMatchObject({ code: 0, stdout: 'closed\n' });
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => black.close(r));
    }
  });
});
