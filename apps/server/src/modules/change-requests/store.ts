import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { ChangeRequestQuery } from '@switchboard/api-contract';
import type { Database } from '../../db/client.js';
import {
  changeRequestApprovals,
  changeRequests,
  environments,
  type ChangeRequestApprovalRow,
  type ChangeRequestRow,
} from '../../db/schema/index.js';

export async function findChangeRequest(db: Database, id: number, forUpdate = false): Promise<ChangeRequestRow | undefined> {
  const query = db.select().from(changeRequests).where(eq(changeRequests.id, id));
  const [row] = await (forUpdate ? query.for('update') : query);
  return row;
}

export function listChangeRequests(db: Database, q: ChangeRequestQuery): Promise<ChangeRequestRow[]> {
  const where: SQL[] = [];
  if (q.status !== undefined) where.push(eq(changeRequests.status, q.status));
  if (q.flag !== undefined) where.push(eq(changeRequests.flagKey, q.flag));
  if (q.environment !== undefined) where.push(eq(changeRequests.environment, q.environment));
  return db
    .select()
    .from(changeRequests)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(changeRequests.id))
    .limit(q.limit ?? 100);
}

export async function insertChangeRequest(db: Database, values: typeof changeRequests.$inferInsert): Promise<ChangeRequestRow> {
  const [row] = await db.insert(changeRequests).values(values).returning();
  return row!;
}

/** Updates a request and bumps its revision (its If-Match). */
export async function updateChangeRequest(
  db: Database,
  id: number,
  values: Partial<typeof changeRequests.$inferInsert>,
): Promise<ChangeRequestRow> {
  const [row] = await db
    .update(changeRequests)
    .set({ ...values, revision: sql`${changeRequests.revision} + 1`, updatedAt: sql`now()` })
    .where(eq(changeRequests.id, id))
    .returning();
  return row!;
}

/** Records an approval; false when this approver already approved this content. */
export async function insertApproval(db: Database, values: typeof changeRequestApprovals.$inferInsert): Promise<boolean> {
  const rows = await db.insert(changeRequestApprovals).values(values).onConflictDoNothing().returning({ at: changeRequestApprovals.at });
  return rows.length > 0;
}

/** Approvals of each request's current content, oldest first. */
export async function currentApprovals(
  db: Database,
  requests: readonly ChangeRequestRow[],
): Promise<Map<number, ChangeRequestApprovalRow[]>> {
  const out = new Map<number, ChangeRequestApprovalRow[]>(requests.map((r) => [r.id, []]));
  if (requests.length === 0) return out;
  const rows = await db
    .select()
    .from(changeRequestApprovals)
    .where(
      inArray(
        changeRequestApprovals.changeRequestId,
        requests.map((r) => r.id),
      ),
    )
    .orderBy(changeRequestApprovals.at);
  const hashes = new Map(requests.map((r) => [r.id, r.contentHash]));
  for (const row of rows) if (hashes.get(row.changeRequestId) === row.contentHash) out.get(row.changeRequestId)!.push(row);
  return out;
}

/** `requiredApprovals` of the named environments (0 for one since deleted). */
export async function requirements(db: Database, keys: readonly string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({ key: environments.key, n: environments.requiredApprovals })
    .from(environments)
    .where(inArray(environments.key, [...new Set(keys)]));
  return new Map(rows.map((r) => [r.key, r.n]));
}
