/** What every page needs: the API client, the live feed, environments, toasts. */
import { createContext, useContext } from 'react';
import type { AdminApi } from './api/client';
import type { Environment } from '@switchboard/api-client';
import type { LiveFeed } from './live';

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  text: string;
}

export interface AppContextValue {
  api: AdminApi;
  live: LiveFeed;
  environments: Environment[];
  reloadEnvironments(): Promise<void>;
  /** The environment every page shows: the URL's `?env=` (empty while the environments load). */
  environment: string;
  /** Moves to `env` by changing the URL, like following a link. */
  setEnvironment(env: string): void;
  toast(tone: Toast['tone'], text: string): void;
  signOut(): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside <AppContext.Provider>');
  return ctx;
}
