/** Building apps for tests: in-memory PGlite unless a DATABASE_URL is given, quiet logs, an admin token. */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { inject } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildApp, type App, type BuildOptions } from '../app.js';
import { defaultConfig, type Config } from '../config.js';
import { checkResponses } from './response-contract.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function testConfig(overrides: Partial<Config> = {}): Config {
  return defaultConfig({
    adminToken: ADMIN_TOKEN,
    logLevel: 'silent',
    adminRateLimitPerMinute: 0,
    sdkEventsRateLimitPerMinute: 0,
    authFailuresPerMinute: 0, // suites send bad keys on purpose; hostile/auth.int.test.ts turns the throttle on
    adminUiDir: undefined,
    ...overrides,
  });
}

/** An in-memory PGlite loaded from the migrated image prepared by `global-setup.ts`. */
export function preparedPglite(): PGlite {
  const image = readFileSync(inject('pgliteImage'));
  return new PGlite({ loadDataDir: new Blob([image]) });
}

/** A test app whose every answer is checked against its route's declared response schema (see response-contract.ts). */
export async function testApp(overrides: Partial<Config> = {}, options: BuildOptions = {}): Promise<App> {
  const config = testConfig(overrides);
  const embeddedInMemory = !config.databaseUrl && !config.dataDir && !options.pglite;
  const app = await buildApp(config, { logger: false, ...(embeddedInMemory ? { pglite: preparedPglite() } : {}), ...options });
  checkResponses(app);
  return app;
}

export function bearer(key: string): { authorization: string } {
  return { authorization: `Bearer ${key}` };
}

/** Settings the shared route suites expect. */
export const SUITE_CONFIG = {
  heartbeatIntervalMs: 200,
  sseMaxConnectionsPerKey: 3,
  corsOrigins: ['https://app.example.com'],
};

/** Every row of every table as JSON text, to search for what must never be stored. */
export async function dumpDatabase(app: App): Promise<{ tables: string[]; text: string }> {
  const rowsOf = (result: unknown): unknown[] => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows);
  const { db } = app.database;
  const listed = await db.execute(
    sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  const tables = rowsOf(listed).map((t) => (t as { table_name: string }).table_name);
  let text = '';
  for (const table of tables) text += JSON.stringify(rowsOf(await db.execute(sql`select * from ${sql.identifier(table)}`)));
  return { tables, text };
}
