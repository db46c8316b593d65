/** Environments: each has its own configs, keys and revision. */
import type { CreateEnvironmentBody, Environment, UpdateEnvironmentBody } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import type { EnvironmentRow } from '../../db/schema/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Idempotency, RequestContext } from '../../http/request-context.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';
import type { ChangeWriter, StoredResponse } from '../changes/change-writer.js';
import { defaultConfigFields } from '../flags/documents.js';
import { insertConfigs, listFlags } from '../flags/store.js';
import type { Delivery } from '../sdk/delivery.js';
import * as store from './store.js';

export function environmentView(row: EnvironmentRow): Environment {
  return {
    key: row.key,
    name: row.name,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    protected: row.protected,
    requiredApprovals: row.requiredApprovals,
    requireReason: row.requireReason,
  };
}

export const DEFAULT_ENVIRONMENTS = [
  { key: 'development', name: 'Development', settings: {} },
  { key: 'staging', name: 'Staging', settings: {} },
  { key: 'production', name: 'Production', settings: { protected: true } },
] as const;

export type EnvironmentSettings = Partial<Pick<EnvironmentRow, 'protected' | 'requiredApprovals' | 'requireReason'>>;

/** Approvals are a property of protected environments (one concept): refuses settings that would split them. */
export function checkSettings(next: Pick<EnvironmentRow, 'protected' | 'requiredApprovals'>, body: EnvironmentSettings): void {
  if (next.requiredApprovals > 0 && !next.protected) {
    const field = body.protected === false ? 'protected' : 'requiredApprovals';
    throw new ValidationError(
      `Approvals apply only to protected environments: set protected: true, or requiredApprovals: 0 with protected: false`,
      field,
    );
  }
}

/** Inserts an environment with a disabled config for every existing flag. */
export async function createEnvironment(
  db: Database,
  key: string,
  name: string,
  settings: EnvironmentSettings = {},
): Promise<EnvironmentRow> {
  const env = await store.insertEnvironment(db, key, name, settings);
  const flags = await listFlags(db, true);
  await insertConfigs(
    db,
    flags.map((flag) => ({ flagId: flag.id, environmentId: env.id, fields: defaultConfigFields(flag) })),
  );
  return env;
}

function settingsOf(body: EnvironmentSettings): EnvironmentSettings {
  const out: EnvironmentSettings = {};
  if (body.protected !== undefined) out.protected = body.protected;
  if (body.requiredApprovals !== undefined) out.requiredApprovals = body.requiredApprovals;
  if (body.requireReason !== undefined) out.requireReason = body.requireReason;
  return out;
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

  async create(ctx: RequestContext, body: CreateEnvironmentBody, idempotency: Idempotency | undefined): Promise<StoredResponse> {
    const settings = settingsOf(body);
    checkSettings({ protected: settings.protected ?? false, requiredApprovals: settings.requiredApprovals ?? 0 }, settings);
    const out = await this.writer.runCreate(ctx, idempotency, async (w: ChangeTransaction) => {
      await w.lockEnvironments();
      if (await store.findEnvironment(w.tx, body.key)) throw new ConflictError(`Environment "${body.key}" already exists`, 'key');
      const env = await createEnvironment(w.tx, body.key, body.name ?? body.key, settings);
      const view = environmentView(env);
      w.audit({ action: 'environment.create', environment: env.key, after: view });
      return { status: 201, body: view };
    });
    if (!out.replayed) this.delivery.environmentsChanged();
    return out;
  }

  /** A new name and/or settings. Audited with the fields that changed, before and after. */
  update(ctx: RequestContext, key: string, body: UpdateEnvironmentBody): Promise<Environment> {
    return this.writer.run(ctx, async (w) => {
      const locked = await w.lockEnvironment(key);
      const current = (await store.findEnvironment(w.tx, key))!;
      const changes: EnvironmentSettings & { name?: string } = {
        ...settingsOf(body),
        ...(body.name !== undefined ? { name: body.name } : {}),
      };
      checkSettings({ ...current, ...changes }, changes);
      const fields = (Object.keys(changes) as (keyof typeof changes)[]).filter((f) => changes[f] !== current[f]);
      if (fields.length === 0) return environmentView(current);
      const row = await store.updateEnvironment(w.tx, locked.id, changes);
      w.audit({
        action: 'environment.update',
        environment: key,
        before: Object.fromEntries(fields.map((f) => [f, current[f]])),
        after: Object.fromEntries(fields.map((f) => [f, row[f]])),
      });
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
