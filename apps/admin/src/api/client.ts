/**
 * The admin API as this UI uses it: `@switchboard/api-client` with the session's key, a
 * request id on every write (so the live feed can tell this tab's changes from others'),
 * and a 401 reported to the session.
 */
import { createAdminClient, isApiError, type AdminClient, type HttpMethod } from '@switchboard/api-client';
import type { Credential } from '../session';

export { isApiError, type ApiError } from '@switchboard/api-client';

export interface AdminApi extends AdminClient {
  /** True when the audit event with this request id was written from this tab. */
  isOwnWrite(requestId: string | null | undefined): boolean;
}

/** Request ids remembered; the live feed only ever looks at recent ones. */
const OWN_WRITES_KEPT = 500;

export function createAdminApi(
  /** An admin key, or the signed-in session (its cookie goes along by itself; writes add its CSRF token). */
  credential: string | Credential,
  /** Called on a 401 with the refused request's method: a write that got one was not saved. */
  onUnauthorized: (method: HttpMethod) => void = () => {},
  baseUrl = '',
): AdminApi {
  const ownWrites = new Set<string>();
  const client = createAdminClient({
    baseUrl,
    token: typeof credential === 'string' ? credential : 'key' in credential ? credential.key : null,
    cache: 'no-store',
    headers: (method): Record<string, string> => {
      if (method === 'GET') return {};
      const id = `ui-${randomId()}`;
      ownWrites.add(id);
      if (ownWrites.size > OWN_WRITES_KEPT) ownWrites.delete(ownWrites.values().next().value as string);
      const headers: Record<string, string> = { 'x-request-id': id };
      if (typeof credential === 'object' && 'csrfToken' in credential) headers['x-csrf-token'] = credential.csrfToken;
      return headers;
    },
    onError: (err, method) => {
      if (err.status === 401) onUnauthorized(method);
    },
  });
  return { ...client, isOwnWrite: (requestId) => requestId !== null && requestId !== undefined && ownWrites.has(requestId) };
}

export function errorMessage(err: unknown): string {
  if (isApiError(err) && err.code === 'NETWORK') return 'The server could not be reached. Check your connection and try again.';
  if (err instanceof Error) return err.message;
  return String(err);
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
