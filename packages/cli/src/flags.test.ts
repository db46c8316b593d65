import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, run, type AdminApi, type RealServer } from './test-support/real-server.js';

// Every command here runs main() in-process against the real server (embedded Postgres).
let server: RealServer;
let admin: AdminApi;
let url: string;
let productionKey: string;
let stagingKey: string;

beforeAll(async () => {
  server = await startServer();
  admin = server.admin;
  url = server.url;
  productionKey = await admin.serverKey('production');
  stagingKey = await admin.serverKey('staging');
});

afterAll(async () => {
  await server?.close();
});

const configPath = (flag: string, env: string): string => `/api/admin/flags/${flag}/environments/${env}`;

describe('flags list and flags get', () => {
  it('lists flags, with their state in an environment, and shows one flag everywhere or in full', async () => {
    await admin.createFlag('list-me', { name: 'List me', clientSide: true });
    await admin.patchConfig('list-me', 'staging', {
      enabled: true,
      rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } }],
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 12_500 },
          { variant: 'off', weight: 87_500 },
        ],
      },
    });

    const all = await run(url, ['flags', 'list']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^FLAG\s+TYPE\s+CLIENT\s+NAME\n/);
    expect(all.stdout).toMatch(/list-me\s+boolean\s+yes\s+List me/);

    const staging = await run(url, ['flags', 'list', '--env', 'staging']);
    expect(staging.code).toBe(0);
    expect(staging.stdout).toMatch(/list-me\s+on\s+on 12.5% \/ off 87.5%\s+1\s+2\s+\S+ \S+ config.update by /);
    expect(staging.requests).toEqual(['GET /api/admin/flags']);

    const everywhere = await run(url, ['flags', 'get', 'list-me']);
    expect(everywhere.code).toBe(0);
    expect(everywhere.stdout).toContain('list-me  boolean, client-side  List me');
    expect(everywhere.stdout).toContain('variants: on=true, off=false');
    expect(everywhere.stdout).toMatch(/development\s+off\s+off\s+0\s+1/);
    expect(everywhere.stdout).toMatch(/staging\s+on\s+on 12.5% \/ off 87.5%\s+1\s+2/);
    expect(everywhere.stdout).toMatch(/production\s+off\s+off\s+0\s+1/);

    const full = await run(url, ['flags', 'get', 'list-me', '--env', 'staging']);
    expect(full.code).toBe(0);
    expect(full.stdout).toMatch(/state\s+on\n/);
    expect(full.stdout).toMatch(/version\s+2\n/);
    expect(full.stdout).toContain('1. staff: email endsWith ["@acme.com"] → on');
  });

  it('--json prints the server’s documents', async () => {
    await admin.createFlag('json-me');
    const config = await admin.config('json-me', 'production');
    const one = await run(url, ['flags', 'get', 'json-me', '--env', 'production', '--json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual(config);

    const list = await run(url, ['--json', 'flags', 'list', '--env', 'production']);
    const body = JSON.parse(list.stdout) as { flags: { key: string; summary: { enabled: boolean; version: number } }[] };
    expect(body.flags.find((f) => f.key === 'json-me')?.summary).toMatchObject({ enabled: false, version: 1 });
    expect(list.stderr).toBe('');
  });
});

