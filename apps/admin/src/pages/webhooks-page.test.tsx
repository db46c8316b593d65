/**
 * The Webhooks page against a stand-in API: a refused URL shows beside the field, a created
 * webhook's secret is shown once, and its delivery log lists attempts and redelivers.
 */
import { ApiError, type Webhook, type WebhookDelivery } from '@switchboard/api-client';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { WebhooksPage } from './webhooks-page';

const HOOK: Webhook = {
  id: '6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b',
  url: 'https://hooks.example.com/switchboard',
  events: ['flag.changed', 'release.*'],
  environments: null,
  description: 'Post to #releases',
  enabled: true,
  createdBy: 'alice (admin key)',
  createdAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:00:00.000Z',
  previousSecretExpiresAt: null,
};

const DELIVERY: WebhookDelivery = {
  id: 'msg_2Kq8dYb0Vq3o1xW9mJt7Rg',
  webhookId: HOOK.id,
  eventType: 'flag.changed',
  environment: 'production',
  status: 'succeeded',
  attempts: 2,
  nextAttemptAt: null,
  createdAt: '2026-03-14T09:26:53.600Z',
  completedAt: '2026-03-14T09:26:59.112Z',
  lastStatusCode: 204,
  lastError: null,
  payload: { type: 'flag.changed' },
  attemptLog: [
    { attempt: 1, startedAt: '2026-03-14T09:26:53.700Z', durationMs: 31, statusCode: 503, error: 'HTTP 503', responseExcerpt: 'busy' },
    { attempt: 2, startedAt: '2026-03-14T09:26:59.080Z', durationMs: 32, statusCode: 204, error: null, responseExcerpt: null },
  ],
};

function setup(webhooks: Partial<AdminApi['webhooks']>) {
  const api = { webhooks } as unknown as AdminApi;
  const live = { subscribe: () => () => {} } as unknown as LiveFeed;
  const environments = [{ key: 'production', name: 'Production', revision: 1, createdAt: '' }];
  const value = { api, live, toast: vi.fn(), environments, environment: 'production' } as unknown as AppContextValue;
  const user = userEvent.setup();
  render(
    <AppContext.Provider value={value}>
      <WebhooksPage />
    </AppContext.Provider>,
  );
  return { user };
}

beforeEach(() => window.history.replaceState(null, '', '/webhooks'));

describe('WebhooksPage', () => {
  it('shows a refused URL beside the field, then the secret of the created webhook once', async () => {
    let hooks: Webhook[] = [];
    const create = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError({ status: 400, code: 'VALIDATION_FAILED', message: 'private addresses are refused', field: 'url' }),
      )
      .mockImplementationOnce(async () => {
        hooks = [HOOK];
        return { ...HOOK, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
      });
    const { user } = setup({
      list: vi.fn(async () => ({ webhooks: hooks })),
      create,
      deliveries: vi.fn(async () => ({ deliveries: [], nextCursor: null })),
    });
    await screen.findByText('No webhooks yet.');
    await user.type(screen.getByLabelText('URL'), 'http://10.0.0.1/in');
    await user.click(screen.getByLabelText('Production'));
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    await screen.findByText('private addresses are refused');
    expect(screen.getByLabelText('URL').getAttribute('aria-invalid')).toBe('true');
    await user.clear(screen.getByLabelText('URL'));
    await user.type(screen.getByLabelText('URL'), HOOK.url);
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect(create).toHaveBeenLastCalledWith({ url: HOOK.url, events: ['flag.changed', 'release.*'], environments: ['production'] });
    expect(((await screen.findByRole('textbox', { name: 'Signing secret' })) as HTMLInputElement).value).toBe(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    );
    await user.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByRole('textbox', { name: 'Signing secret' })).toBeNull();
  });

  it('shows the delivery log with each attempt, and redelivers', async () => {
    window.history.replaceState(null, '', `/webhooks?webhook=${HOOK.id}`);
    const redeliver = vi.fn(async () => DELIVERY);
    const { user } = setup({
      list: vi.fn(async () => ({ webhooks: [HOOK] })),
      deliveries: vi.fn(async () => ({ deliveries: [DELIVERY], nextCursor: null })),
      redeliver,
    });
    const log = await screen.findByRole('table', { name: 'Delivery log' });
    expect(within(log).getByText('HTTP 204')).toBeTruthy();
    await user.click(within(log).getByRole('button', { name: 'Attempts' }));
    const attempts = screen.getByRole('table', { name: `Attempts of ${DELIVERY.id}` });
    expect(within(attempts).getByText('HTTP 503')).toBeTruthy();
    expect(within(attempts).getByText('busy')).toBeTruthy();
    await user.click(within(log).getByRole('button', { name: 'Redeliver' }));
    await waitFor(() => expect(redeliver).toHaveBeenCalledWith(HOOK.id, DELIVERY.id));
  });
});
