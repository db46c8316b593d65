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
  /** The environment pages show by default (last picked). */
  environment: string;
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

export function isProduction(env: { key: string; name?: string } | undefined): boolean {
  return env !== undefined && (/prod/i.test(env.key) || /prod/i.test(env.name ?? ''));
}
