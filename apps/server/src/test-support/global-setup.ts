/**
 * Prepares, once per test run, an image of a migrated and seeded PGlite database. Each
 * test app then loads it instead of running initdb and the migrations again (which take
 * seconds per app).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS_FOLDER, createDatabase } from '../db/client.js';
import { seed } from '../seed.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteImage: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const journal = readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'));
  const seedSource = readFileSync(new URL('../seed.ts', import.meta.url));
  const version = createHash('sha256').update(journal).update(seedSource).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `switchboard-pglite-image-${version}.tar`);
  if (!existsSync(file)) {
    const pglite = new PGlite();
    const handle = createDatabase({ databaseUrl: undefined, dataDir: undefined, connectTimeoutMs: 5000, statementTimeoutMs: 5000, pglite });
    await handle.migrate(async (db) => {
      await seed(db, true);
    });
    const image = await pglite.dumpDataDir('none');
    writeFileSync(`${file}.${process.pid}`, Buffer.from(await image.arrayBuffer()));
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.${process.pid}`, file);
    await handle.close();
  }
  project.provide('pgliteImage', file);
}
