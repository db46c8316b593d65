/** What goes out compressed: JSON answers on the fly, the SDK snapshot once per revision, the UI's files as built; never the stream. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { testApp } from '../test-support/app.js';
import { createFlag, createKey, http, patchConfig, type Http } from '../test-support/http.js';

const SCRIPT = `export const rows = ${JSON.stringify([...Array(300).keys()].map((i) => ({ key: `flag-${i}`, enabled: i % 2 === 0 })))};`;

describe('compression', () => {
  let base: string;
  let app: App;
  let api: Http;
  let serverKey: string;
  let baseUrl: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'switchboard-compress-'));
    const dist = join(base, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><html><body><div id="root"></div></body></html>');
    const script = join(dist, 'assets', 'index-Zz99.js');
    writeFileSync(script, SCRIPT);
    // Marked copies, to tell which file went out.
    writeFileSync(`${script}.br`, brotliCompressSync(Buffer.from(`${SCRIPT}//br`)));
    writeFileSync(`${script}.gz`, gzipSync(Buffer.from(`${SCRIPT}//gz`)));
    writeFileSync(`${script}.map`, '{"version":3,"sources":["src/secret-source.tsx"]}');
    app = await testApp({ adminUiDir: dist });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    api = http(app);
    for (let i = 0; i < 30; i++) await createFlag(api, `compressed-${String(i).padStart(2, '0')}`, { description: 'Checkout flow change' });
    serverKey = (await createKey(api, 'server', 'development')).key;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('compresses JSON API answers by Accept-Encoding, and not below the threshold', async () => {
    const plain = await api.get('/api/admin/flags');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await api.get('/api/admin/flags', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(String(br.headers.vary)).toMatch(/accept-encoding/i);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString())).toEqual(plain.json());
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4);
    const gz = await api.get('/api/admin/flags', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString())).toEqual(plain.json());
    // A small answer isn't worth it.
    const small = await api.get('/api/admin/environments', { headers: { 'accept-encoding': 'br' } });
    expect(small.rawPayload.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('serves the SDK snapshot compressed once per revision, with an ETag per coding', async () => {
    const key = { key: serverKey };
    const plain = await api.get('/api/sdk/flags', key);
    const revision = (plain.json() as { revision: number }).revision;
    expect(plain.headers.etag).toBe(`"${revision}"`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(String(plain.headers.vary)).toMatch(/accept-encoding/i);

    const br1 = await api.get('/api/sdk/flags', { ...key, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    const br2 = await api.get('/api/sdk/flags', { ...key, headers: { 'accept-encoding': 'br' } });
    expect(br1.headers['content-encoding']).toBe('br');
    expect(br1.headers.etag).toBe(`"${revision}-br"`);
    expect(br2.rawPayload.equals(br1.rawPayload)).toBe(true);
    expect(brotliDecompressSync(br1.rawPayload).equals(plain.rawPayload)).toBe(true);
    const gz = await api.get('/api/sdk/flags', { ...key, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toBe(`"${revision}-gzip"`);
    expect(gunzipSync(gz.rawPayload).equals(plain.rawPayload)).toBe(true);

    // Any coding's ETag of the current revision answers 304; after a change, the new revision's bytes.
    for (const tag of [`"${revision}"`, `"${revision}-br"`, `"${revision}-gzip"`]) {
      const res = await api.get('/api/sdk/flags', { ...key, headers: { 'accept-encoding': 'br', 'if-none-match': tag } });
      expect(res.statusCode, tag).toBe(304);
    }
    expect((await patchConfig(api, 'compressed-00', 'development', { enabled: true })).statusCode).toBe(200);
    let next = br1;
    for (let i = 0; i < 50 && next.headers.etag === br1.headers.etag; i++) {
      next = await api.get('/api/sdk/flags', { ...key, headers: { 'accept-encoding': 'br', 'if-none-match': `"${revision}-br"` } });
      if (next.statusCode === 304) await new Promise((r) => setTimeout(r, 20));
    }
    expect(next.statusCode).toBe(200);
    const doc = JSON.parse(brotliDecompressSync(next.rawPayload).toString()) as {
      revision: number;
      flags: Record<string, { enabled: boolean }>;
    };
    expect(next.headers.etag).toBe(`"${doc.revision}-br"`);
    expect(doc.flags['compressed-00']!.enabled).toBe(true);
  });

  it('never compresses the SDK stream', async () => {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = get(
        `${baseUrl}/api/sdk/stream`,
        { headers: { authorization: `Bearer ${serverKey}`, 'accept-encoding': 'br, gzip' } },
        (res) => {
          resolve(res.headers);
          res.destroy();
        },
      );
      req.on('error', reject);
    });
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    expect(headers['content-encoding']).toBeUndefined();
  });

  it("serves the UI's pre-compressed files by Accept-Encoding and never its source maps", async () => {
    const url = '/assets/index-Zz99.js';
    const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(`${SCRIPT}//br`);
    const gz = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(`${SCRIPT}//gz`);
    const plain = await app.inject({ method: 'GET', url });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);
    for (const hidden of [`${url}.map`, `${url}.br`, `${url}.gz`]) {
      expect((await app.inject({ method: 'GET', url: hidden, headers: { accept: 'text/html' } })).statusCode, hidden).toBe(404);
    }
  });
});
