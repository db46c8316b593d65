/** The route suites of routes.test.ts, on real Postgres 15 with Redis fan-out. */
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import { adminSuite, type SuiteContext } from './test-support/admin-suite.js';
import { SUITE_CONFIG, testApp } from './test-support/app.js';
import { badRequestsSuite } from './test-support/bad-requests-suite.js';
import { deliverySuite } from './test-support/delivery-suite.js';
import { eventsSuite } from './test-support/events-suite.js';
import { overviewSuite } from './test-support/overview-suite.js';
import { privateAttributesSuite } from './test-support/private-attributes-suite.js';
import { shapesSuite } from './test-support/shapes-suite.js';

const ctx = {} as SuiteContext;
let pg: PostgresService | undefined;
let redis: RedisService | undefined;

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
  ctx.app = await testApp({ ...SUITE_CONFIG, databaseUrl: await pg.createDatabase('routes'), redisUrl: redis.url });
  ctx.baseUrl = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await ctx.app?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
});

adminSuite(ctx);
deliverySuite(ctx);
badRequestsSuite(ctx);
eventsSuite(ctx);
overviewSuite(ctx);
privateAttributesSuite(ctx);
shapesSuite(ctx);
