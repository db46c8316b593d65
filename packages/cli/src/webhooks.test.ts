import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startServer, type RealServer } from './test-support/real-server.js';

let server: RealServer;
let receiver: http.Server;
let receiverUrl: string;
const received: { path: string; id: string }[] = [];
let failing = true;

beforeAll(async () => {
  // A receiver on loopback: the server allows private targets here, as its own tests do.
  receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '', id: String(req.headers['webhook-id']) });
      res.writeHead(failing ? 503 : 204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startServer({ webhookAllowPrivate: true, webhookPollIntervalMs: 25, webhookRetrySchedule: [50] });
});

afterAll(async () => {
  await server?.close();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhooks', () => {
  it('create prints only the secret; list, deliveries, redeliver, rotate and delete work against the server', async () => {
    const created = await run(server.url, [
      'webhooks',
      'create',
      '--endpoint',
      `${receiverUrl}/in`,
      '--events',
      'flag.changed',
      '--envs',
      'production',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^whsec_[A-Za-z0-9+/=]+\n$/);
    const id = /created webhook ([0-9a-f-]{36})/.exec(created.stderr)?.[1];
    expect(id).toBeDefined();

    const listed = await run(server.url, ['webhooks', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+${receiverUrl}/in\\s+flag.changed\\s+production\\s+yes`));
    expect(listed.stdout).not.toContain(created.stdout.trim());

    await server.admin.createFlag('cli-webhook');
    // The receiver refuses: one attempt, one retry, then failed.
    await until(
      async () => (await run(server.url, ['webhooks', 'deliveries', id!, '--status', 'failed'])).stdout.includes('failed'),
      'a failed delivery',
    );
    const failed = await run(server.url, ['webhooks', 'deliveries', id!, '--status', 'failed']);
    expect(failed.stdout).toMatch(/^ID\s+EVENT\s+ENVIRONMENT\s+STATUS\s+ATTEMPTS\s+LAST RESULT/);
    const deliveryId = /^(msg_\S+)\s+flag\.changed\s+production\s+failed\s+2\s+HTTP 503/m.exec(failed.stdout)?.[1];
    expect(deliveryId).toBeDefined();

    failing = false;
    const redelivered = await run(server.url, ['webhooks', 'redeliver', id!, deliveryId!]);
    expect(redelivered).toMatchObject({ code: 0, stdout: `queued delivery ${deliveryId} again\n` });
    await until(() => received.filter((r) => r.id === deliveryId).length === 3, 'the redelivery');

    const rotated = await run(server.url, ['webhooks', 'rotate', id!]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^whsec_/);
    expect(rotated.stdout).not.toBe(created.stdout);
    expect(rotated.stderr).toMatch(/previous secret still signs until \d{4}-\d\d-\d\d /);

    const deleted = await run(server.url, ['webhooks', 'delete', id!]);
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted webhook ${id}\n` });
    expect((await run(server.url, ['webhooks', 'list'])).stderr).toContain('no webhooks');
  });

  it('refuses bad arguments before sending anything', async () => {
    for (const argv of [
      ['webhooks', 'create', '--endpoint', 'ftp://x', '--events', 'flag.changed'],
      ['webhooks', 'create', '--endpoint', 'https://x.example.com', '--events', 'flag.chnaged'],
      ['webhooks', 'create', '--endpoint', 'https://x.example.com'],
      ['webhooks', 'delete', 'not-a-uuid'],
      ['webhooks', 'deliveries', '00000000-0000-4000-8000-000000000000', '--status', 'lost'],
      ['webhooks', 'redeliver', '00000000-0000-4000-8000-000000000000', 'nope'],
    ]) {
      const r = await run(server.url, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.requests, argv.join(' ')).toEqual([]);
    }
  });

  it('answers an unknown webhook with the server error', async () => {
    const r = await run(server.url, ['webhooks', 'rotate', '00000000-0000-4000-8000-000000000000']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/HTTP 404 NOT_FOUND/);
  });
});
