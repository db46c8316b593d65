import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults: port 4242, embedded database in ./.data, no Redis, no CORS', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({ port: 4242, host: '0.0.0.0', databaseUrl: undefined, redisUrl: undefined, dataDir: '/srv/app/.data', corsOrigins: [] });
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
    });
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x', ADMIN_TOKEN: 'short', CORS_ORIGINS: 'https://ok.com/path', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(6);
    }
  });

  it('accepts * for CORS only when given explicitly', () => {
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });
});
