import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { segments, type SegmentRow } from '../../db/schema/index.js';

export async function findSegment(db: Database, key: string): Promise<SegmentRow | undefined> {
  const [row] = await db.select().from(segments).where(eq(segments.key, key)).limit(1);
  return row;
}

export function listSegments(db: Database): Promise<SegmentRow[]> {
  return db.select().from(segments).orderBy(asc(segments.key));
}

export async function insertSegment(db: Database, values: typeof segments.$inferInsert): Promise<SegmentRow> {
  const [row] = await db.insert(segments).values(values).returning();
  return row!;
}

export async function updateSegment(db: Database, id: number, values: Partial<typeof segments.$inferInsert>): Promise<SegmentRow> {
  const [row] = await db
    .update(segments)
    .set({ ...values, version: sql`${segments.version} + 1`, updatedAt: sql`now()` })
    .where(eq(segments.id, id))
    .returning();
  return row!;
}

export async function deleteSegment(db: Database, id: number): Promise<void> {
  await db.delete(segments).where(eq(segments.id, id));
}
