import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { testApp } from '../test-support/app.js';
import { UI_CONTENT_SECURITY_POLICY } from './admin-ui.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("switchboard admin");';
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('admin UI', () => {
  let dir: string;
  let outside: string;
  let app: App;

  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'switchboard-ui-'));
    dir = join(base, 'dist');
    outside = join(base, 'secret.txt');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-Ab12Cd.js'), SCRIPT);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    writeFileSync(outside, 'not for the web');
    app = await testApp({ adminUiDir: dir });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('serves index.html at / with a strict CSP and no caching', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
    expect(UI_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(UI_CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
    expect(UI_CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
  });

  it('serves hashed assets with a year of immutable caching, other files without', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.body).toBe(SCRIPT);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const etag = asset.headers.etag as string;
    expect(etag).toBeTruthy();
    expect((await app.inject({ method: 'GET', url: '/assets/index-Ab12Cd.js', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it("answers browser navigations to the UI's own routes with index.html, nothing else", async () => {
    for (const url of ['/flags', '/flags/new-checkout/environments/production', '/flags/my.flag.with.dots', '/audit?flag=x']) {
      const res = await app.inject({ method: 'GET', url, headers: html });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-security-policy'], url).toBe(UI_CONTENT_SECURITY_POLICY);
    }
    // Not a navigation, a missing asset, or the server's own paths: JSON 404.
    for (const [url, headers] of [
      ['/flags/new-checkout', { accept: 'application/json' }],
      ['/assets/index-Old123.js', html],
      ['/api/admin/nothing-here', html],
      ['/api', html],
      ['/health/nothing', html],
      ['/docsx', {}],
    ] as [string, Record<string, string>][]) {
      const res = await app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
    expect((await app.inject({ method: 'POST', url: '/flags', headers: html })).statusCode).toBe(404);
  });

  it('never serves files outside the folder or dotfiles', async () => {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    // A raw client: inject() and fetch() would normalize the dot segments away.
    const raw = (path: string, accept = '*/*') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${base}/`, { path, headers: { accept } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const urls = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/../../secret.txt',
      '/.env',
      '/%2eenv',
      '/%00index.html',
      '//etc/passwd',
      '/assets//../../secret.txt',
      '/%E0%A4%A',
    ];
    for (const url of urls) {
      for (const accept of ['*/*', 'text/html']) {
        const res = await raw(url, accept);
        expect(res.body, url).not.toContain('not for the web');
        expect(res.body, url).not.toContain('SECRET');
        // A navigation may get the UI's index.html; nothing else is ever served.
        if (res.status === 200) expect(res.body, url).toBe(INDEX);
        else expect(res.status, url).toBeGreaterThanOrEqual(400);
      }
    }
    expect((await raw('/.env', 'text/html')).status).toBe(404);
  });

  it('keeps the API, health, metrics and docs working', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    const unauthenticated = await app.inject({ method: 'GET', url: '/api/admin/flags', headers: html });
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers['content-security-policy']).toBeUndefined();
  });
});

describe('without an admin UI build', () => {
  it('answers / with a hint (JSON, or HTML for browsers) and 404 elsewhere', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'switchboard-no-ui-'));
    const app = await testApp({ adminUiDir: empty });
    try {
      const json = await app.inject({ method: 'GET', url: '/' });
      expect(json.statusCode).toBe(200);
      expect(json.json()).toMatchObject({ name: 'Switchboard', api: '/api/admin', docs: '/docs' });
      expect(json.json().message).toContain('ADMIN_UI_DIR');
      const page = await app.inject({ method: 'GET', url: '/', headers: html });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
      expect(page.body).toContain('ADMIN_UI_DIR');
      expect((await app.inject({ method: 'GET', url: '/flags', headers: html })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
