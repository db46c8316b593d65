/** Every route, on embedded PGlite with in-process fan-out (the same suites run on Postgres in routes.int.test.ts). */
import { afterAll, beforeAll } from 'vitest';
import { adminSuite, type SuiteContext } from './test-support/admin-suite.js';
import { SUITE_CONFIG, testApp } from './test-support/app.js';
import { badRequestsSuite } from './test-support/bad-requests-suite.js';
import { deliverySuite } from './test-support/delivery-suite.js';
import { eventsSuite } from './test-support/events-suite.js';
import { overviewSuite } from './test-support/overview-suite.js';
import { privateAttributesSuite } from './test-support/private-attributes-suite.js';
import { shapesSuite } from './test-support/shapes-suite.js';

const ctx = {} as SuiteContext;

beforeAll(async () => {
  ctx.app = await testApp(SUITE_CONFIG);
  ctx.baseUrl = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await ctx.app?.close();
});

adminSuite(ctx);
deliverySuite(ctx);
badRequestsSuite(ctx);
eventsSuite(ctx);
overviewSuite(ctx);
privateAttributesSuite(ctx);
shapesSuite(ctx);
