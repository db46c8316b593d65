import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { apiKeys, environments, type EnvironmentRow } from '../../db/schema/index.js';

export function listEnvironments(db: Database): Promise<EnvironmentRow[]> {
  return db.select().from(environments).orderBy(asc(environments.id));
}

export async function findEnvironment(db: Database, key: string): Promise<EnvironmentRow | undefined> {
  const [row] = await db.select().from(environments).where(eq(environments.key, key)).limit(1);
  return row;
}

type Settings = Partial<Pick<EnvironmentRow, 'name' | 'protected' | 'requiredApprovals' | 'requireReason'>>;

export async function insertEnvironment(db: Database, key: string, name: string, settings: Settings = {}): Promise<EnvironmentRow> {
  const [row] = await db
    .insert(environments)
    .values({ ...settings, key, name })
    .returning();
  return row!;
}

export async function updateEnvironment(db: Database, id: number, changes: Settings): Promise<EnvironmentRow> {
  const [row] = await db.update(environments).set(changes).where(eq(environments.id, id)).returning();
  return row!;
}

export async function deleteEnvironment(db: Database, id: number): Promise<void> {
  await db.delete(environments).where(eq(environments.id, id));
}

export async function activeKeyCount(db: Database, environmentId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.environmentId, environmentId), isNull(apiKeys.revokedAt)));
  return row?.n ?? 0;
}
