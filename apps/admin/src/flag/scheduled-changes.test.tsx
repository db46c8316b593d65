/**
 * Scheduled changes against a stand-in API: the create body (a wall time in the chosen zone,
 * a rollout against the off variant), a DST refusal beside the time, each change's time in
 * both zones, and a cancel that asks first.
 */
import { ApiError, type FlagConfig, type ScheduledChange } from '@switchboard/api-client';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { describeChange, ScheduledChanges } from './scheduled-changes';

const CONFIG = {
  environment: 'production',
  enabled: true,
  offVariant: 'off',
  version: 7,
  fallthrough: { variant: 'off' },
} as unknown as FlagConfig;

const PENDING: ScheduledChange = {
  id: '7d7a1c0e-3b7e-4a52-9c1e-2f0d4b8a6e11',
  flag: 'checkout',
  environment: 'production',
  status: 'pending',
  runAt: '2027-06-01T01:00:00.000Z',
  runAtLocal: { local: '2027-06-01T03:00', timeZone: 'Europe/Berlin', offset: '+02:00' },
  change: { enabled: false },
  baseVersion: null,
  maxLatenessSec: 3600,
  comment: 'quiet hour',
  createdBy: 'alice (admin key)',
  createdAt: '2027-05-01T10:00:00.000Z',
  resolvedAt: null,
  appliedVersion: null,
  error: null,
};

function setup(scheduledChanges: Partial<AdminApi['scheduledChanges']>) {
  const api = { scheduledChanges } as unknown as AdminApi;
  const live = { subscribe: () => () => {} } as unknown as LiveFeed;
  const value = { api, live, toast: vi.fn(), environments: [], environment: 'production' } as unknown as AppContextValue;
  const user = userEvent.setup();
  render(
    <AppContext.Provider value={value}>
      <ScheduledChanges
        flagKey="checkout"
        environment={{ key: 'production', name: 'Production' }}
        config={CONFIG}
        variants={['on', 'off']}
      />
    </AppContext.Provider>,
  );
  return { user };
}

describe('ScheduledChanges', () => {
  it('schedules a rollout at a wall time in the chosen zone, and shows a DST refusal beside the time', async () => {
    const create = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError({
          status: 400,
          code: 'VALIDATION_FAILED',
          message: '2027-03-28T02:30 does not exist in Europe/Berlin (the clocks skip it)',
          field: 'runAt.local',
        }),
      )
      .mockResolvedValueOnce(PENDING);
    const { user } = setup({ list: vi.fn(async () => ({ scheduledChanges: [] })), create });
    const form = await screen.findByRole('form', { name: 'Schedule a change' });
    await user.selectOptions(within(form).getByLabelText('Change'), 'rollout');
    await user.clear(within(form).getByLabelText('Percentage'));
    await user.type(within(form).getByLabelText('Percentage'), '12.5');
    await user.selectOptions(within(form).getByLabelText('Time zone'), 'Europe/Berlin');
    const at = within(form).getByLabelText('At');
    await user.clear(at);
    await user.type(at, '2027-03-28T02:30');
    await user.click(within(form).getByLabelText(/Only if the flag is still at version 7/));
    await user.click(within(form).getByRole('button', { name: 'Schedule change' }));
    expect(create).toHaveBeenCalledWith('checkout', 'production', {
      runAt: { local: '2027-03-28T02:30', timeZone: 'Europe/Berlin' },
      change: {
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 12_500 },
            { variant: 'off', weight: 87_500 },
          ],
        },
      },
      baseVersion: 7,
    });
    await within(form).findByText('2027-03-28T02:30 does not exist in Europe/Berlin (the clocks skip it)');
    expect(at.getAttribute('aria-invalid')).toBe('true');
  });

  it('lists a change with its time as typed, and cancels only after asking', async () => {
    const cancel = vi.fn(async () => ({ ...PENDING, status: 'cancelled' as const }));
    const { user } = setup({ list: vi.fn(async () => ({ scheduledChanges: [PENDING] })), cancel });
    const list = await screen.findByRole('list', { name: 'Scheduled changes' });
    expect(within(list).getByText('turn off')).toBeTruthy();
    expect(within(list).getByText(/typed as 2027-06-01 03:00 Europe\/Berlin \(UTC\+02:00\)/)).toBeTruthy();
    await user.click(within(list).getByRole('button', { name: 'Cancel scheduled change' }));
    expect(cancel).not.toHaveBeenCalled();
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel change' }));
    await waitFor(() => expect(cancel).toHaveBeenCalledWith('checkout', 'production', PENDING.id));
  });

  it('says what a change does', () => {
    expect(describeChange({ enabled: true })).toBe('turn on');
    expect(describeChange({ fallthrough: { variant: 'on' } })).toBe('serve on to everyone');
    expect(describeChange({ enabled: true, rules: [] })).toBe('turn on, change rules');
  });
});
