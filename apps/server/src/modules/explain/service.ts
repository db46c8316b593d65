/**
 * Explain: what a context gets for a flag and why, against the snapshot this instance
 * serves to SDKs in that environment (so the answer is what an SDK would get), using
 * core's `explain` — the engine's own result plus its trace.
 */
import { explain, SCHEMA_VERSION, type EvaluationContext, type FlagExplanation, type Snapshot } from '@switchboard/core';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { environments } from '../../db/schema/index.js';
import { NotFoundError } from '../../errors.js';
import type { Delivery } from '../sdk/delivery.js';
import { loadSnapshots } from '../sdk/store.js';

export interface ExplainedFlag {
  environment: string;
  revision: number;
  explanation: FlagExplanation;
}

export interface ExplainedEnvironment {
  environment: string;
  revision: number;
  explanations: FlagExplanation[];
}

export class ExplainService {
  constructor(
    private readonly delivery: Delivery,
    private readonly db: () => Database,
  ) {}

  async flag(env: string, key: string, context: EvaluationContext): Promise<ExplainedFlag> {
    const snapshot = await this.snapshot(env);
    if (!Object.hasOwn(snapshot.flags, key)) throw new NotFoundError(`Flag "${key}" does not exist in "${env}"`);
    return { environment: env, revision: snapshot.revision, explanation: explain(snapshot, key, context) };
  }

  async environment(env: string, context: EvaluationContext): Promise<ExplainedEnvironment> {
    const snapshot = await this.snapshot(env);
    const keys = Object.keys(snapshot.flags).sort();
    return { environment: env, revision: snapshot.revision, explanations: keys.map((key) => explain(snapshot, key, context)) };
  }

  /** The delivered snapshot; from Postgres only while this instance hasn't loaded the environment yet. */
  private async snapshot(env: string): Promise<Snapshot> {
    const view = this.delivery.views.get(env);
    if (view) {
      return {
        schemaVersion: SCHEMA_VERSION,
        environment: view.environment,
        revision: view.revision,
        flags: Object.fromEntries(view.flags),
        segments: Object.fromEntries(view.segments),
      };
    }
    const db = this.db();
    const [row] = await db.select({ id: environments.id }).from(environments).where(eq(environments.key, env));
    if (!row) throw new NotFoundError(`Environment "${env}" does not exist`);
    const [snapshot] = await loadSnapshots(db, [row.id]);
    if (!snapshot) throw new NotFoundError(`Environment "${env}" does not exist`);
    return snapshot;
  }
}
