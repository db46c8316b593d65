import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp, redactUrl } from './app.js';
import { ADMIN_TOKEN, testApp, testConfig } from './test-support/app.js';
import { createKey, http } from './test-support/http.js';
import { parseResponse, type RawResponse } from './test-support/raw-http.js';
import { openStream } from './test-support/sse.js';

describe('logging', () => {
  it('warns once when requests come through a proxy that TRUST_PROXY does not name', async () => {
    const lines: string[] = [];
    const app = await testApp({ logLevel: 'warn' }, { logger: undefined, logStream: { write: (line) => void lines.push(line) } });
    try {
      const api = http(app);
      await api.get('/health/live', { key: null });
      expect(lines.join('')).not.toContain('TRUST_PROXY');
      for (let i = 0; i < 3; i++) await api.get('/health/live', { key: null, headers: { 'x-forwarded-for': `203.0.113.${i}` } });
      expect(lines.filter((l) => l.includes('TRUST_PROXY is not set'))).toHaveLength(1);
    } finally {
      await app.close();
    }
    const trusted: string[] = [];
    const behind = await testApp(
      { logLevel: 'warn', trustProxy: ['127.0.0.1'] },
      { logger: undefined, logStream: { write: (line) => void trusted.push(line) } },
    );
    try {
      await http(behind).get('/health/live', { key: null, headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect(trusted.join('')).not.toContain('TRUST_PROXY');
    } finally {
      await behind.close();
    }
  });

  it('never writes secrets: keys in headers, query strings or response bodies', async () => {
    const lines: string[] = [];
    const app = await testApp({ logLevel: 'trace' }, { logger: undefined, logStream: { write: (line) => void lines.push(line) } });
    try {
      const api = http(app);
      const { key } = await createKey(api, 'server', 'production');
      await api.get(`/api/sdk/flags?key=${key}&token=${key}&apiKey=${key}`, { key });
      await api.get(`/api/admin/flags?key=${key}&access_token=${key}`);
      await api.get('/api/admin/flags?secret=hunter2hunter2');
      await openStream(`${await app.listen({ port: 0, host: '127.0.0.1' })}/api/sdk/stream?key=${key}`, key).then((s) => s.close());
      await api.get('/api/sdk/flags', { key: 'sb_server_not-a-real-key-but-secret-looking' });
      const log = lines.join('');
      expect(log.length).toBeGreaterThan(0);
      expect(log).toContain('/api/admin/flags?secret=%5Bredacted%5D');
      expect(log).toContain('/api/sdk/stream?key=%5Bredacted%5D');
      for (const secret of [key, ADMIN_TOKEN, 'hunter2hunter2', 'not-a-real-key-but-secret-looking']) expect(log).not.toContain(secret);
    } finally {
      await app.close();
    }
  });

  it('redacts secret-looking query parameters', () => {
    expect(redactUrl('/x?key=abc&flag=on&access_token=t')).toBe('/x?key=%5Bredacted%5D&flag=on&access_token=%5Bredacted%5D');
    expect(redactUrl('/x')).toBe('/x');
  });
});

describe('embedded default', () => {
  it('generates and prints an admin key once, and keeps data across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-embedded-'));
    try {
      const printed: string[] = [];
      const config = testConfig({ adminToken: undefined, dataDir });
      let app = await buildApp(config, { logger: false, onBootstrapAdminKey: (k) => printed.push(k) });
      expect(printed).toHaveLength(1);
      const adminKey = printed[0]!;
      expect(adminKey).toMatch(/^sb_admin_/);
      expect((await http(app).get('/api/admin/flags', { key: adminKey })).statusCode).toBe(200);
      const created = await http(app).post('/api/admin/flags', { key: 'persisted', type: 'boolean' }, { key: adminKey });
      expect(created.statusCode).toBe(201);
      await app.close();

      app = await buildApp(config, { logger: false, onBootstrapAdminKey: (k) => printed.push(k) });
      try {
        expect(printed).toHaveLength(1);
        const flag = await http(app).get('/api/admin/flags/persisted', { key: adminKey });
        expect(flag.statusCode).toBe(200);
        const envs = (await http(app).get('/api/admin/environments', { key: adminKey })).json().environments;
        expect(envs.map((e: { key: string }) => e.key)).toEqual(['development', 'staging', 'production']);
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('shutdown', () => {
  it('ends open SSE streams and closes promptly', async () => {
    const app = await testApp();
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { key } = await createKey(http(app), 'client', 'staging');
    const stream = await openStream(`${base}/api/sdk/stream`, key);
    await stream.next((e) => e.event === 'put');
    const started = Date.now();
    await app.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('admin rate limit', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the limit', async () => {
    const app = await testApp({ adminRateLimitPerMinute: 3 });
    try {
      const api = http(app);
      for (let i = 0; i < 3; i++) expect((await api.get('/api/admin/environments')).statusCode).toBe(200);
      const limited = await api.get('/api/admin/environments');
      expect(limited.statusCode).toBe(429);
      // Whole seconds until the minute's window reopens (not milliseconds, not a date), the same as the reset header.
      const retryAfter = String(limited.headers['retry-after']);
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect(retryAfter).toBe(String(limited.headers['x-ratelimit-reset']));
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect((await api.get('/health/live', { key: null })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('SDK events rate limit', () => {
  it('limits each key separately: 429 RATE_LIMITED with Retry-After for the busy key only', async () => {
    const app = await testApp({ sdkEventsRateLimitPerMinute: 2 });
    try {
      const api = http(app);
      const busy = await createKey(api, 'server', 'production');
      const quiet = await createKey(api, 'client', 'production');
      const body = { sdk: { name: '@switchboard/node', version: '0.1.0' }, evaluations: [], events: [] };
      for (let i = 0; i < 2; i++) expect((await api.post('/api/sdk/events', body, { key: busy.key })).statusCode).toBe(202);
      const limited = await api.post('/api/sdk/events', body, { key: busy.key });
      expect(limited.statusCode).toBe(429);
      // Whole seconds until this key's window (a minute from its first batch) reopens.
      const retryAfter = String(limited.headers['retry-after']);
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect((await api.post('/api/sdk/events', body, { key: quiet.key })).statusCode).toBe(202);
      // Delivery is not rate limited.
      for (let i = 0; i < 5; i++) expect((await api.get('/api/sdk/flags', { key: busy.key })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('errors raised before routing', () => {
  it('answers a URL with broken percent-encoding with the JSON error shape', async () => {
    const app = await testApp();
    try {
      const res = await app.inject({ method: 'GET', url: '/api/admin/flags/%E0%A4%A' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'url', requestId: expect.any(String) } });
    } finally {
      await app.close();
    }
  });
});

/**
 * A slowloris client: request headers one byte at a time, never finishing them. Resolves
 * with what the server answered once it hangs up.
 */
function dribbleHeaders(port: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const drip = setInterval(() => socket.write('a'), 50);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      try {
        resolve(parseResponse(Buffer.concat(received)));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

describe('slow clients', () => {
  // The bound is the point: with Node's defaults these sockets stay open 30 to 60 s.
  it(
    'answers clients still sending headers past headersTimeoutMs with 408 and hangs up, serving others meanwhile',
    { timeout: 20_000 },
    async () => {
      const app = await testApp({ headersTimeoutMs: 400 });
      try {
        const base = await app.listen({ port: 0, host: '127.0.0.1' });
        const slow = Array.from({ length: 50 }, () => dribbleHeaders(Number(new URL(base).port)));
        for (let i = 0; i < 5; i++) expect((await fetch(`${base}/health/live`)).status).toBe(200);
        for (const res of await Promise.all(slow)) {
          expect(res.status).toBe(408);
          expect(res.json()).toMatchObject({ error: { code: 'REQUEST_TIMEOUT', requestId: expect.any(String) } });
        }
        expect((await fetch(`${base}/health/live`)).status).toBe(200);
      } finally {
        await app.close();
      }
    },
  );
});
