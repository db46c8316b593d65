/**
 * One schema, two drivers: `postgres` (postgres.js) when DATABASE_URL is set, embedded
 * PGlite otherwise. Everything above this file sees one `Database` type.
 */
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary constant shared by every instance: migrations and seeding run under this advisory lock. */
const MIGRATION_LOCK_ID = 4_242_0001;

/** Seconds postgres.js waits before reconnecting after a failed or lost connection. */
const RECONNECT_PAUSE_S = 0.1;

export interface DatabaseHandle {
  readonly driver: 'postgres' | 'pglite';
  readonly db: Database;
  /** How long one statement waits for a lock before failing (55P03); `undefined` on PGlite, which has one connection. */
  readonly lockTimeoutMs: number | undefined;
  /**
   * Applies pending migrations, then runs `seed` with a connection that still holds the
   * advisory lock, so instances starting together neither race nor seed twice.
   */
  migrate(seed: (db: Database) => Promise<void>): Promise<void>;
  /** Resolves when the database answers `select 1` within `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string | undefined;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** A PGlite instance to use instead of opening `dataDir` (e.g. one loaded from a prepared image). The handle closes it. */
  pglite?: PGlite;
}

export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  return options.databaseUrl ? createPostgres(options.databaseUrl, options) : createPglite(options);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function createPostgres(url: string, options: DatabaseOptions): DatabaseHandle {
  const lockTimeoutMs = Math.max(100, options.statementTimeoutMs - 500);
  const connection = {
    application_name: 'switchboard-server',
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: lockTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
  };
  const client = postgres(url, {
    max: 10,
    connect_timeout: options.connectTimeoutMs / 1000,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    // postgres.js's own reconnect delay grows to many seconds, and queued queries wait with
    // it after a restart. A short fixed pause is enough: DatabaseService stops sending
    // requests while the database is down.
    backoff: () => RECONNECT_PAUSE_S,
    connection,
    onnotice: () => {},
  });
  const db = drizzlePostgres({ client, schema }) as unknown as Database;

  return {
    driver: 'postgres',
    db,
    lockTimeoutMs,
    async migrate(seed) {
      // A dedicated single connection: the session-level advisory lock, the migrations
      // and the seed all run on it.
      const one = postgres(url, {
        max: 1,
        connect_timeout: options.connectTimeoutMs / 1000,
        idle_timeout: 0,
        connection,
        onnotice: () => {},
      });
      try {
        const lockDb = drizzlePostgres({ client: one, schema });
        await one`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
        try {
          await migratePostgres(lockDb, { migrationsFolder: MIGRATIONS_FOLDER });
          await seed(lockDb as unknown as Database);
        } finally {
          await one`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {});
        }
      } finally {
        await one.end({ timeout: 1 });
      }
    },
    async ping(timeoutMs) {
      await withTimeout(client`select 1`, timeoutMs, 'database ping');
    },
    async close() {
      await client.end({ timeout: 2 });
    },
  };
}

function createPglite(options: DatabaseOptions): DatabaseHandle {
  if (options.dataDir && !options.pglite) mkdirSync(options.dataDir, { recursive: true });
  const client = options.pglite ?? new PGlite(options.dataDir);
  const drizzleDb = drizzlePglite({ client, schema });
  const db = drizzleDb as unknown as Database;
  return {
    driver: 'pglite',
    db,
    lockTimeoutMs: undefined,
    async migrate(seed) {
      // One process owns a PGlite folder, so there is nobody to race; the lock is kept
      // for symmetry and costs nothing.
      await drizzleDb.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
      try {
        await migratePglite(drizzleDb, { migrationsFolder: MIGRATIONS_FOLDER });
        await seed(db);
      } finally {
        await drizzleDb.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
      }
    },
    async ping(timeoutMs) {
      await withTimeout(client.query('select 1'), timeoutMs, 'database ping');
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}
