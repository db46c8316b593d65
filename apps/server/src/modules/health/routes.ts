/** Liveness and readiness. Readiness names what is failing. */
import type { FastifyPluginAsync } from 'fastify';
import { Liveness, Readiness, ref } from '@switchboard/api-contract';
import type { DatabaseService } from '../../plugins/db.js';
import type { RedisLink } from '../../plugins/redis.js';
import type { Delivery } from '../sdk/delivery.js';

export interface HealthOptions {
  database: DatabaseService;
  redis: RedisLink | null;
  delivery: Delivery;
  isClosing: () => boolean;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { database, redis, delivery, isClosing }) => {
  app.get('/health/live', { schema: { tags: ['health'], summary: 'The process is up', response: { 200: ref(Liveness) } } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: '200 when this instance can serve and write; 503 naming the failing dependency',
        response: { 200: ref(Readiness), 503: ref(Readiness) },
      },
    },
    async (_request, reply) => {
      let databaseUp = false;
      if (database.ready) {
        try {
          await database.handle.ping(1000);
          databaseUp = true;
          database.markHealthy();
        } catch (err) {
          database.markUnhealthy(err);
        }
      }
      const checks = {
        database: databaseUp ? 'up' : database.ready ? 'down' : 'not ready',
        snapshots: delivery.views.size > 0 ? 'loaded' : 'missing',
        // Redis only speeds propagation up; its outage is reported but doesn't fail readiness.
        redis: redis ? (redis.up ? 'up' : 'down') : 'disabled',
        shutdown: isClosing() ? 'in progress' : 'no',
      };
      const failing = [
        ...(databaseUp ? [] : ['database']),
        ...(delivery.views.size > 0 ? [] : ['snapshots']),
        ...(isClosing() ? ['shutdown'] : []),
      ];
      void reply.status(failing.length === 0 ? 200 : 503);
      return { status: failing.length === 0 ? 'ready' : 'unavailable', failing, checks };
    },
  );
};
