import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startServer, run, type AdminApi, type RealServer } from './test-support/real-server.js';

// `switchboard export`, `plan` and `apply` in-process against real servers (embedded Postgres).
let source: RealServer;
let target: RealServer;
let admin: AdminApi;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-fac-'));

beforeAll(async () => {
  [source, target] = await Promise.all([startServer(), startServer()]);
  admin = source.admin;
  expect(
    (
      await admin.call('POST', '/api/admin/segments', {
        key: 'eu',
        conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }],
      })
    ).status,
  ).toBe(201);
  await admin.createFlag('fac-base');
  await admin.patchConfig('fac-base', 'production', { enabled: true, fallthrough: { variant: 'on' } });
  await admin.createFlag('fac-checkout', { description: 'One-page checkout' });
  await admin.patchConfig('fac-checkout', 'production', {
    enabled: true,
    prerequisites: [{ flag: 'fac-base', variant: 'on' }],
    rules: [{ id: 'eu', conditions: [{ operator: 'inSegment', values: ['eu'] }], serve: { variant: 'on' } }],
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 10_000 },
        { variant: 'off', weight: 90_000 },
      ],
      bucketBy: 'accountId',
    },
  });
});

afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

describe('export', () => {
  it('writes readable YAML sorted by key, and the same bytes again when nothing changed', async () => {
    const out = join(dir, 'production.yaml');
    const r = await run(source.url, ['export', '--env', 'production', '--out', out]);
    expect(r.stderr).toMatch(/^wrote production \(2 flag configs, 1 segments\) to /);
    expect(r.code).toBe(0);
    expect(r.requests).toEqual(['GET /api/admin/environments/production/export']);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('environment: production\n');
    expect(text).toContain('bucketBy: accountId');
    // Quoted, so a YAML 1.1 reader (PyYAML, say) doesn't take the variant names for booleans.
    expect(text).toContain('offVariant: "off"');
    expect(text).toContain('"on": true');
    const doc = parse(text) as { flags: { key: string }[] };
    expect(doc.flags.map((f) => f.key)).toEqual(['fac-base', 'fac-checkout']);
    const again = await run(source.url, ['export', '--env', 'production']);
    expect(again.stdout).toBe(text);
  });

  it('writes JSON, and every environment with --all', async () => {
    const json = await run(source.url, ['export', '--env', 'staging', '--format', 'json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { environment: string }).environment).toBe('staging');
    const all = await run(source.url, ['export', '--all', '--no-versions']);
    expect(all.code).toBe(0);
    const doc = parse(all.stdout) as { environments: { environment: string; flags: { version?: number }[] }[] };
    expect(doc.environments.map((e) => e.environment)).toContain('production');
    expect(doc.environments.every((e) => e.flags.every((f) => f.version === undefined))).toBe(true);
  });

  it('refuses --env with --all, neither, and an unknown format, before any request', async () => {
    for (const argv of [['export'], ['export', '--all', '--env', 'production'], ['export', '--env', 'production', '--format', 'xml']]) {
      const r = await run(source.url, argv);
      expect(r.code).not.toBe(0);
      expect(r.requests).toEqual([]);
    }
  });
});

describe('plan and apply', () => {
  it('plans a fresh server as creates, applies it, and then both export the same file', async () => {
    const file = join(dir, 'portable.yaml');
    expect((await run(source.url, ['export', '--all', '--no-versions', '--out', file])).code).toBe(0);
    const planned = await run(target.url, ['plan', file, '--env', 'production']);
    expect(planned.code).toBe(0);
    expect(planned.requests).toEqual(['POST /api/admin/environments/production/import']);
    expect(planned.stdout).toContain('+ segment eu');
    expect(planned.stdout).toContain('+ flag fac-checkout');
    expect(planned.stdout).toContain('+ config fac-checkout');
    expect((await target.admin.call('GET', '/api/admin/flags')).body).toEqual({ flags: [] });

    for (const env of ['development', 'staging', 'production']) {
      const r = await run(target.url, ['apply', file, '--env', env, '--yes']);
      expect(r.stderr + r.stdout).not.toContain('error');
      expect(r.code).toBe(0);
    }
    const a = await run(source.url, ['export', '--all', '--no-versions']);
    const b = await run(target.url, ['export', '--all', '--no-versions']);
    expect(b.stdout).toBe(a.stdout);
    const again = await run(target.url, ['plan', file, '--env', 'production']);
    expect(again.stdout.trim()).toBe('production: no changes');
  });

  it('prints an edit as a diff, asks in production, and refuses the whole apply when the server moved on', async () => {
    const file = join(dir, 'edit.yaml');
    expect((await run(source.url, ['export', '--env', 'production', '--out', file])).code).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('description: One-page checkout', 'description: One-page checkout v2'));
    const planned = await run(source.url, ['plan', file, '--env', 'production']);
    expect(planned.stdout).toContain('~ flag fac-checkout');
    expect(planned.stdout).toContain('    - description: "One-page checkout"\n    + description: "One-page checkout v2"');

    const declined = await run(source.url, ['apply', file, '--env', 'production'], { isTTY: true, input: 'n\n' });
    expect(declined.code).not.toBe(0);
    expect(declined.stderr).toContain('not confirmed; nothing was changed');
    const noTty = await run(source.url, ['apply', file, '--env', 'production']);
    expect(noTty.code).not.toBe(0);
    // Only whether production is protected was read; nothing else was sent.
    expect(noTty.requests).toEqual(['GET /api/admin/environments']);

    // Someone edits the config between the plan and the write: the apply fails as a whole.
    let imports = 0;
    const raced = await run(source.url, ['apply', file, '--env', 'production', '--yes'], {
      before: async (_method, url) => {
        if (url.pathname.endsWith('/import') && ++imports === 2) await admin.patchConfig('fac-base', 'production', { enabled: false });
      },
    });
    expect(imports).toBe(2);
    expect(raced.code).not.toBe(0);
    expect(raced.stderr).toContain('field "flags.fac-base.config.version"');
    expect((await admin.call('GET', '/api/admin/flags/fac-checkout')).body).toMatchObject({ description: 'One-page checkout' });
  });

  it("refuses a file with another environment's versions, and a file that is not an export", async () => {
    const file = join(dir, 'staging.yaml');
    expect((await run(source.url, ['export', '--env', 'staging', '--out', file])).code).toBe(0);
    const r = await run(source.url, ['apply', file, '--env', 'production', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('export with --no-versions');
    expect(r.requests).toEqual([]);
    const junk = join(dir, 'junk.yaml');
    writeFileSync(junk, '- just\n- a list\n');
    const j = await run(source.url, ['plan', junk, '--env', 'production']);
    expect(j.code).not.toBe(0);
    expect(j.stderr).toContain('is not an export');
  });
});

describe('promote', () => {
  it('copies one flag from staging to production after showing the difference, and says when there is nothing to do', async () => {
    await admin.patchConfig('fac-checkout', 'staging', { enabled: true, salt: 'fac-staging', fallthrough: { variant: 'on' } });
    const r = await run(source.url, ['promote', 'fac-checkout', '--from', 'staging', '--to', 'production', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.requests).toEqual(['POST /api/admin/flags/fac-checkout/promote', 'POST /api/admin/flags/fac-checkout/promote']);
    expect(r.stderr).toContain('~ config fac-checkout in production');
    expect(r.stderr).toContain('    + salt: "fac-staging"');
    expect(r.stdout).toMatch(/^promoted fac-checkout to production \(version \d+\)/);
    const [staging, production] = await Promise.all([admin.config('fac-checkout', 'staging'), admin.config('fac-checkout', 'production')]);
    expect({ ...production, environment: 'x', version: 0, updatedAt: '' }).toEqual({
      ...staging,
      environment: 'x',
      version: 0,
      updatedAt: '',
    });
    const again = await run(source.url, ['promote', 'fac-checkout', '--from', 'staging', '--to', 'production', '--yes']);
    expect(again.stdout).toContain('nothing to promote');
  });

  it('promotes every flag in one import with --all, asking first for production', async () => {
    await admin.patchConfig('fac-base', 'staging', { enabled: true, fallthrough: { variant: 'off' } });
    const noTty = await run(source.url, ['promote', '--all', '--from', 'staging', '--to', 'production']);
    expect(noTty.code).not.toBe(0);
    expect(noTty.requests).toEqual(['GET /api/admin/environments']);
    const r = await run(source.url, ['promote', '--all', '--from', 'staging', '--to', 'production'], { isTTY: true, input: 'yes\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('~ config fac-base');
    expect(r.stderr).toContain('Promote 1 change from staging to production? [y/N]');
    expect(r.requests).toEqual([
      'GET /api/admin/environments',
      'GET /api/admin/environments/staging/export',
      'GET /api/admin/environments/production/export',
      'POST /api/admin/environments/production/import',
      'POST /api/admin/environments/production/import',
    ]);
    const a = parse((await run(source.url, ['export', '--env', 'staging', '--no-versions'])).stdout) as { flags: unknown };
    const b = parse((await run(source.url, ['export', '--env', 'production', '--no-versions'])).stdout) as { flags: unknown };
    expect(b.flags).toEqual(a.flags);
  });

  it('refuses a flag with --all, neither, and the same environment twice, before any request', async () => {
    for (const argv of [
      ['promote', 'fac-base', '--all', '--from', 'staging', '--to', 'production'],
      ['promote', '--from', 'staging', '--to', 'production'],
      ['promote', 'fac-base', '--from', 'staging', '--to', 'staging'],
    ]) {
      const r = await run(source.url, argv);
      expect(r.code).not.toBe(0);
      expect(r.requests).toEqual([]);
    }
  });
});
