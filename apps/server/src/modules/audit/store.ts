import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { auditEvents, type AuditEventRow } from '../../db/schema/index.js';

export interface AuditQuery {
  flag?: string | undefined;
  environment?: string | undefined;
  action?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Return events older than this id (the previous page's `nextCursor`). */
  before?: number | undefined;
  limit: number;
}

/** Newest first. */
export function queryAudit(db: Database, q: AuditQuery): Promise<AuditEventRow[]> {
  const where: SQL[] = [];
  if (q.flag !== undefined) where.push(eq(auditEvents.flagKey, q.flag));
  if (q.environment !== undefined) where.push(eq(auditEvents.environment, q.environment));
  if (q.action !== undefined) where.push(eq(auditEvents.action, q.action));
  if (q.since !== undefined) where.push(gte(auditEvents.at, q.since));
  if (q.until !== undefined) where.push(lte(auditEvents.at, q.until));
  if (q.before !== undefined) where.push(lt(auditEvents.id, q.before));
  return db
    .select()
    .from(auditEvents)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(q.limit);
}
