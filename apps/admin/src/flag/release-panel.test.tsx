/**
 * The Release panel against a stand-in API: starting a plan sends the form as the PUT body,
 * server errors show beside the field they name (or for the whole form), a live plan shows
 * its stage, arms, guard chart and decision log, and cancelling asks first.
 */
import { ApiError, type FlagConfig, type ReleasePlan } from '@switchboard/api-client';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { EnvironmentRef } from '../model/environment';
import type { LiveFeed } from '../live';
import { ReleasePanel } from './release-panel';

const CONFIG = { environment: 'production', enabled: true, offVariant: 'off', version: 4 } as unknown as FlagConfig;

const PLAN: ReleasePlan = {
  id: '3f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b',
  flag: 'checkout',
  environment: 'production',
  status: 'running',
  variant: 'on',
  control: 'off',
  bucketBy: 'userId',
  stages: [{ percent: 10, minDurationSec: 600 }, { percent: 100 }],
  guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', tolerance: 0, minUnits: 300, action: 'rollback' }],
  stage: 0,
  stageStartedAt: new Date(Date.now() - 60_000).toISOString(),
  nextStageAt: new Date(Date.now() + 540_000).toISOString(),
  startAt: null,
  pausedReason: null,
  configVersion: 5,
  sampling: 1,
  arms: {
    treatment: { variant: 'on', exposures: 1000, events: { $error: { units: 100, rate: 0.1, mean: null } } },
    control: { variant: 'off', exposures: 9000, events: { $error: { units: 180, rate: 0.02, mean: null } } },
  },
  guardStats: [
    {
      event: '$error',
      verdict: 'regression',
      reason: 'treatment is worse beyond the bound',
      stats: {
        metric: 'rate',
        treatment: { units: 1000, value: 0.1, ciLow: 0.08, ciHigh: 0.12 },
        control: { units: 9000, value: 0.02, ciLow: 0.017, ciHigh: 0.023 },
        relativeChange: 4,
        relativeChangeCiLow: 2.9,
        relativeChangeCiHigh: 5.1,
        srmPValue: 0.6,
      },
    },
  ],
  decisions: [
    {
      at: new Date().toISOString(),
      stage: 0,
      action: 'start',
      reason: 'started by alice',
      actor: 'release plan 3f1c (by alice)',
      stats: null,
      configVersion: 5,
    },
  ],
  createdBy: 'alice',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
};

function setup(releasePlans: Partial<AdminApi['releasePlans']>, environment: EnvironmentRef = { key: 'production', name: 'Production' }) {
  const api = { releasePlans } as unknown as AdminApi;
  const live = { subscribe: () => () => {} } as unknown as LiveFeed;
  const toast = vi.fn();
  const value = { api, live, toast, environments: [], environment: 'production' } as unknown as AppContextValue;
  const user = userEvent.setup();
  render(
    <AppContext.Provider value={value}>
      <ReleasePanel flagKey="checkout" environment={environment} config={CONFIG} variants={['on', 'off']} />
    </AppContext.Provider>,
  );
  return { user, toast };
}

const notFound = () => new ApiError({ status: 404, code: 'NOT_FOUND', message: 'Flag "checkout" has no release plan in "production"' });

