import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startServer, type RealServer } from './test-support/real-server.js';

let server: RealServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.close();
});

describe('users', () => {
  it('invite prints only the link on stdout; list shows the role and environments', async () => {
    const r = await run(server.url, ['users', 'invite', '--email', 'lee@example.com', '--role', 'editor', '--env', 'development,staging']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/[^\s]+\/invitation#token=inv_[\w-]+\n$/);
    expect(r.stderr).toContain('invited lee@example.com as editor');

    const list = await run(server.url, ['users', 'list']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EMAIL\s+NAME\s+ROLE\s+ENVIRONMENTS\s+STATUS\s+LAST SIGN-IN$/);
    expect(lines[1]).toMatch(/^lee@example\.com\s+lee\s+editor\s+development,staging\s+invited\s+-$/);
  });

  it('refuses a bad role or email before sending anything, and the server a second invitation', async () => {
    for (const argv of [
      ['users', 'invite', '--email', 'x@example.com', '--role', 'owner'],
      ['users', 'invite', '--email', 'not-an-email', '--role', 'viewer'],
      ['users', 'invite', '--role', 'viewer'],
    ]) {
      const r = await run(server.url, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.requests).toEqual([]);
    }
    const again = await run(server.url, ['users', 'invite', '--email', 'LEE@example.com', '--role', 'viewer']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has an account');
  });
});
