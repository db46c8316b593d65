import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { testApp } from '../test-support/app.js';
import { createKey, http } from '../test-support/http.js';
import { openStream } from '../test-support/sse.js';
import { shutdownPlugin } from './shutdown.js';

describe('shutdown plugin', () => {
  it('refuses to register before delivery and the revision check', async () => {
    await expect(Fastify({ logger: false }).register(shutdownPlugin)).rejects.toThrow(/dependency 'delivery'.*'shutdown'/);
  });

  it('ends streams and marks the app closing before later close hooks run', async () => {
    const app = await testApp();
    expect(app.closing).toBe(false);
    const seen: { closing: boolean; streams: number }[] = [];
    // Added last, so it runs after the shutdown plugin's preClose hook.
    app.addHook('preClose', async () => void seen.push({ closing: app.closing, streams: app.delivery.hub.size }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const { key } = await createKey(http(app), 'server', 'staging');
    const stream = await openStream(`${base}/api/sdk/stream`, key);
    await stream.next((e) => e.event === 'put');
    expect(app.delivery.hub.size).toBe(1);
    await app.close();
    await stream.ended;
    expect(seen).toEqual([{ closing: true, streams: 0 }]);
  });
});
