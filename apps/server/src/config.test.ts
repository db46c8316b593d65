import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, DEFAULT_ADMIN_UI_DIR, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults: port 4242, embedded database in ./.data, no Redis, no CORS', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 4242,
      host: '127.0.0.1',
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: '/srv/app/.data',
      corsOrigins: [],
    });
    expect(config).toMatchObject({ metricsRetentionDays: 90, adminUiDir: DEFAULT_ADMIN_UI_DIR });
  });

  it('looks for the admin UI in apps/admin/dist of the workspace', () => {
    expect(DEFAULT_ADMIN_UI_DIR).toBe(fileURLToPath(new URL('../../admin/dist/', import.meta.url)));
    expect(DEFAULT_ADMIN_UI_DIR.replace(/\\/g, '/')).toMatch(/\/apps\/admin\/dist\/$/);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '127.0.0.1',
        DATABASE_URL: 'postgres://u@db/flags',
        REDIS_URL: 'redis://cache:6379',
        DATA_DIR: 'var/db',
        ADMIN_TOKEN: 'a-long-enough-admin-token',
        CORS_ORIGINS: 'https://a.example.com, http://localhost:3000',
        LOG_LEVEL: 'warn',
        METRICS_RETENTION_DAYS: '30',
        ADMIN_UI_DIR: 'ui/dist',
      },
      '/srv',
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u@db/flags',
      redisUrl: 'redis://cache:6379',
      dataDir: '/srv/var/db',
      adminToken: 'a-long-enough-admin-token',
      corsOrigins: ['https://a.example.com', 'http://localhost:3000'],
      logLevel: 'warn',
      metricsRetentionDays: 30,
      adminUiDir: '/srv/ui/dist',
    });
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({
        PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'http://x',
        ADMIN_TOKEN: 'short',
        CORS_ORIGINS: 'https://ok.com/path',
        LOG_LEVEL: 'loud',
        METRICS_RETENTION_DAYS: '0',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(7);
    }
  });

  it('reads the limits, TRUST_PROXY and METRICS_TOKEN', () => {
    const config = loadConfig({
      TRUST_PROXY: '10.0.0.0/8, loopback',
      METRICS_TOKEN: 'metrics-token-0123456789',
      BODY_LIMIT: '2048',
      EVENTS_BODY_LIMIT: '4096',
      SSE_BUFFER_CAP_BYTES: '65536',
      SSE_DRAIN_TIMEOUT_MS: '5000',
      SSE_MAX_CONNECTIONS_PER_KEY: '7',
      SSE_MAX_CONNECTIONS_PER_IP: '3',
      SSE_MAX_CONNECTIONS: '9',
      ADMIN_RATE_LIMIT_PER_MINUTE: '0',
      EVENTS_RATE_LIMIT_PER_IP_PER_MINUTE: '60',
      EVENTS_RATE_LIMIT_PER_KEY_PER_MINUTE: '6000',
      EVENTS_MAX_EVENT_NAMES: '50',
      AUTH_FAILURES_PER_MINUTE: '10',
      KEY_CACHE_MAX_AGE_MS: '60000',
    });
    expect(config).toMatchObject({
      trustProxy: ['10.0.0.0/8', 'loopback'],
      metricsToken: 'metrics-token-0123456789',
      bodyLimit: 2048,
      eventsBodyLimit: 4096,
      sseBufferCapBytes: 65536,
      sseDrainTimeoutMs: 5000,
      sseMaxConnectionsPerKey: 7,
      sseMaxConnectionsPerIp: 3,
      sseMaxConnections: 9,
      adminRateLimitPerMinute: 0,
      sdkEventsRateLimitPerMinute: 60,
      sdkEventsKeyRateLimitPerMinute: 6000,
      eventsMaxEventNames: 50,
      authFailuresPerMinute: 10,
      keyCacheMaxAgeMs: 60000,
    });
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com', METRICS_TOKEN: 'short', SSE_MAX_CONNECTIONS_PER_IP: '0' })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/TRUST_PROXY/),
          expect.stringMatching(/METRICS_TOKEN/),
          expect.stringMatching(/SSE_MAX_CONNECTIONS_PER_IP/),
        ]),
      }),
    );
  });

  it('accepts * for CORS only when given explicitly', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it("documents every variable it reads in the server README, and nothing it doesn't", () => {
    const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/\b(?:str|int)\(\s*'([A-Z_]+)'/g)].map((m) => m[1]));
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('### Environment variables'),
      readme.indexOf('\n## ', readme.indexOf('### Environment variables')),
    );
    const documented = new Set([...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect(read.size).toBeGreaterThan(20);
    expect([...documented].sort()).toEqual([...read].sort());
  });
});
