import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { apiKeys, environments, type ApiKeyKind, type Role } from '../../db/schema/index.js';

export interface KeyRecord {
  id: string;
  kind: ApiKeyKind;
  name: string;
  secretHash: string;
  environment: string | null;
  revokedAt: Date | null;
  role: Role;
  environments: string[] | null;
}

export async function findKeyByHash(db: Database, hash: string): Promise<KeyRecord | undefined> {
  const [row] = await db
    .select({
      id: apiKeys.id,
      kind: apiKeys.kind,
      name: apiKeys.name,
      secretHash: apiKeys.secretHash,
      environment: environments.key,
      revokedAt: apiKeys.revokedAt,
      role: apiKeys.role,
      environments: apiKeys.environments,
    })
    .from(apiKeys)
    .leftJoin(environments, eq(environments.id, apiKeys.environmentId))
    .where(eq(apiKeys.secretHash, hash))
    .limit(1);
  return row;
}

/** Which of these keys have been revoked (checked every second by each instance). */
export async function revokedAmong(db: Database, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(inArray(apiKeys.id, [...ids]), isNotNull(apiKeys.revokedAt)));
  return rows.map((r) => r.id);
}

export async function touchLastUsed(db: Database, used: ReadonlyMap<string, Date>): Promise<void> {
  for (const [id, at] of used) {
    await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
  }
}

export const keyColumns = {
  id: apiKeys.id,
  kind: apiKeys.kind,
  name: apiKeys.name,
  hint: apiKeys.hint,
  environment: environments.key,
  createdBy: apiKeys.createdBy,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  role: apiKeys.role,
  environments: apiKeys.environments,
};

export function listKeys(db: Database, includeRevoked: boolean) {
  return db
    .select(keyColumns)
    .from(apiKeys)
    .leftJoin(environments, eq(environments.id, apiKeys.environmentId))
    .where(includeRevoked ? undefined : isNull(apiKeys.revokedAt))
    .orderBy(desc(apiKeys.createdAt), apiKeys.id);
}

export async function getKey(db: Database, id: string) {
  const [row] = await db
    .select({ ...keyColumns, secretHash: apiKeys.secretHash })
    .from(apiKeys)
    .leftJoin(environments, eq(environments.id, apiKeys.environmentId))
    .where(eq(apiKeys.id, id))
    .limit(1);
  return row;
}

export async function countActiveAdminKeys(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(apiKeys)
    .where(and(eq(apiKeys.kind, 'admin'), isNull(apiKeys.revokedAt)));
  return row?.n ?? 0;
}
