/**
 * Which writes ask is the environment's `protected` setting on the server, never its name:
 * `live` (protected) asks and needs --yes off a terminal, `prd` (not protected) doesn't, and
 * switching the setting off stops the asking. Runs main() in-process against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, run, type AdminApi, type RealServer } from './test-support/real-server.js';

let server: RealServer;
let admin: AdminApi;
let url: string;

beforeAll(async () => {
  server = await startServer();
  admin = server.admin;
  url = server.url;
  expect((await admin.call('POST', '/api/admin/environments', { key: 'live', name: 'Live', protected: true })).status).toBe(201);
  expect((await admin.call('POST', '/api/admin/environments', { key: 'prd', name: 'prd' })).status).toBe(201);
  await admin.createFlag('guarded');
});

afterAll(async () => {
  await server?.close();
});

describe('confirmation follows the protected setting', () => {
  it('asks in a protected environment named live, not in an unprotected one named prd', async () => {
    const piped = await run(url, ['enable', 'guarded', '--env', 'live'], { isTTY: false });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('enable in live needs --yes when stdin is not a terminal; nothing was changed');
    expect(piped.requests).toEqual(['GET /api/admin/environments']);

    const declined = await run(url, ['enable', 'guarded', '--env', 'live'], { isTTY: true, input: 'n\n' });
    expect(declined.code).toBe(2);
    expect(declined.stderr).toContain('Enable guarded in live?');
    expect((await admin.config('guarded', 'live')).enabled).toBe(false);

    const prd = await run(url, ['enable', 'guarded', '--env', 'prd'], { isTTY: false });
    expect(prd.code, prd.stderr).toBe(0);
    expect(prd.stderr).toBe('');
    expect((await admin.config('guarded', 'prd')).enabled).toBe(true);

    // --yes needs no look-up at all.
    const yes = await run(url, ['rollout', 'guarded', '20', '--env', 'live', '--yes'], { isTTY: false });
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.requests[0]).toBe('GET /api/admin/flags/guarded/environments/live');
  });

  it('stops asking once an admin unprotects the environment', async () => {
    expect((await admin.call('PATCH', '/api/admin/environments/live', { protected: false })).status).toBe(200);
    const piped = await run(url, ['rollout', 'guarded', '30', '--env', 'live'], { isTTY: false });
    expect(piped.code, piped.stderr).toBe(0);
    expect((await admin.config('guarded', 'live')).fallthrough).toMatchObject({
      rollout: [
        { variant: 'on', weight: 30_000 },
        { variant: 'off', weight: 70_000 },
      ],
    });
  });
});
