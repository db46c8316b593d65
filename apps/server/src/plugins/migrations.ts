/**
 * Migrations and the first-start seed. They run when the database first answers, which
 * may be long after start: the revision check asks on every tick until it has happened.
 */
import fp from 'fastify-plugin';
import { seed, type SeedResult } from '../seed.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Migrates and seeds the database unless that already succeeded; throws while it can't. */
    prepareDatabase(): Promise<void>;
  }
}

export interface MigrationsPluginOptions {
  /** With ADMIN_TOKEN set, the seed generates no admin key. */
  adminTokenConfigured: boolean;
  /** Receives a generated admin key on first start (default: printed once to stdout). */
  onBootstrapAdminKey?: ((secret: string) => void) | undefined;
}

function printBootstrapKey(secret: string): void {
  process.stdout.write(
    `\n  Switchboard generated an admin key. It is shown this once; store it now:\n\n    ${secret}\n\n` +
      '  Use it as "Authorization: Bearer <key>" on /api/admin. Set ADMIN_TOKEN to choose your own instead.\n\n',
  );
}

export const migrationsPlugin = fp<MigrationsPluginOptions>(
  async (app, opts) => {
    const { database } = app;
    app.decorate('prepareDatabase', async () => {
      if (database.ready) return;
      let result: SeedResult = {};
      await database.handle.migrate(async (db) => {
        result = await seed(db, opts.adminTokenConfigured);
      });
      database.ready = true;
      app.log.info({ driver: database.driver }, 'database migrated');
      if (result.bootstrapAdminKey) (opts.onBootstrapAdminKey ?? printBootstrapKey)(result.bootstrapAdminKey);
    });
  },
  { name: 'migrations', dependencies: ['db'] },
);
