import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startServer, type AdminApi, type RealServer } from './test-support/real-server.js';

let server: RealServer;
let admin: AdminApi;
let url: string;

beforeAll(async () => {
  server = await startServer();
  admin = server.admin;
  url = server.url;
});

afterAll(async () => {
  await server?.close();
});

describe('envs', () => {
  it('lists the environments of a fresh install', async () => {
    const r = await run(url, ['envs', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ENVIRONMENT\s+NAME\s+REVISION\s+CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['development', 'staging', 'production']);
  });
});

describe('keys', () => {
  it('create prints only the secret on stdout; it works as an SDK key; list never shows it; revoke ends it', async () => {
    const created = await run(url, ['keys', 'create', '--kind', 'server', '--env', 'production', '--name', 'checkout-svc']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^sb_server_[A-Za-z0-9_-]{43}\n$/);
    const secret = created.stdout.trim();
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stderr)?.[1];
    expect(created.stderr).toContain('created server key "checkout-svc" for production');
    expect(created.stderr).not.toContain(secret);
    expect(id).toBeDefined();
    expect(await admin.sdkFlags(secret)).toMatchObject({ environment: 'production' });

    const list = await run(url, ['keys', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+server\\s+production\\s+checkout-svc\\s+`));
    expect(list.stdout).not.toContain(secret);

    const revoked = await run(url, ['keys', 'revoke', id!]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`revoked key ${id}\n`);
    expect((await admin.call('GET', '/api/sdk/flags', undefined, {}, secret)).status).toBe(401);

    expect((await run(url, ['keys', 'list'])).stdout).not.toContain(id);
    const withRevoked = await run(url, ['keys', 'list', '--revoked']);
    expect(withRevoked.stdout).toMatch(/REVOKED\n/);
    expect(withRevoked.stdout).toMatch(new RegExp(`${id}.*\\d{4}-\\d\\d-\\d\\d \\S+Z\\n`));
  });

  it('--json gives the whole answer, and an admin key needs no environment', async () => {
    const r = await run(url, ['keys', 'create', '--kind', 'admin', '--name', 'ops-laptop', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { id: string; kind: string; environment: string | null; name: string; key: string };
    expect(body).toMatchObject({ kind: 'admin', environment: null, name: 'ops-laptop' });
    expect(body.key).toMatch(/^sb_admin_/);
    // The new admin key drives the CLI.
    const withIt = await run(url, ['envs', 'list'], { env: { SWITCHBOARD_TOKEN: body.key } });
    expect(withIt.code).toBe(0);
  });

  it('--role and --env make an admin key that may only do that, there: a killer for production', async () => {
    const argv = ['keys', 'create', '--kind', 'admin', '--role', 'killer', '--env', 'production', '--name', 'ci-kill', '--json'];
    const r = await run(url, argv);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { key: string; role: string; environments: string[] };
    expect(body).toMatchObject({ role: 'killer', environments: ['production'] });
    const list = await run(url, ['keys', 'list']);
    expect(list.stdout).toMatch(/admin\s+production\s+ci-kill\s+killer\s+/);
    // It reads, and anything beyond the kill switch is refused by the server, naming the role it needs.
    expect((await run(url, ['envs', 'list'], { env: { SWITCHBOARD_TOKEN: body.key } })).code).toBe(0);
    const refused = await run(url, ['keys', 'create', '--kind', 'admin', '--name', 'more'], { env: { SWITCHBOARD_TOKEN: body.key } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('This needs the admin role; the caller is killer');
  });

  it('refuses inconsistent arguments before sending anything', async () => {
    for (const argv of [
      ['keys', 'create', '--kind', 'server', '--env', 'production', '--role', 'viewer', '--name', 'x'],
      ['keys', 'create', '--kind', 'admin', '--role', 'owner', '--name', 'x'],
      ['keys', 'create', '--kind', 'server', '--env', 'production,staging', '--name', 'x'],
      ['keys', 'create', '--kind', 'server', '--name', 'x'],
      ['keys', 'create', '--kind', 'root', '--env', 'production', '--name', 'x'],
      ['keys', 'create', '--kind', 'client', '--env', 'production'],
      ['keys', 'revoke', 'not-a-uuid'],
    ]) {
      const r = await run(url, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.requests).toEqual([]);
      expect(r.stdout).toBe('');
    }
  });

  it('unknown environment or key id: the server refuses, exit 1', async () => {
    const env = await run(url, ['keys', 'create', '--kind', 'client', '--env', 'prod', '--name', 'web']);
    expect(env.code).toBe(1);
    expect(env.stdout).toBe('');
    expect(env.stderr).toMatch(/^error: (field "environment": )?.*prod/);

    const missing = await run(url, ['keys', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HTTP 404 NOT_FOUND');
  });
});

describe('audit', () => {
  it('shows who changed what, newest first, filtered by flag and limited', async () => {
    await admin.createFlag('audited');
    expect((await run(url, ['enable', 'audited', '--env', 'staging'])).code).toBe(0);
    expect((await run(url, ['kill', 'audited', '--env', 'staging'])).code).toBe(0);

    const r = await run(url, ['audit', '--flag', 'audited']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^AT\s+ACTOR\s+ACTION\s+SUBJECT\s+ENVIRONMENT\s+VERSION\s+REVISION\s+REASON$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[2])).toEqual(['config.kill', 'config.enable', 'flag.create']);
    // Who, and the config version each write made (a flag's own edits have none).
    expect(lines[1]).toMatch(/ADMIN_TOKEN\s+config\.kill\s+audited\s+staging\s+2 → 3\s+\d+\s+-$/);
    expect(lines[2]).toMatch(/config\.enable\s+audited\s+staging\s+1 → 2\s+\d+\s+-$/);
    expect(lines[3]).toMatch(/flag\.create\s+audited\s+-\s+-\s+-\s+-$/);

    const limited = await run(url, ['audit', '--flag', 'audited', '--limit', '1', '--json']);
    const body = JSON.parse(limited.stdout) as { events: { action: string }[]; nextCursor: string | null };
    expect(body.events.map((e) => e.action)).toEqual(['config.kill']);
    expect(body.nextCursor).not.toBeNull();

    const byAction = await run(url, ['audit', '--action', 'config.kill', '--env', 'staging']);
    expect(byAction.stdout).toContain('audited');
    expect(byAction.stdout).not.toContain('config.enable');

    for (const bad of [
      ['--limit', '0'],
      ['--limit', '501'],
      ['--limit', 'ten'],
      ['--flag', '../x'],
    ]) {
      const refused = await run(url, ['audit', ...bad]);
      expect(refused.code, bad.join(' ')).toBe(2);
      expect(refused.requests).toEqual([]);
    }
  });
});
