/**
 * The database plugin: opens the configured driver and tracks two facts about it —
 * whether migrations and seeding have run (`ready`), and whether it answered lately
 * (`healthy`, fed by the revision check). Writes and admin reads refuse quickly with
 * 503 when it isn't ready; SDK routes never touch it.
 */
import fp from 'fastify-plugin';
import { createDatabase, type Database, type DatabaseHandle, type DatabaseOptions } from '../db/client.js';
import { UnavailableError } from '../errors.js';

export class DatabaseService {
  /** Migrated and seeded; admin routes work. */
  ready = false;
  /** Last contact succeeded (revision check or ping). */
  healthy = false;
  lastError: string | undefined;

  constructor(readonly handle: DatabaseHandle) {}

  get db(): Database {
    return this.handle.db;
  }

  get driver(): DatabaseHandle['driver'] {
    return this.handle.driver;
  }

  /** The database for a request that needs it, or a 503 when it isn't usable yet. */
  readyDb(): Database {
    if (!this.ready) throw new UnavailableError('The database is not available yet; retry shortly.');
    return this.handle.db;
  }

  markHealthy(): void {
    this.healthy = true;
    this.lastError = undefined;
  }

  markUnhealthy(err: unknown): void {
    this.healthy = false;
    this.lastError = err instanceof Error ? err.message : String(err);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseService;
  }
}

export const dbPlugin = fp<DatabaseOptions>(
  async (app, opts) => {
    const service = new DatabaseService(createDatabase(opts));
    app.decorate('database', service);
    app.addHook('onClose', async () => {
      await service.handle.close();
    });
  },
  { name: 'db' },
);
