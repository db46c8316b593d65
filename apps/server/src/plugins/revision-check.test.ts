import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { testApp } from '../test-support/app.js';
import { revisionCheckPlugin } from './revision-check.js';

describe('revision check plugin', () => {
  it('has run its first check when the app is built: database migrated and healthy, snapshots loaded', async () => {
    const app = await testApp();
    try {
      expect(app.database.ready).toBe(true);
      expect(app.database.healthy).toBe(true);
      expect([...app.delivery.views.keys()].sort()).toEqual(['development', 'production', 'staging']);
    } finally {
      await app.close();
    }
  });

  it('refuses to register before the plugins it needs', async () => {
    await expect(Fastify({ logger: false }).register(revisionCheckPlugin, { intervalMs: 1000 })).rejects.toThrow(
      /dependency 'db'.*'revision-check'/,
    );
  });
});
