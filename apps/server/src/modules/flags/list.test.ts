/** Flag list paging, search and filters on embedded PGlite. */
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { flagListSuite } from '../../test-support/flag-list-suite.js';

let app: App;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app?.close();
});

flagListSuite(() => app);
