/**
 * What the CLI shows of targeting and what its rollout keeps, against the real server:
 * segment conditions read as segments, and a rollout of one variant among three keeps
 * the other two in proportion.
 */
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

describe('flags get', () => {
  it('shows segment conditions by segment, never "undefined"', async () => {
    for (const key of ['beta-testers', 'staff']) {
      expect((await admin.call('POST', '/api/admin/segments', { key, conditions: [] })).status).toBe(201);
    }
    await admin.createFlag('by-segment');
    await admin.patchConfig('by-segment', 'staging', {
      rules: [
        { id: 'beta', conditions: [{ operator: 'inSegment', values: ['beta-testers'] }], serve: { variant: 'on' } },
        {
          id: 'not-staff',
          conditions: [
            { operator: 'inSegment', values: ['beta-testers', 'staff'], negate: true },
            { attribute: 'country', operator: 'in', values: ['DE'] },
          ],
          serve: { variant: 'off' },
        },
      ],
    });
    const r = await run(url, ['flags', 'get', 'by-segment', '--env', 'staging']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  1. beta: in segment beta-testers → on\n');
    expect(r.stdout).toContain('  2. not-staff: not in segments beta-testers, staff and country in ["DE"] → off\n');
    expect(r.stdout).not.toContain('undefined');
  });
});

describe('rollout', () => {
  it('of one variant among three keeps the others in their proportions', async () => {
    await admin.createFlag('checkout-theme', { type: 'string', variants: { light: 'light', dark: 'dark', contrast: 'contrast' } });
    await admin.patchConfig('checkout-theme', 'production', {
      enabled: true,
      fallthrough: {
        rollout: [
          { variant: 'light', weight: 50_000 },
          { variant: 'dark', weight: 30_000 },
          { variant: 'contrast', weight: 20_000 },
        ],
      },
    });
    const r = await run(url, ['rollout', 'checkout-theme', '40', '--variant', 'dark', '--env', 'production', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('light 50% / dark 30% / contrast 20% → light 42.857% / dark 40% / contrast 17.143%');
    expect((await admin.config('checkout-theme', 'production')).fallthrough).toEqual({
      rollout: [
        { variant: 'light', weight: 42_857 },
        { variant: 'dark', weight: 40_000 },
        { variant: 'contrast', weight: 17_143 },
      ],
    });
  });
});
