/** `--reason` on writes, a held write's request id, and `switchboard requests …` against the real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startServer, type RealServer } from './test-support/real-server.js';

let server: RealServer;
/** A second identity: an admin key of its own. */
let reviewer: string;

beforeAll(async () => {
  server = await startServer();
  const key = await server.admin.call('POST', '/api/admin/api-keys', { kind: 'admin', name: 'reviewer' });
  reviewer = (key.body as { key: string }).key;
  expect((await server.admin.call('PATCH', '/api/admin/environments/production', { requiredApprovals: 1 })).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

const asReviewer = { env: { SWITCHBOARD_TOKEN: undefined as string | undefined } };

describe('reasons and change requests', () => {
  it('sends --reason with a write; audit shows it, and history records it with who wrote each version', async () => {
    await server.admin.createFlag('cli-why');
    const enabled = await run(server.url, ['enable', 'cli-why', '--env', 'staging', '--reason', 'Über-spike INC-9']);
    expect(enabled.code, enabled.stderr).toBe(0);
    const audit = await run(server.url, ['audit', '--flag', 'cli-why', '--limit', '1']);
    expect(audit.stdout).toMatch(/REASON/);
    expect(audit.stdout).toContain('Über-spike INC-9');
    const table = await run(server.url, ['history', 'cli-why', '--env', 'staging']);
    expect(table.stdout.split('\n')[1]).toMatch(/^2 \(current\).*ADMIN_TOKEN\s+Über-spike INC-9$/);
    const history = await run(server.url, ['history', 'cli-why', '--env', 'staging', '--json']);
    expect(JSON.parse(history.stdout).versions[0]).toMatchObject({ version: 2, actor: 'ADMIN_TOKEN', reason: 'Über-spike INC-9' });

    const bad = await run(server.url, ['kill', 'cli-why', '--env', 'staging', '--reason', 'x'.repeat(501)]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--reason/);
  });

  it('prints the change request a held write opened, and reviews, approves and applies it by id', async () => {
    await server.admin.createFlag('cli-held');
    const held = await run(server.url, ['enable', 'cli-held', '--env', 'production', '--yes', '--reason', 'launch']);
    expect(held.code, held.stderr).toBe(0);
    const id = /Change request #(\d+) created for cli-held in production — needs 1 approval/.exec(held.stdout)?.[1];
    expect(id, held.stdout).toBeDefined();
    expect((await server.admin.config('cli-held', 'production')).enabled).toBe(false);

    const listed = await run(server.url, ['requests', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+cli-held\\s+production\\s+config.enable\\s+open\\s+0/1\\s+ADMIN_TOKEN\\s+launch`));
    const shown = await run(server.url, ['requests', 'show', id!]);
    expect(shown.stdout).toContain(`change request #${id}: cli-held in production (config.enable), open`);
    expect(shown.stdout).toMatch(/enabled\s+off → on/);

    const self = await run(server.url, ['requests', 'approve', id!]);
    expect(self.code).not.toBe(0);
    expect(self.stderr).toMatch(/someone else/);

    const env = { ...asReviewer.env, SWITCHBOARD_TOKEN: reviewer };
    const approved = await run(server.url, ['requests', 'approve', `#${id}`], { env });
    expect(approved.stdout).toMatch(new RegExp(`approved change request #${id} \\(1/1 approvals; ready`));
    const applied = await run(server.url, ['requests', 'apply', id!]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`applied change request #${id} as version 2 of cli-held in production`));
    expect((await server.admin.config('cli-held', 'production')).enabled).toBe(true);
  });

  it('refuses a malformed request id before any request', async () => {
    const res = await run(server.url, ['requests', 'show', 'twelve']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/not a change request number/);
  });
});
