/**
 * The server's small exposed surfaces, on real Postgres 15: `/docs` is framed and scripted
 * like the admin UI, key lists are never cached, `/metrics` can require a token, and the
 * shipped deployment files don't start with a known admin key or listen on every interface
 * by accident.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { App } from '../app.js';
import { UI_CONTENT_SECURITY_POLICY } from '../plugins/admin-ui.js';
import { testApp } from '../test-support/app.js';
import { createKey, http, type Http } from '../test-support/http.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123';
const repoFile = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
let app: App;
let api: Http;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  app = await testApp({ databaseUrl: await pg.createDatabase('surface'), redisUrl: redis.url, metricsToken: METRICS_TOKEN });
  api = http(app);
});

afterAll(async () => {
  await app?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('/docs', () => {
  it.each(['/docs', '/docs/', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/docs/json'])(
    "%s carries the admin UI's CSP and refuses framing",
    async (url) => {
      const res = await api.get(url, { key: null });
      expect(res.statusCode).toBeLessThan(400);
      expect(res.headers['content-security-policy']).toBe(UI_CONTENT_SECURITY_POLICY);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it("serves a page with no inline script, so the policy's script-src 'self' lets it run", async () => {
    const res = await api.get('/docs', { key: null });
    const html = res.body;
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)];
    expect(inline).toEqual([]);
    expect(html).toContain('swagger-initializer.js');
  });
});

describe('/api/admin/api-keys', () => {
  it('answers every read and write with cache-control: no-store', async () => {
    const created = await createKey(api, 'client', 'production');
    const list = await api.get('/api/admin/api-keys');
    expect(list.statusCode).toBe(200);
    expect(list.headers['cache-control']).toBe('no-store');
    const revoked = await api.get('/api/admin/api-keys?revoked=true');
    expect(revoked.headers['cache-control']).toBe('no-store');
    const create = await api.post('/api/admin/api-keys', { kind: 'server', environment: 'staging', name: 'svc' });
    expect(create.statusCode).toBe(201);
    expect(create.headers['cache-control']).toBe('no-store');
    const del = await api.del(`/api/admin/api-keys/${created.id}`);
    expect(del.statusCode).toBe(204);
    expect(del.headers['cache-control']).toBe('no-store');
    const refused = await api.post('/api/admin/api-keys', { kind: 'nope', name: 'x' });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['cache-control']).toBe('no-store');
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  it('refuses a request without the token, or with another one, with a JSON 401', async () => {
    for (const key of [null, 'wrong-token-0123456789', `${METRICS_TOKEN}x`, METRICS_TOKEN.slice(0, -1)]) {
      const res = await api.get('/metrics', { key });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect(res.body).not.toContain('switchboard_');
    }
  });

  it('serves the metrics to the token', async () => {
    const res = await api.get('/metrics', { key: METRICS_TOKEN });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('switchboard_http_request_duration_seconds');
  });

  it('does not let an admin key stand in for the token', async () => {
    const res = await api.get('/metrics');
    expect(res.statusCode).toBe(401);
  });
});

describe('deployment files', () => {
  it('docker-compose.yml refuses to start without an ADMIN_TOKEN instead of using a known one', () => {
    const compose = repoFile('docker-compose.yml');
    const line = compose.split('\n').find((l) => /^\s*ADMIN_TOKEN:/.test(l));
    expect(line).toBeDefined();
    // `${VAR:?message}` makes Compose stop with the message when VAR is unset or empty.
    expect(line).toMatch(/\$\{ADMIN_TOKEN:\?[^}]+\}/);
    expect(compose).not.toMatch(/ADMIN_TOKEN:-/);
  });

  it('the container image listens on every interface (HOST=0.0.0.0); pnpm start keeps the 127.0.0.1 default', () => {
    expect(repoFile('Dockerfile')).toMatch(/ENV HOST=0\.0\.0\.0/);
    expect(JSON.parse(repoFile('package.json')).scripts.start).not.toMatch(/HOST=/);
  });
});
