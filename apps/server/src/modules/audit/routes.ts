/** `GET /api/admin/audit`: who changed what, when — by flag, environment, action and time range, paginated. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../../db/client.js';
import { ValidationError } from '../../errors.js';
import { Key } from '../flags/schemas.js';
import { queryAudit } from './store.js';

const Query = Type.Object(
  {
    flag: Type.Optional(Key),
    environment: Type.Optional(Key),
    action: Type.Optional(Type.String({ pattern: '^[a-z.-]{1,64}$' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'ISO-8601, inclusive' })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

function date(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new ValidationError(`${field} must be an ISO-8601 date-time`, field);
  return d;
}

export const auditRoutes: FastifyPluginAsyncTypebox<{ db: () => Database }> = async (app, { db }) => {
  app.get('/audit', { schema: { tags: ['audit'], summary: 'Audit events, newest first', querystring: Query } }, async (request) => {
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
