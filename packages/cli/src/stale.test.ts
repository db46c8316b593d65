import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient, type AdminClient } from '@switchboard/api-client';
import { days } from './commands/flags.js';
import { ADMIN_TOKEN, startServer, run, type RealServer } from './test-support/real-server.js';

// Time compressed: flags get a threshold of two seconds (days as a fraction), so "not evaluated for N days" is a short wait.
const TWO_SECONDS = 2 / 86_400;

let server: RealServer;
let url: string;
let client: AdminClient;

beforeAll(async () => {
  server = await startServer();
  url = server.url;
  client = createAdminClient({ baseUrl: url, token: ADMIN_TOKEN });
  await server.admin.createFlag('old-banner');
  await server.admin.createFlag('ops-kill', { temporary: false });
  await server.admin.createFlag('fresh-idea');
  for (const key of ['old-banner', 'ops-kill']) {
    const { version } = await client.flags.get(key);
    await client.flags.setStaleAfterDays(key, TWO_SECONDS, { ifMatch: version });
  }
  await server.app.staleFlags.check();
  await new Promise((r) => setTimeout(r, 2500));
});

afterAll(async () => {
  await server?.close();
});

describe('switchboard flags --stale', () => {
  it('lists only stale flags (temporary, unused for their threshold), by either spelling', async () => {
    const short = await run(url, ['flags', '--stale']);
    expect(short.code, short.stderr).toBe(0);
    expect(short.stdout).toMatch(/^FLAG\s+STATUS\s+THRESHOLD\s+LAST EVALUATED\s+SERVED\s+STALE SINCE\n/);
    expect(short.stdout).toMatch(/old-banner\s+inactive\s+2s\s+-\s+never evaluated\s+-\n/);
    expect(short.stdout).not.toContain('ops-kill');
    expect(short.stdout).not.toContain('fresh-idea');
    expect(short.requests).toEqual(['GET /api/admin/flags']);

    const long = await run(url, ['flags', 'list', '--stale']);
    expect(long.stdout).toBe(short.stdout);

    const json = await run(url, ['flags', 'list', '--stale', '--json']);
    const body = JSON.parse(json.stdout) as { flags: { key: string; staleness: { stale: boolean } }[] };
    expect(body.flags.map((f) => [f.key, f.staleness.stale])).toEqual([['old-banner', true]]);
  });

  it('says so when nothing is stale, and keeps `switchboard flags` alone as the group help', async () => {
    const { version } = await client.flags.get('old-banner');
    const back = await client.flags.setStaleAfterDays('old-banner', null, { ifMatch: version });
    expect(back).toMatchObject({ stale: false, status: 'new', staleAfterDays: 14, staleAfterDaysOverride: null });
    const none = await run(url, ['flags', '--stale']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('no stale flags');
    const group = await run(url, ['flags']);
    expect(group.code).not.toBe(0);
    expect(group.stderr).toContain('usage: switchboard flags <command>');
  });

  it('shows a flag’s usage and verdict in flags get', async () => {
    const got = await run(url, ['flags', 'get', 'ops-kill']);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('usage: inactive (not stale, threshold 2s, this flag’s own); last evaluated -; never evaluated\n');
    expect(await client.flags.staleness('ops-kill')).toMatchObject({ stale: false, status: 'inactive' });
  });
});

describe('switchboard flags stale-after', () => {
  it("sets a flag's own threshold, and 'default' gives it back to the server", async () => {
    const set = await run(url, ['flags', 'stale-after', 'fresh-idea', '30']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('fresh-idea: usage: new (not stale, threshold 30d, this flag’s own); last evaluated -; never evaluated\n');
    expect(set.requests).toEqual(['GET /api/admin/flags/fresh-idea', 'PUT /api/admin/flags/fresh-idea/staleness']);
    expect(await client.flags.staleness('fresh-idea')).toMatchObject({ staleAfterDays: 30, staleAfterDaysOverride: 30 });
    const reset = await run(url, ['flags', 'stale-after', 'fresh-idea', 'default', '--json']);
    expect(JSON.parse(reset.stdout)).toMatchObject({ staleAfterDays: 14, staleAfterDaysOverride: null });
  });

  it('refuses a threshold that is not a positive number of days before asking the server', async () => {
    for (const bad of ['0', 'soon', '1e3', '4000']) {
      const r = await run(url, ['flags', 'stale-after', 'fresh-idea', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('days must be a number above 0');
      expect(r.requests).toEqual([]);
    }
    const missing = await run(url, ['flags', 'stale-after', 'no-such-flag', '3']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no-such-flag');
  });
});

describe('thresholds as people say them', () => {
  it('prints days, hours, minutes or seconds', () => {
    expect([14, 1.5, 0.25, 1 / 48, TWO_SECONDS].map(days)).toEqual(['14d', '1.5d', '6h', '30m', '2s']);
  });
});
