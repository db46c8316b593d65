/**
 * Admin reads the web UI's pages are built on: the flag list with a per-environment
 * summary, and one flag's config in every environment.
 */
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './admin-suite.js';
import { configVersion, createFlag, http, ifMatch, patchConfig } from './http.js';

interface Listed {
  key: string;
  summary?: Record<string, unknown>;
}

export function overviewSuite(ctx: SuiteContext): void {
  describe('flag overview', () => {
    it('lists flags with their state in one environment: enabled, rollout, rules, last change', async () => {
      const api = http(ctx.app);
      await createFlag(api, 'ov-rollout');
      await createFlag(api, 'ov-plain', { type: 'string', variants: { red: 'red', blue: 'blue' } });
      const rollout = await api.put('/api/admin/flags/ov-rollout/environments/production/rollout', { percentage: 12.5 }, ifMatch(1));
      expect(rollout.statusCode).toBe(200);
      const rules = await patchConfig(api, 'ov-rollout', 'production', {
        enabled: true,
        rules: [
          { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } },
        ],
      });
      expect(rules.statusCode).toBe(200);

      const res = await api.get('/api/admin/flags?environment=production');
      expect(res.statusCode).toBe(200);
      const listed = (res.json() as { flags: Listed[] }).flags;
      const flag = listed.find((f) => f.key === 'ov-rollout')!;
      expect(flag).toMatchObject({ key: 'ov-rollout', type: 'boolean', version: 1 });
      expect(flag.summary).toMatchObject({
        environment: 'production',
        enabled: true,
        version: 3,
        offVariant: 'off',
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 12_500 },
            { variant: 'off', weight: 87_500 },
          ],
        },
        rollout: { variant: 'on', percentage: 12.5 },
        ruleCount: 1,
        lastChange: { actor: 'ADMIN_TOKEN', action: 'config.update' },
      });
      expect(Date.parse(flag.summary!.updatedAt as string)).not.toBeNaN();
      expect(Date.parse((flag.summary!.lastChange as { at: string }).at)).not.toBeNaN();
      expect(listed.find((f) => f.key === 'ov-plain')!.summary).toMatchObject({
        enabled: false,
        offVariant: 'red',
        rollout: null,
        ruleCount: 0,
        lastChange: { action: 'flag.create' },
      });

      const staging = (await api.get('/api/admin/flags?environment=staging')).json().flags.find((f: Listed) => f.key === 'ov-rollout');
      expect(staging.summary).toMatchObject({
        environment: 'staging',
        enabled: false,
        rollout: null,
        ruleCount: 0,
        version: 1,
        lastChange: { action: 'flag.create' },
      });
      // Without ?environment= the list is as before: no summaries.
      const plain = (await api.get('/api/admin/flags')).json().flags.find((f: Listed) => f.key === 'ov-rollout');
      expect(plain.summary).toBeUndefined();

      // Archived flags only with ?archived=true, summaries included.
      expect((await api.patch('/api/admin/flags/ov-plain', { archived: true }, ifMatch(1))).statusCode).toBe(200);
      const active = (await api.get('/api/admin/flags?environment=production')).json().flags.map((f: Listed) => f.key);
      expect(active).not.toContain('ov-plain');
      const all = (await api.get('/api/admin/flags?environment=production&archived=true'))
        .json()
        .flags.find((f: Listed) => f.key === 'ov-plain');
      expect(all.summary).toMatchObject({ environment: 'production', lastChange: { action: 'flag.archive' } });

      const missing = await api.get('/api/admin/flags?environment=nowhere');
      expect(missing.statusCode).toBe(404);
      expect((await api.get('/api/admin/flags?environment=bad%20env')).json().error.field).toBe('environment');
    });

    it("answers a flag's config in every environment in one call", async () => {
      const api = http(ctx.app);
      await createFlag(api, 'ov-compare');
      expect((await patchConfig(api, 'ov-compare', 'staging', { enabled: true })).statusCode).toBe(200);
      const res = await api.get('/api/admin/flags/ov-compare/environments');
      expect(res.statusCode).toBe(200);
      const body = res.json() as { flag: string; environments: Record<string, { environment: string; enabled: boolean; version: number }> };
      expect(body.flag).toBe('ov-compare');
      const byEnv = body.environments;
      expect(Object.keys(byEnv)).toEqual(expect.arrayContaining(['development', 'staging', 'production']));
      expect(byEnv.staging).toMatchObject({
        flag: 'ov-compare',
        enabled: true,
        version: await configVersion(api, 'ov-compare', 'staging'),
      });
      expect(byEnv.production).toMatchObject({
        enabled: false,
        version: 1,
        offVariant: 'off',
        fallthrough: { variant: 'off' },
        rules: [],
        salt: 'ov-compare',
      });
      expect((await api.get('/api/admin/flags/ov-nope/environments')).statusCode).toBe(404);
    });
  });
}
