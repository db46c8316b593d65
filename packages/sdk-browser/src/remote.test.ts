/// <reference types="node" />
/**
 * Flags the server evaluates (their targeting reads a private attribute), through the
 * public client in Node against the real server (`buildApp` on embedded PGlite): the
 * client asks `POST /api/sdk/evaluate` for its stubs and serves what it answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, type EvaluationContext, type Snapshot } from '@switchboard/core';
import { createClient, type SwitchboardClient, type SwitchboardError } from './index.js';
import { startRealServer, type RealServer } from './test-support/real-server.js';
import { until } from './test-support/fake-server.js';

let server: RealServer;
let clientKey: string;
let serverKey: string;
const clients: SwitchboardClient[] = [];

const open = (context: EvaluationContext, options: Parameters<typeof createClient>[0] = {}) => {
  const errors: SwitchboardError[] = [];
  const changes: string[][] = [];
  const client = createClient({ url: server.url, key: clientKey, events: false, storage: false, context, ...options });
  client.on('error', (e) => errors.push(e)).on('change', (keys) => changes.push(keys));
  clients.push(client);
  return { client, errors, changes };
};

const fullSnapshot = async (): Promise<Snapshot> =>
  (await (await fetch(server.url + '/api/sdk/flags', { headers: { authorization: `Bearer ${serverKey}` } })).json()) as Snapshot;

beforeAll(async () => {
  // Fifty evaluations per minute per key and address: the last test runs past them to a real 429.
  server = await startRealServer('http://localhost', { ofrepRateLimitPerMinute: 50 });
  const admin = server.admin;
  await admin.createFlag('staff', { clientSide: true, privateAttributes: ['email'] });
  await admin.patchConfig('staff', {
    enabled: true,
    rules: [
      { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.example'] }], serve: { variant: 'on' } },
      {
        id: 'partners',
        conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@partner.example'] }],
        serve: {
          rollout: [
            { variant: 'on', weight: 50_000 },
            { variant: 'off', weight: 50_000 },
          ],
          bucketBy: 'orgId',
        },
      },
    ],
    fallthrough: { variant: 'off' },
  });
  await admin.createFlag('open', { clientSide: true });
  await admin.patchConfig('open', { enabled: true, fallthrough: { variant: 'on' } });
  clientKey = await admin.key('client');
  serverKey = await admin.key('server');
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.close();
});

describe('flags the server evaluates', () => {
  it('serve what the server answers for the client context: value, variant, reason and rule', async () => {
    const contexts: EvaluationContext[] = [
      { userId: 'u1', email: 'ann@acme.example' },
      { userId: 'u2', email: 'bob@partner.example', orgId: 'org-1' },
      { userId: 'u3', email: 'cid@partner.example', orgId: 'org-2' },
      { userId: 'u4', email: 'dee@elsewhere.example' },
      { userId: 'u5', email: 'eve@partner.example' },
    ];
    const { client, errors } = open(contexts[0]!);
    await client.ready(10_000);
    const full = await fullSnapshot();
    for (const context of contexts) {
      await client.setContext(context);
      expect(client.variant('staff'), JSON.stringify(context)).toEqual(evaluate(full, 'staff', context, false));
      // Local flags are untouched.
      expect(client.variant('open')).toEqual(evaluate(full, 'open', context, false));
    }
    expect(errors).toEqual([]);
  });

  it('ask again when the flag changes, and report the change', async () => {
    const { client, changes } = open({ userId: 'u1', email: 'ann@acme.example' });
    await client.ready(10_000);
    expect(client.isEnabled('staff')).toBe(true);
    await server.admin.patchConfig('staff', { enabled: false });
    await until(() => !client.isEnabled('staff'), 5_000, 'the kill switch reaches a server-evaluated flag');
    expect(client.variant('staff')).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
    expect(changes.some((keys) => keys.includes('staff'))).toBe(true);
    await server.admin.patchConfig('staff', { enabled: true });
    await until(() => client.isEnabled('staff'), 5_000, 'back on');
  });

  it('keep the last value when the server refuses, and say why', async () => {
    const { client, errors } = open({ userId: 'u1', email: 'ann@acme.example' }, { stream: false, pollInterval: 60_000 });
    await client.ready(10_000);
    expect(client.isEnabled('staff')).toBe(true);
    // Past the per-key-and-address budget the server answers 429: the last value stays.
    for (let i = 0; i < 60 && !errors.some((e) => e.status === 429); i++) {
      await client.setContext({ userId: 'u1', email: i % 2 ? 'ann@acme.example' : 'zed@acme.example' });
    }
    expect(errors.find((e) => e.status === 429)).toMatchObject({ code: 'HTTP_STATUS', retryAfter: expect.any(Number) });
    expect(client.isEnabled('staff')).toBe(true);
  });

  it('are never resolved offline: a bootstrap stub answers the caller default', async () => {
    const stub = { key: 'staff', version: 1, type: 'boolean', remote: true };
    const client = createClient({
      offline: true,
      bootstrap: { schemaVersion: 1, environment: 'production', revision: 1, flags: { staff: stub as never } },
      context: { email: 'ann@acme.example' },
    });
    await client.ready();
    expect(client.isEnabled('staff')).toBe(false);
    expect(client.variant('staff', undefined, true)).toMatchObject({ value: true, reason: 'ERROR' });
  });
});
