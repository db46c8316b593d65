/** Flag list paging, search and filters on real Postgres 15 (the search index must build and answer there too). */
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PostgresService } from '@switchboard/test-services';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { flagListSuite } from '../../test-support/flag-list-suite.js';

let pg: PostgresService | undefined;
let app: App;
beforeAll(async () => {
  pg = await startPostgres({ fast: true });
  app = await testApp({ databaseUrl: await pg.createDatabase('flag_list') });
});
afterAll(async () => {
  await app?.close();
  await pg?.stop();
});

flagListSuite(() => app);
