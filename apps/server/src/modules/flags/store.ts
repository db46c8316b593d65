import type { FlagStatus } from '@switchboard/api-contract';
import { and, asc, count, desc, eq, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import {
  auditEvents,
  environments,
  flagConfigVersions,
  flagConfigs,
  flags,
  type ConfigFields,
  type FlagConfigRow,
  type FlagRow,
} from '../../db/schema/index.js';
import { FLAG_SEARCH_TEXT } from '../../db/schema/flags.js';

export async function findFlag(db: Database, key: string, forUpdate = false): Promise<FlagRow | undefined> {
  const query = db.select().from(flags).where(eq(flags.key, key)).limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  return row;
}

/** What a flag list selects. `status` other than `archived` needs an environment; `afterKey` is the keyset cursor. */
export interface FlagFilter {
  includeArchived: boolean;
  q?: string;
  tag?: string;
  status?: FlagStatus;
  afterKey?: string;
  /** A further condition on `flags` (stale flags: `StaleFlagService.filter`). */
  where?: SQL;
}

/**
 * Every word of `q` (as the search index splits it) must start a word of the flag's search text.
 * The parts of a hyphenated word are left out (`team-17` implies `team` and `17`): alone,
 * a short part like `team` matches nearly every flag and makes the index scan them all.
 */
function matchesSearch(q: string): SQL {
  const words = sql`(select string_agg(quote_literal(w.lexeme) || ':*', ' & ') from unnest(to_tsvector('simple', ${q})) w
    where not exists (select 1 from unnest(to_tsvector('simple', ${q})) whole
      where whole.lexeme <> w.lexeme and position('-' || w.lexeme || '-' in '-' || whole.lexeme || '-') > 0))`;
  return sql`${sql.raw(FLAG_SEARCH_TEXT)} @@ to_tsquery('simple', ${words})`;
}

function flagConditions(filter: FlagFilter, withConfig: boolean): SQL | undefined {
  const where: (SQL | undefined)[] = [];
  if (filter.status === 'archived') where.push(eq(flags.archived, true));
  else if (!filter.includeArchived || filter.status !== undefined) where.push(eq(flags.archived, false));
  if (filter.q !== undefined) where.push(matchesSearch(filter.q));
  if (filter.tag !== undefined) where.push(sql`${flags.tags} @> ${JSON.stringify([filter.tag])}::jsonb`);
  if (withConfig && filter.status !== undefined && filter.status !== 'archived') {
    const rolling = sql`(${flagConfigs.fallthrough} -> 'rollout') is not null`;
    if (filter.status === 'off') where.push(eq(flagConfigs.enabled, false));
    else where.push(and(eq(flagConfigs.enabled, true), filter.status === 'rolling-out' ? rolling : sql`not ${rolling}`));
  }
  if (filter.afterKey !== undefined) where.push(gt(flags.key, filter.afterKey));
  if (filter.where !== undefined) where.push(filter.where);
  return and(...where);
}

export function listFlags(db: Database, includeArchived: boolean): Promise<FlagRow[]> {
  return selectFlags(db, { includeArchived });
}

/** Flags in key order, at most `limit` of them when given. */
export function selectFlags(db: Database, filter: FlagFilter, limit?: number): Promise<FlagRow[]> {
  const query = db.select().from(flags).where(flagConditions(filter, false)).orderBy(asc(flags.key));
  return limit === undefined ? query : query.limit(limit);
}

/** How many flags match `filter` (its cursor ignored), in `environmentId` when given. */
export async function countFlags(db: Database, filter: FlagFilter, environmentId?: number): Promise<number> {
  const where = flagConditions({ ...filter, afterKey: undefined }, environmentId !== undefined);
  const base = db.select({ n: count() }).from(flags);
  const [row] = await (environmentId === undefined
    ? base.where(where)
    : base.innerJoin(flagConfigs, and(eq(flagConfigs.flagId, flags.id), eq(flagConfigs.environmentId, environmentId))).where(where));
  return row?.n ?? 0;
}

export interface FlagWithConfig {
  flag: FlagRow;
  config: Pick<FlagConfigRow, 'enabled' | 'offVariant' | 'fallthrough' | 'rules' | 'version' | 'updatedAt'>;
  /** The newest audit event of the flag in this environment (or of the flag as a whole). */
  lastChange: { at: Date; actor: string; action: string } | null;
}

/** Flags with their config in one environment and who changed them there last, in key order. */
export async function listFlagsInEnvironment(
  db: Database,
  filter: FlagFilter,
  environmentId: number,
  environmentKey: string,
  limit?: number,
): Promise<FlagWithConfig[]> {
  const last = db
    .select({ at: auditEvents.at, actor: auditEvents.actor, action: auditEvents.action })
    .from(auditEvents)
    .where(and(eq(auditEvents.flagKey, flags.key), or(eq(auditEvents.environment, environmentKey), isNull(auditEvents.environment))))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(1)
    .as('last_change');
  const query = db
    .select({
      flag: flags,
      enabled: flagConfigs.enabled,
      offVariant: flagConfigs.offVariant,
      fallthrough: flagConfigs.fallthrough,
      rules: flagConfigs.rules,
      version: flagConfigs.version,
      updatedAt: flagConfigs.updatedAt,
      lastAt: last.at,
      lastActor: last.actor,
      lastAction: last.action,
    })
    .from(flags)
    .innerJoin(flagConfigs, and(eq(flagConfigs.flagId, flags.id), eq(flagConfigs.environmentId, environmentId)))
    .leftJoinLateral(last, sql`true`)
    .where(flagConditions(filter, true))
    .orderBy(asc(flags.key));
  const rows = await (limit === undefined ? query : query.limit(limit));
  return rows.map((r) => ({
    flag: r.flag,
    config: {
      enabled: r.enabled,
      offVariant: r.offVariant,
      fallthrough: r.fallthrough,
      rules: r.rules,
      version: r.version,
      updatedAt: r.updatedAt,
    },
    lastChange: r.lastAt && r.lastActor && r.lastAction ? { at: r.lastAt, actor: r.lastActor, action: r.lastAction } : null,
  }));
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
export async function insertConfigs(
  db: Database,
  rows: { flagId: number; environmentId: number; fields: ConfigFields }[],
): Promise<FlagConfigRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insert(flagConfigs)
    .values(rows.map((r) => ({ flagId: r.flagId, environmentId: r.environmentId, ...r.fields, version: 1 })))
    .returning();
  await db.insert(flagConfigVersions).values(
    inserted.map((row) => ({
      configId: row.id,
      version: 1,
      config: rows.find((r) => r.environmentId === row.environmentId && r.flagId === row.flagId)!.fields,
    })),
  );
  return inserted;
}

/**
 * Writes a new version of a config if it is still at `expectedVersion`, and records it
 * in the history. Returns undefined when the version moved on.
 */
export async function writeConfigVersion(
  db: Database,
  configId: number,
  expectedVersion: number,
  fields: ConfigFields,
): Promise<FlagConfigRow | undefined> {
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