describe('ReleasePanel', () => {
  it('starts a plan with the form as the body', async () => {
    const put = vi.fn(async () => PLAN);
    const { user } = setup({ get: vi.fn(async () => Promise.reject(notFound())), put });
    await user.click(await screen.findByRole('button', { name: 'Plan a release' }));
    const form = screen.getByRole('form', { name: 'New release plan' });
    await user.selectOptions(within(form).getByLabelText('Stages', { selector: 'select' }), 'quick');
    await user.clear(within(form).getByLabelText('Min users per arm'));
    await user.type(within(form).getByLabelText('Min users per arm'), '500');
    await user.click(within(form).getByRole('button', { name: 'Start release plan' }));
    expect(put).toHaveBeenCalledWith('checkout', 'production', {
      variant: 'on',
      stages: [{ percent: 10, minDurationSec: 600 }, { percent: 50, minDurationSec: 600 }, { percent: 100 }],
      guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', tolerance: 0.1, minUnits: 500, action: 'rollback' }],
    });
    await screen.findByText('1 of 2: 10 % get on');
  });

  it('asks before starting in a protected environment, whatever its name', async () => {
    const put = vi.fn(async () => ({ ...PLAN, environment: 'live' }));
    const { user } = setup({ get: vi.fn(async () => Promise.reject(notFound())), put }, { key: 'live', name: 'Live', protected: true });
    await user.click(await screen.findByRole('button', { name: 'Plan a release' }));
    const form = screen.getByRole('form', { name: 'New release plan' });
    await user.click(within(form).getByRole('button', { name: 'Start release plan' }));
    const dialog = await screen.findByRole('dialog', { name: 'Start the release of checkout in Live?' });
    expect(put).not.toHaveBeenCalled();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(put).not.toHaveBeenCalled();
    await user.click(within(form).getByRole('button', { name: 'Start release plan' }));
    await user.click(await screen.findByRole('button', { name: 'Start in Live' }));
    await waitFor(() => expect(put).toHaveBeenCalledTimes(1));
    expect(put).toHaveBeenCalledWith('checkout', 'live', expect.objectContaining({ variant: 'on' }));
  });

  it('shows a server error beside the field it names, and one without an input for the whole form', async () => {
    const put = vi
      .fn()
      .mockRejectedValueOnce(
        new ApiError({ status: 400, code: 'VALIDATION_FAILED', message: 'must be at most 100', field: '/stages/1/percent' }),
      )
      .mockRejectedValueOnce(
        new ApiError({ status: 409, code: 'CONFLICT', message: '"checkout" is off in "production"', field: 'enabled' }),
      );
    const { user } = setup({ get: vi.fn(async () => Promise.reject(notFound())), put });
    await user.click(await screen.findByRole('button', { name: 'Plan a release' }));
    const form = screen.getByRole('form', { name: 'New release plan' });
    await user.click(within(form).getByRole('button', { name: 'Start release plan' }));
    await within(form).findByText('must be at most 100');
    expect(within(form).getByLabelText('Stage 2 percent').getAttribute('aria-invalid')).toBe('true');
    await user.click(within(form).getByRole('button', { name: 'Start release plan' }));
    await within(form).findByText('enabled: "checkout" is off in "production"');
  });

  it('shows the live plan: stage, arms, the guard chart and the decision log; pauses, and cancels only after asking', async () => {
    const pause = vi.fn(async () => ({ ...PLAN, status: 'paused' as const, pausedReason: 'paused by alice' }));
    const cancel = vi.fn(async () => ({ ...PLAN, status: 'cancelled' as const }));
    const { user } = setup({ get: vi.fn(async () => PLAN), pause, cancel });
    await screen.findByText('1 of 2: 10 % get on');
    expect(screen.getByText('Regression')).toBeTruthy();
    expect(screen.getByRole('img', { name: /\$error rate per arm/ }).getAttribute('aria-label')).toBe(
      '$error rate per arm with confidence intervals: on 10 % (8 % to 12 %), 1,000 units; off 2 % (1.7 % to 2.3 %), 9,000 units',
    );
    expect(screen.getByText(/Relative change \+400 % \(\+290 to \+510 %\)/)).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Decision log' })).getByText('started by alice')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Pause' }));
    expect(pause).toHaveBeenCalledWith('checkout', 'production');
    await screen.findByText('paused by alice');
    await user.click(screen.getByRole('button', { name: 'Cancel plan' }));
    expect(cancel).not.toHaveBeenCalled();
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel plan' }));
    await waitFor(() => expect(cancel).toHaveBeenCalledWith('checkout', 'production'));
    await screen.findByRole('button', { name: 'New release plan' });
  });

  it('keeps the statistics that decided a rollback on screen after the plan ended', async () => {
    const stats = (PLAN.guardStats[0] as { stats: unknown }).stats;
    const rolledBack: ReleasePlan = {
      ...PLAN,
      status: 'rolled_back',
      nextStageAt: null,
      guardStats: [],
      decisions: [
        ...PLAN.decisions,
        {
          at: new Date().toISOString(),
          stage: 0,
          action: 'rollback',
          reason: 'guard $error (rate, worse when higher): worse beyond the bound',
          actor: 'release plan 3f1c (by alice)',
          stats,
          configVersion: 6,
        },
      ],
    };
    setup({ get: vi.fn(async () => rolledBack) });
    await screen.findByRole('heading', { name: 'What decided the rollback' });
    expect(screen.getByRole('img', { name: /\$error rate per arm/ }).getAttribute('aria-label')).toMatch(/^\$error rate per arm.*on 10 %/);
    expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
    expect(screen.getByRole('button', { name: 'New release plan' })).toBeTruthy();
  });
});
