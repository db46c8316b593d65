/**
 * Flags as code on real Postgres and Redis: an embedded server's flags move to a Postgres
 * one by export and import (what the import is for), and two imports racing on the same
 * configs from two instances end with exactly one written whole and the other refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, startRedis, type PostgresService, type RedisService } from '@switchboard/test-services';
import type { EnvironmentExport, ImportResult } from '@switchboard/api-contract';
import { buildApp, type App } from '../../app.js';
import { testApp, testConfig } from '../../test-support/app.js';
import { createFlag, http, patchConfig, type Http } from '../../test-support/http.js';

let pg: PostgresService | undefined;
let redis: RedisService | undefined;
const apps: App[] = [];

async function exportOf(api: Http, env: string, versions = true): Promise<EnvironmentExport> {
  const res = await api.get(`/api/admin/environments/${env}/export${versions ? '' : '?versions=false'}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([startPostgres({ fast: true }), startRedis()]);
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all([pg?.stop(), redis?.stop()]);
});

describe('on Postgres', () => {
  let a: Http;
  let b: Http;

  beforeAll(async () => {
    const databaseUrl = await pg!.createDatabase('flags_as_code');
    const [appA, appB] = await Promise.all(
      [0, 1].map(async () => {
        const app = await buildApp(testConfig({ databaseUrl, redisUrl: redis!.url }), { logger: false });
        await app.ready();
        apps.push(app);
        return app;
      }),
    );
    [a, b] = [http(appA!), http(appB!)];
  });

  it("takes an embedded server's export whole: the second instance exports the same", async () => {
    const embedded = await testApp();
    apps.push(embedded);
    const source = http(embedded);
    expect((await source.post('/api/admin/segments', { key: 'beta', included: ['u-1'] })).statusCode).toBe(201);
    for (const key of ['alpha', 'bravo', 'charlie']) {
      await createFlag(source, key);
      const res = await patchConfig(source, key, 'production', {
        enabled: true,
        rules: [{ id: 'beta', conditions: [{ operator: 'inSegment', values: ['beta'] }], serve: { variant: 'on' } }],
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 30_000 },
            { variant: 'off', weight: 70_000 },
          ],
          bucketBy: 'accountId',
        },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const file = await exportOf(source, 'production', false);
    const res = await a.post('/api/admin/environments/production/import', file);
    expect(res.statusCode, res.body).toBe(200);
    expect(await exportOf(b, 'production', false)).toEqual(file);
  });

  it('lets exactly one of two racing imports write, whole', async () => {
    const base = await exportOf(a, 'production');
    // Each side changes every config (its own salt), so neither import is a no-op.
    const edit = (salt: string): EnvironmentExport => ({
      ...base,
      flags: base.flags.map((f) => ({ ...f, config: { ...f.config, salt: `${f.key}-${salt}` } })),
    });
    for (let round = 0; round < 5; round++) {
      const current = await exportOf(a, 'production');
      const [x, y] = [edit(`x${round}`), edit(`y${round}`)].map((doc) => ({
        ...doc,
        flags: doc.flags.map((f, i) => ({
          ...f,
          version: current.flags[i]!.version,
          config: { ...f.config, version: current.flags[i]!.config.version },
        })),
      }));
      const [rx, ry] = await Promise.all([
        a.post('/api/admin/environments/production/import', x),
        b.post('/api/admin/environments/production/import', y),
      ]);
      const statuses = [rx.statusCode, ry.statusCode].sort();
      expect(statuses[0], `${rx.body} ${ry.body}`).toBe(200);
      expect([409, 412]).toContain(statuses[1]);
      const winner = (rx.statusCode === 200 ? x : y)!;
      expect((rx.statusCode === 200 ? rx : ry).json<ImportResult>().changes).toHaveLength(3);
      const after = await exportOf(b, 'production');
      expect(after.flags.map((f) => f.config.salt)).toEqual(winner.flags.map((f) => f.config.salt));
      expect(after.flags.map((f) => f.config.version)).toEqual(current.flags.map((f) => f.config.version! + 1));
    }
  });
});
