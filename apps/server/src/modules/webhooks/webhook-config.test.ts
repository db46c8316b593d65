import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';

describe('webhook settings', () => {
  it('defaults to refusing private targets and retrying for over a day', () => {
    const config = loadConfig({});
    expect(config.webhookAllowPrivate).toBe(false);
    expect(config.webhookDeliveryEnabled).toBe(true);
    expect(config.webhookRetrySchedule.reduce((a, b) => a + b, 0) * 0.9).toBeGreaterThan(24 * 3_600_000);
    expect(config.webhookSecretRotationWindowMs).toBe(24 * 3_600_000);
  });

  it('reads every webhook variable', () => {
    const config = loadConfig({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_DELIVERY_ENABLED: 'false',
      WEBHOOK_TIMEOUT_MS: '2500',
      WEBHOOK_RETRY_SCHEDULE: '100ms,1s,1m',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_CONCURRENCY: '4',
      WEBHOOK_SECRET_ROTATION_WINDOW_MS: '3600000',
      WEBHOOK_DELIVERY_RETENTION_DAYS: '7',
    });
    expect(config).toMatchObject({
      webhookAllowPrivate: true,
      webhookDeliveryEnabled: false,
      webhookTimeoutMs: 2500,
      webhookRetrySchedule: [100, 1000, 60_000],
      webhookPollIntervalMs: 50,
      webhookConcurrency: 4,
      webhookSecretRotationWindowMs: 3_600_000,
      webhookDeliveryRetentionDays: 7,
    });
  });

  it('lists every bad webhook variable at once', () => {
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'yes', WEBHOOK_RETRY_SCHEDULE: '5s,soon', WEBHOOK_TIMEOUT_MS: '0' })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/WEBHOOK_ALLOW_PRIVATE must be true or false/),
          expect.stringMatching(/WEBHOOK_RETRY_SCHEDULE: "soon"/),
          expect.stringMatching(/WEBHOOK_TIMEOUT_MS/),
        ]),
      }),
    );
  });
});
