/** The admin key lives in session storage: gone when the tab closes or on sign-out. */
const STORAGE_KEY = 'switchboard.adminKey';
const ENV_KEY = 'switchboard.environment';

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export function readAdminKey(): string | null {
  return storage()?.getItem(STORAGE_KEY) ?? null;
}

export function saveAdminKey(key: string): void {
  storage()?.setItem(STORAGE_KEY, key);
}

export function clearSession(): void {
  storage()?.removeItem(STORAGE_KEY);
  storage()?.removeItem(ENV_KEY);
}

/** The environment last looked at, so moving between pages keeps it. */
export function readEnvironment(): string | null {
  return storage()?.getItem(ENV_KEY) ?? null;
}

export function saveEnvironment(env: string): void {
  storage()?.setItem(ENV_KEY, env);
}
