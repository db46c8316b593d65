/**
 * The kill switch against a stand-in API: a protected environment asks whatever its name
 * (`live`), an unprotected one named like production (`prd`) doesn't; after a confirmed
 * write and after a failed one the focus is still on the switch, and a failure says nothing
 * changed, shows the request id and retries.
 */
import { ApiError, type FlagConfig } from '@switchboard/api-client';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import type { EnvironmentRef } from '../model/environment';
import { KillSwitch } from './kill-switch';

const CONFIG = {
  environment: 'live',
  enabled: true,
  offVariant: 'off',
  version: 4,
  updatedAt: new Date().toISOString(),
} as unknown as FlagConfig;

function setup(environment: EnvironmentRef, patch: AdminApi['configs']['patch']) {
  const api = { configs: { patch } } as unknown as AdminApi;
  const live = { subscribe: () => () => {} } as unknown as LiveFeed;
  const toast = vi.fn();
  const value = { api, live, toast, environments: [], environment: environment.key } as unknown as AppContextValue;
  function Harness() {
    const [config, setConfig] = useState({ ...CONFIG, environment: environment.key });
    return <KillSwitch flagKey="checkout" config={config} environment={environment} onSaved={setConfig} reload={async () => config} />;
  }
  const user = userEvent.setup();
  render(
    <AppContext.Provider value={value}>
      <Harness />
    </AppContext.Provider>,
  );
  return { user, toast };
}

const turnedOff = (env: string): AdminApi['configs']['patch'] =>
  vi.fn(async () => ({ ...CONFIG, environment: env, enabled: false, version: 5 })) as unknown as AdminApi['configs']['patch'];

describe('KillSwitch', () => {
  it('asks in a protected environment named "live", and keeps the focus on the switch after confirming', async () => {
    const patch = turnedOff('live');
    const { user, toast } = setup({ key: 'live', name: 'Live', protected: true }, patch);
    const sw = screen.getByRole('switch', { name: 'Turn off in Live' });
    await user.click(sw);
    const dialog = await screen.findByRole('dialog', { name: 'Turn off checkout in Live?' });
    expect(patch).not.toHaveBeenCalled();
    // Cancel holds the focus, so an Enter pressed out of habit never confirms.
    expect(document.activeElement?.textContent).toBe('Cancel');
    await user.click(screen.getByRole('button', { name: 'Turn off in Live' }));
    await screen.findByRole('switch', { name: 'Turn on in Live' });
    expect(patch).toHaveBeenCalledWith('checkout', 'live', { enabled: false }, { ifMatch: 4 });
    expect(toast).toHaveBeenCalledWith('success', 'checkout is off in Live (version 5).');
    expect(dialog.hasAttribute('open')).toBe(false);
    expect(document.activeElement).toBe(screen.getByRole('switch', { name: 'Turn on in Live' }));
  });

  it('does not ask in an unprotected environment, whatever its name', async () => {
    const patch = turnedOff('prd');
    const { user } = setup({ key: 'prd', name: 'prd', protected: false }, patch);
    await user.click(screen.getByRole('switch', { name: 'Turn off in prd' }));
    await screen.findByRole('switch', { name: 'Turn on in prd' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(patch).toHaveBeenCalledTimes(1);
  });

  it('after a failed write: focus stays, it says nothing changed, shows the request id and retries', async () => {
    let calls = 0;
    const patch = vi.fn(async () => {
      calls += 1;
      if (calls === 1)
        throw new ApiError({ status: 503, code: 'UNAVAILABLE', message: 'The database did not answer in time.', requestId: 'req-7f3a' });
      return { ...CONFIG, environment: 'staging', enabled: false, version: 5 };
    }) as unknown as AdminApi['configs']['patch'];
    const { user } = setup({ key: 'staging', name: 'Staging', protected: false }, patch);
    const sw = screen.getByRole('switch', { name: 'Turn off in Staging' });
    await user.click(sw);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Turning off checkout in Staging failed. Nothing was changed.');
    expect(alert.textContent).toContain('The database did not answer in time.');
    expect(alert.textContent).toContain('req-7f3a');
    expect(document.activeElement).toBe(sw);
    expect(sw.getAttribute('aria-checked')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Try again: turn off in Staging' }));
    await screen.findByRole('switch', { name: 'Turn on in Staging' });
    expect(patch).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
  });

  it('says it may not know when no answer came back', async () => {
    const patch = vi.fn(async () => {
      throw new ApiError({ status: 0, code: 'NETWORK', message: 'cannot connect' });
    }) as unknown as AdminApi['configs']['patch'];
    const { user } = setup({ key: 'staging', name: 'Staging' }, patch);
    await user.click(screen.getByRole('switch', { name: 'Turn off in Staging' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('may or may not have been saved');
    expect(alert.textContent).not.toContain('Nothing was changed');
  });
});
