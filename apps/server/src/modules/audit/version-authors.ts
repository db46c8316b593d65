/**
 * Who wrote each config version and why: stamped on the version rows a write made, in the
 * same transaction, so history answers "who made this version" without joining the audit log.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { flagConfigs, flagConfigVersions } from '../../db/schema/index.js';
import type { ChangeTransaction } from '../changes/change-transaction.js';

function author(w: ChangeTransaction): { actor: string; reason: string | null } {
  return { actor: w.context.principal.name, reason: w.context.reason ?? null };
}

/** Stamps one version this write just wrote. */
export async function stampVersion(w: ChangeTransaction, configId: number, version: number): Promise<void> {
  await w.tx
    .update(flagConfigVersions)
    .set(author(w))
    .where(and(eq(flagConfigVersions.configId, configId), eq(flagConfigVersions.version, version)));
}

/** Stamps the first versions of a flag just created (one per environment). */
export async function stampFirstVersions(w: ChangeTransaction, flagId: number): Promise<void> {
  const configs = w.tx.select({ id: flagConfigs.id }).from(flagConfigs).where(eq(flagConfigs.flagId, flagId));
  await w.tx
    .update(flagConfigVersions)
    .set(author(w))
    .where(and(inArray(flagConfigVersions.configId, configs), eq(flagConfigVersions.version, 1), isNull(flagConfigVersions.actor)));
}

/** `{ version → { actor, reason } }` for the versions history shows. */
export async function versionAuthors(
  db: Database,
  configId: number,
  versions: readonly number[],
): Promise<Map<number, { actor: string | null; reason: string | null }>> {
  if (versions.length === 0) return new Map();
  const rows = await db
    .select({ version: flagConfigVersions.version, actor: flagConfigVersions.actor, reason: flagConfigVersions.reason })
    .from(flagConfigVersions)
    .where(and(eq(flagConfigVersions.configId, configId), inArray(flagConfigVersions.version, [...versions])));
  return new Map(rows.map((r) => [r.version, { actor: r.actor, reason: r.reason }]));
}
