/** Creating a flag: an error the API names by a list item (`tags[0]`) shows beside that input, never nowhere. */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { NewFlagDialog } from './new-flag-dialog';

function renderDialog(api: Partial<ApiClient>) {
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
      <NewFlagDialog open onClose={() => {}} />
    </AppContext.Provider>,
  );
}

describe('new flag dialog', () => {
  it('shows a 400 naming tags[0] beside the Tags input, keeping what was typed', async () => {
    const user = userEvent.setup();
    const longTag = `team-${'x'.repeat(70)}`;
    const post = vi.fn(async () => {
      throw new ApiError(400, { code: 'VALIDATION_FAILED', message: 'tags[0] must NOT have more than 64 characters', field: 'tags[0]', requestId: 'r1' });
    });
    renderDialog({ post: post as unknown as ApiClient['post'] });
    await user.type(screen.getByLabelText('Key'), 'new-checkout');
    await user.type(screen.getByLabelText('Tags'), longTag);
    await user.click(screen.getByRole('button', { name: 'Create flag' }));
    expect(post).toHaveBeenCalledTimes(1);
    const tags = screen.getByLabelText('Tags');
    expect(tags.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('tags[0] must NOT have more than 64 characters')).toBeTruthy();
    expect(tags).toHaveProperty('value', longTag);
  });

  it('shows an error on a field the dialog has no input for as a form error', async () => {
    const user = userEvent.setup();
    const post = vi.fn(async () => {
      throw new ApiError(400, { code: 'VALIDATION_FAILED', message: 'Unexpected end of JSON input', field: 'body', requestId: 'r2' });
    });
    renderDialog({ post: post as unknown as ApiClient['post'] });
    await user.type(screen.getByLabelText('Key'), 'new-checkout');
    await user.click(screen.getByRole('button', { name: 'Create flag' }));
    expect(screen.getByText('Unexpected end of JSON input')).toBeTruthy();
  });
});
