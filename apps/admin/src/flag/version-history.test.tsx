/**
 * Restoring from a flag's history writes against the version on screen (the one the
 * "Differences from current" compare with), so a change someone made meanwhile is
 * refused with a 412 instead of being overwritten unseen.
 */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { ApiClient } from '../api/client';
import type { ConfigVersion, ConfigView } from '../api/types';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { VersionHistory } from './version-history';

const fields = { offVariant: 'off', fallthrough: { variant: 'on' }, rules: [], prerequisites: [], salt: 'f' };
const onScreen: ConfigView = { flag: 'f', environment: 'production', version: 3, enabled: true, ...fields, updatedAt: '2026-01-01T00:00:00.000Z' };
const history: ConfigVersion[] = [
  { version: 3, createdAt: '2026-01-01T00:00:00.000Z', enabled: true, ...fields },
  { version: 2, createdAt: '2026-01-01T00:00:00.000Z', enabled: false, ...fields },
];

describe('version history', () => {
  it('restores with If-Match of the version shown, not one read just before writing', async () => {
    const user = userEvent.setup();
    const get = vi.fn(async (path: string) => {
      if (path.includes('/versions')) return { versions: history };
      // Another operator saved version 4 a moment ago; this page has not seen it.
      return { ...onScreen, version: 4, enabled: false };
    });
    const post = vi.fn(async () => ({ ...onScreen, version: 5 }));
    const ctx: AppContextValue = {
      api: { get, post } as unknown as ApiClient,
      live: { subscribe: () => () => {} } as unknown as LiveFeed,
      environments: [],
      reloadEnvironments: async () => {},
      environment: 'production',
      setEnvironment: () => {},
      toast: () => {},
      signOut: () => {},
    };
    render(
      <AppContext.Provider value={ctx}>
        <VersionHistory flagKey="f" environment={{ key: 'production', name: 'Production' }} config={onScreen} onRestored={() => {}} />
      </AppContext.Provider>,
    );
    await user.click(await screen.findByRole('button', { name: 'Restore v2' }));
    expect(post).toHaveBeenCalledTimes(1);
    expect(post.mock.calls[0]).toEqual(['/api/admin/flags/f/environments/production/restore', { version: 2 }, 3]);
  });
});
