/**
 * Editing a segment while another operator edits it too: a save of ours is not mistaken
 * for theirs, a stale save (412) brings in the newer version, and reapplying keeps only
 * what we changed on top of it.
 */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import type { SegmentView } from '../api/types';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { SegmentsPage } from './segments-page';

function segment(overrides: Partial<SegmentView> = {}): SegmentView {
  return {
    key: 'beta-testers',
    name: 'Beta testers',
    description: '',
    included: ['user-1'],
    excluded: [],
    conditions: [],
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function renderPage(api: Partial<ApiClient>) {
  const ctx: AppContextValue = {
    api: api as ApiClient,
    live: { subscribe: () => () => {} } as unknown as LiveFeed,
    environments: [],
    reloadEnvironments: async () => {},
    environment: 'production',
    setEnvironment: () => {},
    toast: () => {},
    signOut: () => {},
  };
  return render(
    <AppContext.Provider value={ctx}>
      <SegmentsPage />
    </AppContext.Provider>,
  );
}

beforeEach(() => window.history.replaceState(null, '', '/segments?segment=beta-testers'));
afterEach(() => window.history.replaceState(null, '', '/'));

describe('segment editor and other operators', () => {
  it('does not report our own save as someone else\'s newer version', async () => {
    const user = userEvent.setup();
    const get = vi.fn(async () => ({ segments: [segment()] }));
    const patch = vi.fn(async (_p: string, body: Record<string, unknown>) => segment({ ...(body as Partial<SegmentView>), version: 2 }));
    renderPage({ get: get as unknown as ApiClient['get'], patch: patch as unknown as ApiClient['patch'] });
    await user.type(await screen.findByLabelText('Description'), 'People who asked');
    await user.click(screen.getByRole('button', { name: 'Save segment' }));
    await screen.findByText('Editing version 2');
    expect(screen.queryByText(/was saved by someone else/)).toBeNull();
  });

  it('on a stale save, shows the newer version and reapplies only our edits', async () => {
    const user = userEvent.setup();
    const theirs = segment({ version: 2, included: ['user-1', 'user-3'] });
    let listed = segment();
    const get = vi.fn(async () => ({ segments: [listed] }));
    const patch = vi
      .fn()
      .mockImplementationOnce(async () => {
        // Someone saved version 2 meanwhile; the live feed has not told us yet.
        listed = theirs;
        throw new ApiError(412, { code: 'PRECONDITION_FAILED', message: 'Version 1 is stale' }, 2);
      })
      .mockImplementation(async (_p: string, body: Record<string, unknown>) => segment({ ...(body as Partial<SegmentView>), version: 3 }));
    renderPage({ get: get as unknown as ApiClient['get'], patch: patch as unknown as ApiClient['patch'] });
    await user.type(await screen.findByLabelText('Description'), 'People who asked');
    await user.click(screen.getByRole('button', { name: 'Save segment' }));
    const notice = (await screen.findByText(/Version 2 of this segment was saved by someone else/)).closest('[role="alert"]') as HTMLElement;
    await user.click(within(notice).getByRole('button', { name: 'Reload and reapply my changes' }));
    expect(screen.getByLabelText('Description')).toHaveProperty('value', 'People who asked');
    await user.click(screen.getByRole('button', { name: 'Save segment' }));
    expect(patch).toHaveBeenCalledTimes(2);
    expect(patch.mock.calls[1]![1]).toMatchObject({ description: 'People who asked', included: ['user-1', 'user-3'] });
    expect(patch.mock.calls[1]![2]).toBe(2);
  });
});
