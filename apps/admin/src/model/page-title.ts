/**
 * The document title of each route, so browser tabs, history and screen readers tell pages
 * apart. Pages that show one environment name it: two tabs on one flag differ by environment.
 */
import { match } from '../router';

const TITLES: Record<string, string> = {
  '/flags': 'Flags',
  '/segments': 'Segments',
  '/environments': 'Environments',
  '/api-keys': 'API keys',
  '/webhooks': 'Webhooks',
  '/audit': 'Audit log',
  '/compare': 'Compare environments',
  '/change-requests': 'Change requests',
};

/** Routes whose content depends on the picked environment. */
const BY_ENVIRONMENT = new Set(['/flags']);

export function pageTitle(path: string, environment: { name: string; protected?: boolean | undefined } | undefined): string {
  const env = environment ? `${environment.name}${environment.protected ? ' (protected)' : ''}` : undefined;
  const flag = match('/flags/:key', path);
  if (flag) return [flag.key, env, 'Switchboard'].filter(Boolean).join(' · ');
  const request = match('/change-requests/:id', path);
  if (request) return `Change request #${request.id} · Switchboard`;
  const title = TITLES[path];
  if (!title) return 'Page not found · Switchboard';
  return [title, BY_ENVIRONMENT.has(path) ? env : undefined, 'Switchboard'].filter(Boolean).join(' · ');
}
