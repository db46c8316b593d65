import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import {
  environments,
  flagConfigVersions,
  flagConfigs,
  flags,
  type ConfigFields,
  type FlagConfigRow,
  type FlagRow,
} from '../../db/schema/index.js';

export async function findFlag(db: Database, key: string, forUpdate = false): Promise<FlagRow | undefined> {
  const query = db.select().from(flags).where(eq(flags.key, key)).limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

export function listFlags(db: Database, includeArchived: boolean): Promise<FlagRow[]> {
  return db
    .select()
    .from(flags)
    .where(includeArchived ? undefined : eq(flags.archived, false))
    .orderBy(asc(flags.key));
}

export async function insertFlag(db: Database, values: typeof flags.$inferInsert): Promise<FlagRow> {
  const [row] = await db.insert(flags).values(values).returning();
  return row!;
}

export async function updateFlag(db: Database, id: number, values: Partial<typeof flags.$inferInsert>): Promise<FlagRow> {
  const [row] = await db
    .update(flags)
    .set({ ...values, version: sql`${flags.version} + 1`, updatedAt: sql`now()` })
    .where(eq(flags.id, id))
    .returning();
  return row!;
}

export async function deleteFlag(db: Database, id: number): Promise<void> {
  await db.delete(flags).where(eq(flags.id, id));
}

export type ConfigWithEnvironment = FlagConfigRow & { environment: string };

const configWithEnvironment = {
  id: flagConfigs.id,
  flagId: flagConfigs.flagId,
  environmentId: flagConfigs.environmentId,
  enabled: flagConfigs.enabled,
  offVariant: flagConfigs.offVariant,
  fallthrough: flagConfigs.fallthrough,
  rules: flagConfigs.rules,
  prerequisites: flagConfigs.prerequisites,
  salt: flagConfigs.salt,
  version: flagConfigs.version,
  updatedAt: flagConfigs.updatedAt,
  environment: environments.key,
};

export function configsOfFlag(db: Database, flagId: number): Promise<ConfigWithEnvironment[]> {
  return db
    .select(configWithEnvironment)
    .from(flagConfigs)
    .innerJoin(environments, eq(environments.id, flagConfigs.environmentId))
    .where(eq(flagConfigs.flagId, flagId))
    .orderBy(asc(environments.id));
}

export async function findConfig(db: Database, flagId: number, environmentId: number): Promise<ConfigWithEnvironment | undefined> {
  const [row] = await db
    .select(configWithEnvironment)
    .from(flagConfigs)
    .innerJoin(environments, eq(environments.id, flagConfigs.environmentId))
    .where(and(eq(flagConfigs.flagId, flagId), eq(flagConfigs.environmentId, environmentId)))
    .limit(1);
  return row;
}

/** Inserts configs (version 1) and their first history entries. */
export async function insertConfigs(db: Database, rows: { flagId: number; environmentId: number; fields: ConfigFields }[]): Promise<FlagConfigRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insert(flagConfigs)
    .values(rows.map((r) => ({ flagId: r.flagId, environmentId: r.environmentId, ...r.fields, version: 1 })))
    .returning();
  await db.insert(flagConfigVersions).values(
    inserted.map((row) => ({ configId: row.id, version: 1, config: rows.find((r) => r.environmentId === row.environmentId && r.flagId === row.flagId)!.fields })),
  );
  return inserted;
}

/**
 * Writes a new version of a config if it is still at `expectedVersion`, and records it
 * in the history. Returns undefined when the version moved on.
 */
export async function writeConfigVersion(db: Database, configId: number, expectedVersion: number, fields: ConfigFields): Promise<FlagConfigRow | undefined> {
  const [row] = await db
    .update(flagConfigs)
    .set({ ...fields, version: sql`${flagConfigs.version} + 1`, updatedAt: sql`now()` })
    .where(and(eq(flagConfigs.id, configId), eq(flagConfigs.version, expectedVersion)))
    .returning();
  if (!row) return undefined;
  await db.insert(flagConfigVersions).values({ configId, version: row.version, config: fields });
  return row;
}

export async function findConfigVersion(db: Database, configId: number, version: number): Promise<ConfigFields | undefined> {
  const [row] = await db
    .select({ config: flagConfigVersions.config })
    .from(flagConfigVersions)
    .where(and(eq(flagConfigVersions.configId, configId), eq(flagConfigVersions.version, version)))
    .limit(1);
  return row?.config;
}

export function listConfigVersions(db: Database, configId: number, limit: number) {
  return db
    .select({ version: flagConfigVersions.version, config: flagConfigVersions.config, createdAt: flagConfigVersions.createdAt })
    .from(flagConfigVersions)
    .where(eq(flagConfigVersions.configId, configId))
    .orderBy(desc(flagConfigVersions.version))
    .limit(limit);
}
