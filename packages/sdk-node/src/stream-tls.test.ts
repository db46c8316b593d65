import { createServer, globalAgent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type SwitchboardClient, type SwitchboardError } from './index.js';
import { booleanFlag, memoryLogger, snapshotOf, until } from './test-support/fixtures.js';

// A self-signed certificate for 127.0.0.1, made once for this test (valid until 2126):
// no CA this process trusts signed it, so a client that really speaks TLS and checks
// certificates must refuse the server.
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPe/SRh2NkyFaKq0b
mp8JNMxZcmznDQOF5p12+3hjFFmhRANCAAQ/rAJ5kBBByHTlinsjsadPflRLmBZy
6zVJ3+VL9K6mj9ttpW9fMdMlGmO/8FLer27zjbZlJwuymeG9baLN4AlM
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUPRpak6Ugeq8tyXFVH4fI5Ac8BlUwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzExMTczNloYDzIxMjYxMTAz
MTExNzM2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQ/rAJ5kBBByHTlinsjsadPflRLmBZy6zVJ3+VL9K6mj9ttpW9fMdMl
GmO/8FLer27zjbZlJwuymeG9baLN4AlMo28wbTAdBgNVHQ4EFgQUBsWNxNWG7XCk
MzVeN35JvsN7XhYwHwYDVR0jBBgwFoAUBsWNxNWG7XCkMzVeN35JvsN7XhYwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDRwAwRAIgXoSDr0PSJdIY0DehLK+TbLp6KxUP/atgK0Jg52iTyycCIElj
m2iuNIZy6UNUotUIjx1Yy3eUVKB0/sOOzXA/OjaJ
-----END CERTIFICATE-----`;

let server: Server | undefined;
const clients: SwitchboardClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('stream over https (node:https)', () => {
  it('speaks TLS to an https URL and refuses a certificate it cannot verify, never falling back to plain HTTP', async () => {
    let handled = 0;
    server = createServer({ key: KEY, cert: CERT }, (_req, res) => {
      handled++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: put\ndata: ${JSON.stringify(snapshotOf(1, booleanFlag('checkout')))}\n\n`);
    });
    let tlsFailures = 0;
    server.on('tlsClientError', () => tlsFailures++);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const errors: SwitchboardError[] = [];
    const client = createClient({
      url: `https://127.0.0.1:${port}`,
      key: 'sdk-test-key',
      events: false,
      stream: true,
      logger: memoryLogger(),
      backoff: { initial: 20, max: 50 },
    });
    clients.push(client);
    client.on('error', (e) => errors.push(e));
    await until(() => errors.length >= 2 && tlsFailures >= 2, 5_000, 'two refused TLS handshakes');
    expect(handled).toBe(0);
    expect(client.source).toBe('none');
    expect(client.isEnabled('checkout', 'user-1')).toBe(false);
    expect(errors[0]!.code).toBe('NETWORK');
    expect(errors[0]!.message).toMatch(/certificate/i);
  });

  it('streams the snapshot and its patches over TLS from a server whose certificate the process trusts', async () => {
    server = createServer({ key: KEY, cert: CERT }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: put\ndata: ${JSON.stringify(snapshotOf(1, booleanFlag('checkout', { enabled: false })))}\n\n`);
      setTimeout(
        () =>
          res.write(
            `event: patch\ndata: ${JSON.stringify({ revision: 2, key: 'checkout', flag: booleanFlag('checkout', { version: 2 }) })}\n\n`,
          ),
        20,
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // The SDK has no CA option: it trusts what node:https trusts (NODE_EXTRA_CA_CERTS, or
    // the global agent's `ca`, which is how this test adds the self-signed certificate).
    const trusted = globalAgent.options.ca;
    globalAgent.options.ca = CERT;
    try {
      const errors: SwitchboardError[] = [];
      const client = createClient({
        url: `https://127.0.0.1:${port}`,
        key: 'sdk-test-key',
        events: false,
        stream: true,
        logger: memoryLogger(),
      });
      clients.push(client);
      client.on('error', (e) => errors.push(e));
      await client.ready();
      await until(() => client.revision === 2, 5_000, 'the patch over TLS');
      expect([client.source, client.isEnabled('checkout', 'user-1'), errors]).toEqual(['server', true, []]);
    } finally {
      globalAgent.options.ca = trusted;
    }
  });
});
