import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ConfigError, DEFAULT_ADMIN_UI_DIR, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults: port 4242, embedded database in ./.data, no Redis, no CORS', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({ port: 4242, host: '0.0.0.0', databaseUrl: undefined, redisUrl: undefined, dataDir: '/srv/app/.data', corsOrigins: [] });
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
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x', ADMIN_TOKEN: 'short', CORS_ORIGINS: 'https://ok.com/path', LOG_LEVEL: 'loud', METRICS_RETENTION_DAYS: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(7);
    }
  });

  it('accepts * for CORS only when given explicitly', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });
});
