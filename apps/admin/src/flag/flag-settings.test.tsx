/**
 * Flag settings when another operator saves meanwhile: reapplying keeps only what this
 * operator changed, on top of the newer version, and never writes back their old values.
 */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import type { FlagView } from '../api/types';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { FlagSettings } from './flag-settings';

function flag(overrides: Partial<FlagView> = {}): FlagView {
  return {
    key: 'new-checkout',
    name: 'New checkout',
    description: 'The old description',
    type: 'boolean',
    variants: { on: true, off: false },
    clientSide: false,
    tags: ['checkout'],
    owner: null,
    temporary: true,
    archived: false,
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function context(api: Partial<ApiClient>): AppContextValue {
  return {
    api: api as ApiClient,
    live: { subscribe: () => () => {} } as unknown as LiveFeed,
    environments: [],
    reloadEnvironments: async () => {},
    environment: 'production',
    setEnvironment: () => {},
    toast: () => {},
    signOut: () => {},
  };
}

describe('flag settings on a stale version', () => {
  it('"Reload and reapply my changes" sends only my edits, not their fields reverted', async () => {
    const user = userEvent.setup();
    const v2 = flag({ version: 2, description: 'Bob wrote this', tags: ['checkout', 'payments'] });
    const patch = vi.fn(async (_path: string, body: Record<string, unknown>, _version?: number) => ({ ...v2, ...body, version: 3 }));
    const ctx = context({ patch: patch as unknown as ApiClient['patch'] });
    const props = { onSaved: () => {}, reload: async () => undefined };
    const { rerender } = render(
      <AppContext.Provider value={ctx}>
        <FlagSettings flag={flag()} {...props} />
      </AppContext.Provider>,
    );
    const name = screen.getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'Checkout v2');

    // Bob saves version 2 (another description and tag); the live feed brings it in.
    rerender(
      <AppContext.Provider value={ctx}>
        <FlagSettings flag={v2} {...props} />
      </AppContext.Provider>,
    );
    const notice = screen.getByRole('alert');
    await user.click(within(notice).getByRole('button', { name: 'Reload and reapply my changes' }));
    expect(screen.getByLabelText('Name')).toHaveProperty('value', 'Checkout v2');
    expect(screen.getByLabelText('Description')).toHaveProperty('value', 'Bob wrote this');
    await user.click(screen.getByRole('button', { name: /Save settings/ }));
    expect(patch).toHaveBeenCalledTimes(1);
    expect(patch.mock.calls[0]![1]).toEqual({ name: 'Checkout v2' });
    expect(patch.mock.calls[0]![2]).toBe(2);
  });
});

describe('flag settings errors from the API', () => {
  it('shows a 400 naming tags[1] beside the Tags input', async () => {
    const user = userEvent.setup();
    const patch = vi.fn(async () => {
      throw new ApiError(400, { code: 'VALIDATION_FAILED', message: 'tags[1] must NOT have more than 64 characters', field: 'tags[1]', requestId: 'r1' });
    });
    render(
      <AppContext.Provider value={context({ patch: patch as unknown as ApiClient['patch'] })}>
        <FlagSettings flag={flag()} onSaved={() => {}} reload={async () => undefined} />
      </AppContext.Provider>,
    );
    await user.type(screen.getByLabelText('Tags'), `, ${'t'.repeat(70)}`);
    await user.click(screen.getByRole('button', { name: /Save settings/ }));
    expect(patch).toHaveBeenCalledTimes(1);
    expect(screen.getByLabelText('Tags').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('tags[1] must NOT have more than 64 characters')).toBeTruthy();
  });

  it('shows a 400 naming a checkbox (clientSide) as a form error rather than nowhere', async () => {
    const user = userEvent.setup();
    const patch = vi.fn(async () => {
      throw new ApiError(400, { code: 'VALIDATION_FAILED', message: 'A rule tests private attribute email with startsWith', field: 'clientSide', requestId: 'r2' });
    });
    render(
      <AppContext.Provider value={context({ patch: patch as unknown as ApiClient['patch'] })}>
        <FlagSettings flag={flag()} onSaved={() => {}} reload={async () => undefined} />
      </AppContext.Provider>,
    );
    await user.click(screen.getByRole('checkbox', { name: /Client-side/ }));
    await user.click(screen.getByRole('button', { name: /Save settings/ }));
    expect(screen.getByText('A rule tests private attribute email with startsWith')).toBeTruthy();
  });
});
