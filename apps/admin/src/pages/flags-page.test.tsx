/**
 * The flags list against a stand-in API: it asks for pages with the filters, appends the next
 * page, and a page that fails waits for the reader's retry instead of being asked for again
 * on every render.
 */
import { ApiError, type Flag } from '@switchboard/api-client';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdminApi } from '../api/client';
import { AppContext, type AppContextValue } from '../app-context';
import type { LiveFeed } from '../live';
import { FLAG_PAGE_SIZE, FlagsPage } from './flags-page';

function flag(i: number): Flag {
  const key = `flag-${String(i).padStart(4, '0')}`;
  return {
    key,
    name: key,
    description: '',
    type: 'boolean',
    variants: { on: true, off: false },
    clientSide: false,
    privateAttributes: [],
    tags: [],
    owner: null,
    temporary: true,
    archived: false,
    version: 1,
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
    summary: {
      environment: 'production',
      enabled: false,
      version: 1,
      offVariant: 'off',
      fallthrough: { variant: 'off' },
      rollout: null,
      ruleCount: 0,
      updatedAt: '2026-03-01T12:00:00.000Z',
      lastChange: null,
    },
  };
}

type ListQuery = Parameters<AdminApi['flags']['list']>[0];

function setup(list: (query: ListQuery, signal?: AbortSignal) => Promise<unknown>) {
  const calls: ListQuery[] = [];
  const api = {
    flags: {
      list: vi.fn((query: ListQuery, opts?: { signal?: AbortSignal }) => {
        calls.push(query);
        return list(query, opts?.signal);
      }),
    },
  } as unknown as AdminApi;
  const live = { subscribe: () => () => {} } as unknown as LiveFeed;
  const environments = [{ key: 'production', name: 'Production', revision: 1, createdAt: '' }];
  const value = { api, live, toast: vi.fn(), environments, environment: 'production' } as unknown as AppContextValue;
  render(
    <AppContext.Provider value={value}>
      <FlagsPage />
    </AppContext.Provider>,
  );
  return { calls, user: userEvent.setup() };
}

const TOTAL = FLAG_PAGE_SIZE + 20;
const page = (from: number, count: number, nextCursor: string | null) => ({
  flags: Array.from({ length: count }, (_, i) => flag(from + i)),
  nextCursor,
  total: TOTAL,
});

beforeEach(() => window.history.replaceState(null, '', '/flags'));

describe('FlagsPage', () => {
  it('asks for the first page with the filters, then the next one with its cursor', async () => {
    window.history.replaceState(null, '', '/flags?tag=checkout');
    const { calls } = setup(async (q) => (q?.cursor ? page(FLAG_PAGE_SIZE, 20, null) : page(0, FLAG_PAGE_SIZE, 'c1')));
    await waitFor(() => expect(screen.getByRole('table').getAttribute('aria-rowcount')).toBe(String(TOTAL + 1)), { timeout: 5_000 });
    expect(calls[0]).toMatchObject({ environment: 'production', tag: 'checkout', limit: FLAG_PAGE_SIZE });
    await waitFor(() => expect(calls).toHaveLength(2), { timeout: 5_000 });
    expect(calls[1]).toMatchObject({ tag: 'checkout', cursor: 'c1', limit: FLAG_PAGE_SIZE });
    // Everything loaded: the count line says so and offers no more.
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`${TOTAL} flags`), { timeout: 5_000 });
    expect(screen.queryByRole('button', { name: /Load more flags/ })).toBeNull();
  });

  it('a page that fails says so and is asked for again only when the reader retries', async () => {
    let fail = true;
    const { calls, user } = setup(async (q) => {
      if (!q?.cursor) return page(0, FLAG_PAGE_SIZE, 'c1');
      if (fail) throw new ApiError({ status: 503, code: 'UNAVAILABLE', message: 'The database did not answer in time' });
      return page(FLAG_PAGE_SIZE, 20, null);
    });
    await screen.findByRole('alert', {}, { timeout: 5_000 });
    expect(screen.getByRole('alert').textContent).toContain('The database did not answer in time');
    const asked = calls.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toHaveLength(asked);
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe(`${TOTAL} flags`), { timeout: 5_000 });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('asks the server on every keystroke, keeps the rows shown until the answer, and never draws an overtaken answer', async () => {
    const pending = new Map<string, { resolve: (v: unknown) => void; signal: AbortSignal | undefined }>();
    const { calls, user } = setup((q, signal) => {
      if (!q?.q) return Promise.resolve(page(0, 3, null));
      return new Promise((resolve) => pending.set(q.q!, { resolve, signal }));
    });
    await screen.findByText('flag-0000', {}, { timeout: 5_000 });
    const input = screen.getByRole('searchbox', { name: 'Search flags' });
    await user.type(input, 'a');
    await waitFor(() => expect(pending.has('a')).toBe(true));
    await user.type(input, 'b');
    await waitFor(() => expect(pending.has('ab')).toBe(true));
    // No debounce: both keystrokes asked; the first request is aborted by the second.
    expect(calls.map((c) => c?.q)).toEqual([undefined, 'a', 'ab']);
    expect(pending.get('a')!.signal?.aborted).toBe(true);
    // Until the answer arrives the previous rows stay, marked busy.
    expect(screen.getByText('flag-0000')).toBeTruthy();
    expect(screen.getByRole('table').getAttribute('aria-busy')).toBe('true');
    // The newer answer lands first, then the overtaken one: only the newer is drawn.
    pending.get('ab')!.resolve({ flags: [flag(600)], nextCursor: null, total: 1 });
    await screen.findByText('flag-0600', {}, { timeout: 5_000 });
    pending.get('a')!.resolve({ flags: [flag(500)], nextCursor: null, total: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByText('flag-0500')).toBeNull();
    expect(screen.queryByText('flag-0000')).toBeNull();
    expect(screen.getByText('flag-0600')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('1 flag');
  });
});
