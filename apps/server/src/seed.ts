/**
 * First-start content, run under the migration lock: the default environments, and —
 * when ADMIN_TOKEN is not set and no admin key exists — a generated admin key whose
 * secret is handed back once for printing.
 */
import { count } from 'drizzle-orm';
import type { Database } from './db/client.js';
import { auditEvents, environments } from './db/schema/index.js';
import { insertKey } from './modules/api-keys/service.js';
import { countActiveAdminKeys } from './modules/api-keys/store.js';
import { DEFAULT_ENVIRONMENTS, createEnvironment } from './modules/environments/service.js';

export interface SeedResult {
  /** Set when an admin key was generated: print it once, never log it. */
  bootstrapAdminKey?: string;
}

export async function seed(db: Database, adminTokenConfigured: boolean): Promise<SeedResult> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Database;
    const result: SeedResult = {};
    const [envCount] = await t.select({ n: count() }).from(environments);
    if ((envCount?.n ?? 0) === 0) {
      for (const { key, name, settings } of DEFAULT_ENVIRONMENTS) {
        await createEnvironment(t, key, name, settings);
        await t
          .insert(auditEvents)
          .values({ actor: 'system', action: 'environment.create', environment: key, after: { key, name, ...settings } });
      }
    }
    if (!adminTokenConfigured && (await countActiveAdminKeys(t)) === 0) {
      const created = await insertKey(t, { kind: 'admin', environmentId: null, name: 'bootstrap', createdBy: 'system' });
      await t
        .insert(auditEvents)
        .values({ actor: 'system', action: 'api-key.create', subject: created.id, after: { kind: 'admin', name: 'bootstrap' } });
      result.bootstrapAdminKey = created.secret;
    }
    return result;
  });
}
