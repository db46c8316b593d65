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

/**
 * How this tab is signed in: an admin key it holds, or a session cookie it cannot read
 * (HttpOnly), whose writes carry the CSRF token the server gave at sign-in.
 */
export type Credential = { key: string } | { csrfToken: string; name: string };

interface SessionAnswer {
  name: string;
  csrfToken: string | null;
}

async function auth<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T | null }> {
  const res = await fetch(`/api/auth${path}`, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = res.status === 204 ? '' : await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed as T | null };
}

function failure(answer: { status: number; body: unknown }): Error {
  const message = (answer.body as { error?: { message?: string } } | null)?.error?.message;
  return new Error(message ?? `The server answered ${answer.status}`);
}

/** The session the browser's cookie holds, if any. */
export async function currentSession(): Promise<Credential | null> {
  try {
    const answer = await auth<SessionAnswer>('GET', '/session');
    if (answer.status !== 200 || !answer.body?.csrfToken) return null;
    return { csrfToken: answer.body.csrfToken, name: answer.body.name };
  } catch {
    return null;
  }
}

export async function signInMethods(): Promise<{ password: boolean; oidc: boolean }> {
  const answer = await auth<{ password: boolean; oidc: boolean }>('GET', '/methods');
  return answer.body ?? { password: true, oidc: false };
}

export async function signInWithPassword(email: string, password: string): Promise<Credential> {
  const answer = await auth<SessionAnswer>('POST', '/sign-in', { email, password });
  if (answer.status !== 200 || !answer.body?.csrfToken) throw failure(answer);
  return { csrfToken: answer.body.csrfToken, name: answer.body.name };
}

export async function acceptInvitation(token: string, password: string, name?: string): Promise<Credential> {
  const answer = await auth<SessionAnswer>('POST', '/invitation', { token, password, ...(name ? { name } : {}) });
  if (answer.status !== 200 || !answer.body?.csrfToken) throw failure(answer);
  return { csrfToken: answer.body.csrfToken, name: answer.body.name };
}

export async function endSession(): Promise<void> {
  await auth('POST', '/sign-out').catch(() => undefined);
}