describe('kill and enable', () => {
  it('kill writes enabled=false at the version it read, says what changed, and SDKs see it', async () => {
    await admin.createFlag('checkout');
    await admin.patchConfig('checkout', 'production', { enabled: true, fallthrough: { variant: 'on' } });
    const before = await admin.config('checkout', 'production');
    expect((await admin.sdkFlags(productionKey)).flags.checkout?.enabled).toBe(true);

    const r = await run(url, ['kill', 'checkout', '--env', 'production']);
    expect(r.code).toBe(0);
    expect(r.requests).toEqual([`GET ${configPath('checkout', 'production')}`, `PATCH ${configPath('checkout', 'production')}`]);
    expect(r.stdout).toBe(`killed checkout in production (version ${before.version} → ${before.version + 1})\n  enabled   on → off\n`);

    const after = await admin.config('checkout', 'production');
    expect(after).toMatchObject({ enabled: false, version: before.version + 1, fallthrough: { variant: 'on' } });
    expect((await admin.sdkFlags(productionKey)).flags.checkout).toMatchObject({ enabled: false, version: before.version + 1 });

    // Killing it again writes nothing.
    const again = await run(url, ['kill', 'checkout', '--env', 'production']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`checkout is already off in production (version ${after.version}); nothing written\n`);
    expect(again.requests).toEqual([`GET ${configPath('checkout', 'production')}`]);
  });

  it('enable turns a flag on outside production without asking, and --json prints the new config', async () => {
    await admin.createFlag('banner');
    const r = await run(url, ['enable', 'banner', '--env', 'staging', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { enabled: boolean; version: number; environment: string };
    expect(body).toMatchObject({ enabled: true, version: 2, environment: 'staging' });
    expect((await admin.sdkFlags(stagingKey)).flags.banner).toMatchObject({ enabled: true, version: 2 });
    expect((await admin.sdkFlags(productionKey)).flags.banner).toMatchObject({ enabled: false, version: 1 });
  });

  it('a kill that races a concurrent edit re-reads and retries, keeping the other edit', async () => {
    await admin.createFlag('racy');
    await admin.patchConfig('racy', 'production', { enabled: true });
    const start = await admin.config('racy', 'production');
    let edits = 0;
    const r = await run(url, ['kill', 'racy', '--env', 'production'], {
      before: async (method) => {
        // Someone else edits between the CLI's read and its first write.
        if (method === 'PATCH' && edits++ === 0) await admin.patchConfig('racy', 'production', { fallthrough: { variant: 'on' } });
      },
    });
    expect(r.code).toBe(0);
    expect(r.requests).toEqual([
      `GET ${configPath('racy', 'production')}`,
      `PATCH ${configPath('racy', 'production')}`,
      `GET ${configPath('racy', 'production')}`,
      `PATCH ${configPath('racy', 'production')}`,
    ]);
    expect(r.stderr).toContain(`racy in production changed after version ${start.version}; reading it again (attempt 2 of 5)`);
    expect(r.stdout).toContain(`killed racy in production (version ${start.version + 1} → ${start.version + 2})`);
    expect(await admin.config('racy', 'production')).toMatchObject({
      enabled: false,
      version: start.version + 2,
      fallthrough: { variant: 'on' },
    });
    expect((await admin.sdkFlags(productionKey)).flags.racy?.enabled).toBe(false);
  });

  it('a kill gives up after 5 lost races, says the flag is still on, and exits 1', async () => {
    await admin.createFlag('hot');
    await admin.patchConfig('hot', 'production', { enabled: true });
    let n = 0;
    const r = await run(url, ['kill', 'hot', '--env', 'production'], {
      before: async (method) => {
        if (method === 'PATCH') await admin.patchConfig('hot', 'production', { fallthrough: { variant: n++ % 2 === 0 ? 'on' : 'off' } });
      },
    });
    expect(r.code).toBe(1);
    expect(r.requests.filter((x) => x.startsWith('PATCH'))).toHaveLength(5);
    expect(r.stderr).toContain('hot in production changed 5 times while this command was writing; gave up. It is still on');
    expect(r.stderr).toContain('HTTP 412 PRECONDITION_FAILED');
    expect((await admin.config('hot', 'production')).enabled).toBe(true);
  });

  it('enable does not switch on targeting someone changed after it was read', async () => {
    await admin.createFlag('guarded');
    let edited = false;
    const r = await run(url, ['enable', 'guarded', '--env', 'staging'], {
      before: async (method) => {
        if (method === 'PATCH' && !edited) {
          edited = true;
          await admin.patchConfig('guarded', 'staging', { fallthrough: { variant: 'on' } });
        }
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('guarded in staging was edited by someone else (now version 2, serving on); not enabled');
    expect(r.requests.filter((x) => x.startsWith('PATCH'))).toHaveLength(1);
    expect(await admin.config('guarded', 'staging')).toMatchObject({ enabled: false, version: 2 });
  });
});

describe('production confirmation', () => {
  it('without a terminal, enable, rollout and restore in production need --yes and send nothing but the protection read', async () => {
    await admin.createFlag('careful');
    for (const argv of [
      ['enable', 'careful', '--env', 'production'],
      ['rollout', 'careful', '50', '--env', 'production'],
      ['restore', 'careful', '--env', 'production', '--version', '1'],
    ]) {
      const r = await run(url, argv, { isTTY: false });
      expect(r.code).toBe(2);
      expect(r.requests).toEqual(['GET /api/admin/environments']);
      expect(r.stderr).toContain(`${argv[0]} in production needs --yes when stdin is not a terminal; nothing was changed`);
    }
    expect(await admin.config('careful', 'production')).toMatchObject({ enabled: false, version: 1 });

    const yes = await run(url, ['enable', 'careful', '--env', 'production', '--yes']);
    expect(yes.code).toBe(0);
    expect((await admin.sdkFlags(productionKey)).flags.careful?.enabled).toBe(true);
  });

  it('on a terminal it shows what will be served and writes only on "y"', async () => {
    await admin.createFlag('asked');
    await admin.patchConfig('asked', 'production', {
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 10_000 },
          { variant: 'off', weight: 90_000 },
        ],
      },
    });

    const declined = await run(url, ['enable', 'asked', '--env', 'production'], { isTTY: true, input: 'n\n' });
    expect(declined.code).toBe(2);
    expect(declined.stderr).toContain('Enable asked in production? It will serve on 10% / off 90% (version 2). [y/N] ');
    expect(declined.stderr).toContain('error: not confirmed; nothing was changed');
    expect(declined.requests).toEqual(['GET /api/admin/environments', `GET ${configPath('asked', 'production')}`]);

    const closed = await run(url, ['enable', 'asked', '--env', 'production'], { isTTY: true });
    expect(closed.code).toBe(2);
    expect((await admin.config('asked', 'production')).enabled).toBe(false);

    const accepted = await run(url, ['enable', 'asked', '--env', 'production'], { isTTY: true, input: 'y\n' });
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain('enabled asked in production (version 2 → 3)');
    expect((await admin.config('asked', 'production')).enabled).toBe(true);

    // A kill never asks, even on a terminal.
    const killed = await run(url, ['kill', 'asked', '--env', 'production'], { isTTY: true });
    expect(killed.code).toBe(0);
    expect(killed.stderr).toBe('');
  });
});

describe('rollout', () => {
  it('sets the fallthrough to a two-way rollout at the version it read and notes a flag that is off', async () => {
    await admin.createFlag('gradual');
    const r = await run(url, ['rollout', 'gradual', '12.345', '--env', 'staging']);
    expect(r.code).toBe(0);
    expect(r.requests).toEqual([
      'GET /api/admin/environments',
      `GET ${configPath('gradual', 'staging')}`,
      `PUT ${configPath('gradual', 'staging')}/rollout`,
    ]);
    expect(r.stdout).toBe('rolled out gradual in staging (version 1 → 2)\n  serves    off → on 12.345% / off 87.655%\n');
    expect(r.stderr).toContain('note: gradual is off in staging; users get "off" until: switchboard enable gradual --env staging');
    expect((await admin.config('gradual', 'staging')).fallthrough).toEqual({
      rollout: [
        { variant: 'on', weight: 12_345 },
        { variant: 'off', weight: 87_655 },
      ],
    });

    const production = await run(url, ['rollout', 'gradual', '100%', '--env', 'production', '--variant', 'on', '--yes']);
    expect(production.code).toBe(0);
    expect(production.stdout).toContain('serves    off → on 100% / off 0%');

    const asked = await run(url, ['rollout', 'gradual', '0.001', '--env', 'production'], { isTTY: true, input: 'y\n' });
    expect(asked.code).toBe(0);
    expect(asked.stderr).toContain(
      'Roll gradual out to 0.001% in production? Its fallthrough is on 100% / off 0% now (the flag is off) (version 2). [y/N] ',
    );
    expect((await admin.config('gradual', 'production')).fallthrough).toEqual({
      rollout: [
        { variant: 'on', weight: 1 },
        { variant: 'off', weight: 99_999 },
      ],
    });
  });

  it('refuses a bad percentage before sending anything', async () => {
    for (const bad of ['100.5', '12.3456', 'abc', '1e1', '', '0x10', '50.']) {
      const r = await run(url, ['rollout', 'gradual', bad, '--env', 'staging']);
      expect(r.code, bad).toBe(2);
      expect(r.requests).toEqual([]);
      expect(r.stderr).toContain(`percentage "${bad}" must be a number from 0 to 100 with at most 3 decimals`);
      expect(r.stderr).toContain('usage: switchboard rollout <flag> <percentage> --env <env>');
    }
    const negative = await run(url, ['rollout', 'gradual', '-5', '--env', 'staging']);
    expect(negative.code).toBe(2);
    expect(negative.requests).toEqual([]);
  });

  it('a refusal by the server is exit 1 naming the field, and nothing is written', async () => {
    await admin.createFlag('variants-only');
    const r = await run(url, ['rollout', 'variants-only', '20', '--env', 'staging', '--variant', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: field "variant": "nope" is not a variant of this flag\n {2}\(HTTP 400 VALIDATION_FAILED, request \S+\)\n$/,
    );
    expect((await admin.config('variants-only', 'staging')).version).toBe(1);
  });
});

describe('history and restore', () => {
  it('lists earlier versions and restores one as a new version, which SDKs then get', async () => {
    await admin.createFlag('rollback');
    expect((await run(url, ['enable', 'rollback', '--env', 'staging'])).code).toBe(0);
    expect((await run(url, ['rollout', 'rollback', '30', '--env', 'staging'])).code).toBe(0);

    const h = await run(url, ['history', 'rollback', '--env', 'staging']);
    expect(h.code).toBe(0);
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+CREATED\s+STATE\s+SERVES\s+RULES\s+BY\s+REASON$/);
    expect(lines[1]).toMatch(/^3 \(current\)\s+\S+ \S+\s+on\s+on 30% \/ off 70%\s+0\s+\S+\s+-$/);
    expect(lines[2]).toMatch(/^2\s+\S+ \S+\s+on\s+off\s+0\s+\S+\s+-$/);
    expect(lines[3]).toMatch(/^1\s+\S+ \S+\s+off\s+off\s+0\s+\S+\s+-$/);

    const json = await run(url, ['history', 'rollback', '--env', 'staging', '--limit', '2', '--json']);
    expect((JSON.parse(json.stdout) as { versions: { version: number }[] }).versions.map((v) => v.version)).toEqual([3, 2]);

    const r = await run(url, ['restore', 'rollback', '--env', 'staging', '--version', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('restored version 2 of rollback in staging (version 3 → 4)\n  serves    on 30% / off 70% → off\n');
    expect((await admin.sdkFlags(stagingKey)).flags.rollback).toMatchObject({ enabled: true, version: 4, fallthrough: { variant: 'off' } });
  });

  it('restore in production previews the change in its question', async () => {
    await admin.createFlag('undo');
    await admin.patchConfig('undo', 'production', { enabled: true });
    const r = await run(url, ['restore', 'undo', '--env', 'production', '--version', '1'], { isTTY: true, input: 'yes\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Restore undo in production to version 1: enabled on → off? [y/N] ');
    expect(await admin.config('undo', 'production')).toMatchObject({ enabled: false, version: 3 });
  });

  it('restore does not overwrite a concurrent edit: exit 1 and the edit stands', async () => {
    await admin.createFlag('contested');
    await admin.patchConfig('contested', 'staging', { enabled: true });
    const r = await run(url, ['restore', 'contested', '--env', 'staging', '--version', '1'], {
      before: async (method) => {
        if (method === 'POST') await admin.patchConfig('contested', 'staging', { fallthrough: { variant: 'on' } });
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'contested in staging was changed by someone else after it was read at version 2 (now version 3); nothing was written',
    );
    expect(await admin.config('contested', 'staging')).toMatchObject({ enabled: true, version: 3, fallthrough: { variant: 'on' } });
  });

  it('restoring a version that does not exist is refused by the server (exit 1)', async () => {
    await admin.createFlag('short-history');
    const r = await run(url, ['restore', 'short-history', '--env', 'staging', '--version', '9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Version 9 of this config does not exist');
    expect(r.stderr).toContain('HTTP 404 NOT_FOUND');
  });
});
