import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, startRedis, type PostgresService, type RedisService } from './index.js';

describe('startPostgres', () => {
  let pg: PostgresService;

  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);

  afterAll(async () => {
    await pg?.stop();
  });

  it('runs a query with durable settings by default', async () => {
    const sql = postgres(pg.url, { max: 1 });
    try {
      const [row] = await sql<{ answer: number; fsync: string; sync: string }[]>`
        select 1 as answer, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sync`;
      expect(row).toEqual({ answer: 1, fsync: 'on', sync: 'on' });
    } finally {
      await sql.end();
    }
  });

  it('keeps committed data through a SIGKILL crash and a restart on the same port', async () => {
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    await sql`create table crash_test (id int primary key, note text)`;
    await sql`insert into crash_test values (1, 'committed before the crash')`;
    await sql.end();

    await pg.kill();
    const down = postgres(pg.url, { max: 1, connect_timeout: 1 });
    await expect(down`select 1`).rejects.toThrow();
    await down.end({ timeout: 1 });

    await pg.restart();
    const after = postgres(pg.url, { max: 1 });
    try {
      expect(await after`select note from crash_test where id = 1`).toEqual([{ note: 'committed before the crash' }]);
    } finally {
      await after.end();
    }
    expect(pg.logs()).toMatch(/database system was interrupted|not properly shut down|automatic recovery/);
  }, 60_000);

  it('creates databases, also from a template', async () => {
    const templateUrl = await pg.createDatabase('template_app');
    const setup = postgres(templateUrl, { max: 1, onnotice: () => {} });
    await setup`create table migrated (id int)`;
    await setup.end();

    const cloneUrl = await pg.createDatabase('test_file_1', { template: 'template_app' });
    expect(cloneUrl).toBe(`postgres://postgres@127.0.0.1:${pg.port}/test_file_1`);
    const clone = postgres(cloneUrl, { max: 1 });
    try {
      expect(await clone`select count(*)::int as n from migrated`).toEqual([{ n: 0 }]);
    } finally {
      await clone.end();
    }
  });
});

describe('startRedis', () => {
  let redis: RedisService;

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('answers PING, and comes back empty on the same port after kill + restart', async () => {
    const client = new Redis(redis.url, { lazyConnect: true });
    client.on('error', () => {});
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    await client.set('k', 'v');
    client.disconnect();

    await redis.kill();
    await redis.restart();

    const again = new Redis(redis.url, { lazyConnect: true });
    try {
      await again.connect();
      expect(await again.ping()).toBe('PONG');
      expect(await again.get('k')).toBeNull();
    } finally {
      again.disconnect();
    }
  });
});

describe('missing binaries', () => {
  it('fail loudly, naming the binary and the apt package', async () => {
    await expect(startPostgres({ binDir: '/nonexistent/bin' })).rejects.toThrow(
      /\/nonexistent\/bin\/initdb.*apt-get install -y postgresql-15/,
    );
    await expect(startRedis({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
      /\/nonexistent\/redis-server.*apt-get install -y redis-server/,
    );
  });
});
