import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, run, type AdminApi, type RealServer } from './test-support/real-server.js';

// `switchboard explain` in-process against the real server (embedded Postgres).
let server: RealServer;
let admin: AdminApi;
let url: string;

beforeAll(async () => {
  server = await startServer();
  admin = server.admin;
  url = server.url;
  await admin.createFlag('explain-base');
  await admin.patchConfig('explain-base', 'production', { enabled: true, fallthrough: { variant: 'on' } });
  await admin.createFlag('explain-me');
  await admin.patchConfig('explain-me', 'production', {
    enabled: true,
    prerequisites: [{ flag: 'explain-base', variant: 'on' }],
    rules: [
      { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } },
      {
        id: 'eu-adults',
        conditions: [
          { attribute: 'country', operator: 'in', values: ['DE', 'FR'] },
          { attribute: 'age', operator: 'gte', values: [18] },
        ],
        serve: { variant: 'on' },
      },
    ],
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
    },
  });
});

afterAll(async () => {
  await server?.close();
});

describe('explain', () => {
  it('prints the result, the prerequisite and every condition of the rules reached', async () => {
    const r = await run(url, [
      'explain',
      'explain-me',
      '--env',
      'production',
      '--context',
      '{"userId":"u1","country":"DE"}',
      '--attr',
      'age=30',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.requests).toEqual(['POST /api/admin/flags/explain-me/environments/production/explain']);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^production at revision \d+, context \{"userId":"u1","country":"DE","age":30\}$/);
    expect(lines.slice(1, -1)).toEqual([
      'explain-me: on (true) — TARGETING_MATCH, rule eu-adults',
      '  ✓ prerequisite explain-base must serve on',
      '    explain-base: on (true) — STATIC',
      '      served by the fallthrough',
      '  rule 1 (staff): not matched',
      '    ✗ email endsWith ["@acme.com"] (context: (missing))',
      '  rule 2 (eu-adults): matched',
      '    ✓ country in ["DE", "FR"] (context: "DE")',
      '    ✓ age gte [18] (context: 30)',
      '  served by the rule eu-adults',
    ]);
  });

  it('shows the rollout bucket with --user, and the JSON answer with --json', async () => {
    const text = await run(url, ['explain', 'explain-me', '--env', 'production', '--user', 'u1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/fallthrough is a rollout by userId: bucket \d+ of 100000/);
    const json = await run(url, ['explain', 'explain-me', '--env', 'production', '--user', 'u1', '--json']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as {
      environment: string;
      explanation: { result: { reason: string }; serve: { bucketBy: string } };
    };
    expect(body.environment).toBe('production');
    expect(body.explanation.result.reason).toBe('SPLIT');
    expect(body.explanation.serve.bucketBy).toBe('userId');
  });

  it('says so when the flag is off', async () => {
    const r = await run(url, ['explain', 'explain-me', '--env', 'staging', '--user', 'u1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('explain-me: off (false) — DISABLED');
    expect(r.stdout).toContain('the flag is off in this environment');
  });

  it('refuses a bad context before sending anything, and reports the server refusing a field', async () => {
    const notJson = await run(url, ['explain', 'explain-me', '--env', 'production', '--context', '{userId:1}']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--context must be a JSON object');
    expect(notJson.requests).toEqual([]);
    const badAttr = await run(url, ['explain', 'explain-me', '--env', 'production', '--attr', 'country']);
    expect(badAttr.code).toBe(2);
    expect(badAttr.requests).toEqual([]);
    const nested = await run(url, ['explain', 'explain-me', '--env', 'production', '--context', '{"country":{"code":"DE"}}']);
    expect(nested.code).not.toBe(0);
    expect(nested.stderr).toContain('context.country');
    const missing = await run(url, ['explain', 'no-such-flag', '--env', 'production']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no-such-flag');
  });
});
