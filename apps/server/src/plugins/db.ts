/**
 * The database plugin: opens the configured driver and tracks three facts about it —
 * whether migrations and seeding have run (`ready`), whether it answered lately
 * (`healthy`, fed by the revision check), and whether it was found unreachable. Writes
 * and admin reads refuse at once with 503 when it isn't ready or is unreachable, rather
 * than queueing in the driver until it comes back; SDK routes never touch it.
 */
import fp from 'fastify-plugin';
import { createDatabase, type Database, type DatabaseHandle, type DatabaseOptions } from '../db/client.js';
import { UnavailableError, isConnectFailure } from '../errors.js';

/** While unreachable, requests start a probe at most this often (the revision check probes every second too). */
const PROBE_INTERVAL_MS = 200;

export class DatabaseService {
  /** Migrated and seeded; admin routes work. */
  ready = false;
  /** Last contact succeeded (revision check or ping). */
  healthy = false;
  lastError: string | undefined;
  /** Opening a connection failed (refused, timed out) and nothing has got through since. */
  private unreachable = false;
  private probing = false;
  private lastProbeAt = 0;

  constructor(
    readonly handle: DatabaseHandle,
    /** How long a probe may take: the connect timeout. */
    private readonly probeTimeoutMs: number,
  ) {}

  get db(): Database {
    return this.handle.db;
  }

  get driver(): DatabaseHandle['driver'] {
    return this.handle.driver;
  }

  get reachable(): boolean {
    return !this.unreachable;
  }

  /** The database for a request that needs it, or a 503 when it isn't usable. */
  readyDb(): Database {
    if (!this.ready) throw new UnavailableError('The database is not available yet; retry shortly.');
    if (this.unreachable) {
      this.probe();
      throw new UnavailableError('The database is unreachable; nothing was read or written. Retry shortly.');
    }
    return this.handle.db;
  }

  markHealthy(): void {
    this.healthy = true;
    this.unreachable = false;
    this.lastError = undefined;
  }

  /**
   * A failed contact. Only a failed connect makes requests refuse at once: a timeout or
   * lock wait came from a database that answered, and a pooled connection cut by a
   * restart says nothing about the next one.
   */
  markUnhealthy(err: unknown): void {
    this.healthy = false;
    this.unreachable = isConnectFailure(err);
    this.lastError = err instanceof Error ? err.message : String(err);
  }

  /** An error a request met: a failed connect opens the breaker until a probe gets through. */
  noteRequestError(err: unknown): void {
    if (isConnectFailure(err)) this.markUnhealthy(err);
  }

  private probe(): void {
    const now = Date.now();
    if (this.probing || now - this.lastProbeAt < PROBE_INTERVAL_MS) return;
    this.probing = true;
    this.lastProbeAt = now;
    this.handle
      .ping(this.probeTimeoutMs)
      .then(
        () => this.markHealthy(),
        (err: unknown) => this.markUnhealthy(err),
      )
      .finally(() => {
        this.probing = false;
      });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseService;
  }
}

export const dbPlugin = fp<DatabaseOptions>(
  async (app, opts) => {
    const service = new DatabaseService(createDatabase(opts), opts.connectTimeoutMs);
    app.decorate('database', service);
    app.addHook('onError', async (_request, _reply, error) => {
      service.noteRequestError(error);
    });
    app.addHook('onClose', async () => {
      await service.handle.close();
    });
  },
  { name: 'db' },
);
