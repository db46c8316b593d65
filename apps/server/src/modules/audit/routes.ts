/** `GET /api/admin/audit`: who changed what, when — by flag, environment, action and time range, paginated. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/client.js';
import { ValidationError } from '../../errors.js';
import { AuditPage, AuditQuery, errorResponses, ref } from '@switchboard/api-contract';
import { queryAudit } from './store.js';

function date(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new ValidationError(`${field} must be an ISO-8601 date-time`, field);
  return d;
}

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: () => Database }> = async (app, { db }) => {
  const schema = {
    tags: ['audit'],
    summary: 'Audit events, newest first',
    querystring: AuditQuery,
    response: { 200: ref(AuditPage), ...errorResponses(400) },
  };
  app.get('/audit', { config: { access: { permission: 'read', environment: 'none' } }, schema }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? 100;
    const rows = await queryAudit(db(), {
      flag: q.flag,
      environment: q.environment,
      action: q.action,
      since: date(q.since, 'since'),
      until: date(q.until, 'until'),
      before: q.cursor === undefined ? undefined : Number(q.cursor),
      limit,
    });
    return {
      events: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
      nextCursor: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
    };
  });
};
