/** Environments: each has its own configs, keys and revision. */
import type { Environment } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import type { EnvironmentRow } from '../../db/schema/index.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter, StoredResponse } from '../changes/change-writer.js';
import { defaultConfigFields } from '../flags/documents.js';
import { insertConfigs, listFlags } from '../flags/store.js';
import type { Delivery } from '../sdk/delivery.js';
import * as store from './store.js';

export function environmentView(row: EnvironmentRow): Environment {
  return { key: row.key, name: row.name, revision: row.revision, createdAt: row.createdAt.toISOString() };
}

export const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development' },
  { key: 'staging', name: 'Staging' },
  { key: 'production', name: 'Production' },
] as const;

/** Inserts an environment with a disabled config for every existing flag. */
export async function createEnvironment(db: Database, key: string, name: string): Promise<EnvironmentRow> {
  const env = await store.insertEnvironment(db, key, name);
  const flags = await listFlags(db, true);
  await insertConfigs(
    db,
    flags.map((flag) => ({ flagId: flag.id, environmentId: env.id, fields: defaultConfigFields(flag) })),
  );
  return env;
}

export class EnvironmentService {
  constructor(
    private readonly writer: ChangeWriter,
    private readonly delivery: Delivery,
    private readonly db: () => Database,
  ) {}

  async list(): Promise<Environment[]> {
    return (await store.listEnvironments(this.db())).map(environmentView);
  }

  async get(key: string): Promise<Environment> {
    const row = await store.findEnvironment(this.db(), key);
    if (!row) throw new NotFoundError(`Environment "${key}" does not exist`);
    return environmentView(row);
  }

  async create(
    ctx: RequestContext,
    body: { key: string; name?: string | undefined },
    idempotency: Idempotency | undefined,
  ): Promise<StoredResponse> {
    const out = await this.writer.runCreate(ctx, idempotency, async (w: ChangeTransaction) => {
      await w.lockEnvironments();
      if (await store.findEnvironment(w.tx, body.key)) throw new ConflictError(`Environment "${body.key}" already exists`, 'key');
      const env = await createEnvironment(w.tx, body.key, body.name ?? body.key);
      const view = environmentView(env);
      w.audit({ action: 'environment.create', environment: env.key, after: view });
      return { status: 201, body: view };
    });
    if (!out.replayed) this.delivery.environmentsChanged();
    return out;
  }

  rename(ctx: RequestContext, key: string, name: string): Promise<Environment> {
    return this.writer.run(ctx, async (w) => {
      const env = await w.lockEnvironment(key);
      const row = await store.renameEnvironment(w.tx, env.id, name);
      w.audit({ action: 'environment.update', environment: key, before: { name: env.name }, after: { name } });
      return environmentView(row);
    });
  }

  /** Refused while the environment has active API keys (revoke them first). */
  async remove(ctx: RequestContext, key: string): Promise<void> {
    await this.writer.run(ctx, async (w) => {
      const env = await w.lockEnvironment(key);
      const keys = await store.activeKeyCount(w.tx, env.id);
      if (keys > 0) throw new ConflictError(`Environment "${key}" still has ${keys} active API key(s); revoke them first`);
      await store.deleteEnvironment(w.tx, env.id);
      w.audit({ action: 'environment.delete', environment: key, before: { key, name: env.name, revision: env.revision } });
    });
    this.delivery.environmentRemoved(key);
  }
}
