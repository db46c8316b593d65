/** Unsaved targeting edits are not dropped by following a link (another environment, another page) without asking. */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client';
import type { ConfigView, FlagView } from '../api/types';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { Link } from '../router';
import { TargetingForm } from './targeting-form';

const config: ConfigView = {
  flag: 'new-checkout',
  environment: 'production',
  version: 4,
  enabled: true,
  offVariant: 'off',
  fallthrough: { variant: 'off' },
  rules: [],
  prerequisites: [],
  salt: 'new-checkout',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const flag: FlagView = {
  key: 'new-checkout',
  name: 'New checkout',
  description: '',
  type: 'boolean',
  variants: { on: true, off: false },
  clientSide: false,
  tags: [],
  owner: null,
  temporary: true,
  archived: false,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

function renderForm() {
  const ctx: AppContextValue = {
    api: {} as ApiClient,
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
      <Link to="/flags/new-checkout?env=staging">Staging</Link>
      <TargetingForm
        flag={flag}
        environment={{ key: 'production', name: 'Production' }}
        config={config}
        flags={{}}
        segments={[]}
        onSaved={() => {}}
        reload={async () => undefined}
      />
    </AppContext.Provider>,
  );
}

beforeEach(() => window.history.replaceState(null, '', '/flags/new-checkout?env=production'));
const originalConfirm = window.confirm;
/** Stands in for the browser's confirmation prompt (happy-dom has none). */
function stubConfirm(answer: boolean) {
  const fn = vi.fn((_message?: string) => answer);
  window.confirm = fn;
  return fn;
}
afterEach(() => {
  window.confirm = originalConfirm;
  window.history.replaceState(null, '', '/');
});

describe('targeting form with unsaved changes', () => {
  it('asks before a link leaves the page, and stays when the operator says no', async () => {
    const user = userEvent.setup();
    const confirm = stubConfirm(false);
    renderForm();
    await user.type(screen.getByLabelText('Bucketing salt'), '-v2');
    await user.click(screen.getByRole('link', { name: 'Staging' }));
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(confirm.mock.calls[0]![0]).toContain('Your changes to the targeting in Production are not saved.');
    expect(window.location.search).toBe('?env=production');
    expect(screen.getByLabelText('Bucketing salt')).toHaveProperty('value', 'new-checkout-v2');

    confirm.mockReturnValue(true);
    await user.click(screen.getByRole('link', { name: 'Staging' }));
    expect(window.location.search).toBe('?env=staging');
  });

  it('does not ask when nothing is unsaved', async () => {
    const user = userEvent.setup();
    const confirm = stubConfirm(false);
    renderForm();
    await user.click(screen.getByRole('link', { name: 'Staging' }));
    expect(confirm).not.toHaveBeenCalled();
    expect(window.location.search).toBe('?env=staging');
  });
});
