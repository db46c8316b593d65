/** A small history router: real paths (the server falls back to index.html), query in the URL. */
import { useEffect, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const NAVIGATE = 'switchboard:navigate';

/** Messages of forms with unsaved changes; moving to another page asks first while any is set. */
const unsaved = new Set<{ message: string }>();

/**
 * While `dirty`, moving to another page in the app (links, not replacing the URL) and
 * closing or reloading the tab ask first, so unsaved edits are not dropped silently.
 */
export function useUnsavedChanges(dirty: boolean, message: string): void {
  useEffect(() => {
    if (!dirty) return;
    const entry = { message };
    unsaved.add(entry);
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = message;
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      unsaved.delete(entry);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [dirty, message]);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const q = href.indexOf('?');
  return { path: q === -1 ? href : href.slice(0, q), query: new URLSearchParams(q === -1 ? '' : href.slice(q)) };
}

/** Encodes one variable part of an app link (`/flags/${enc(key)}`). */
export const enc = encodeURIComponent;

/** Goes to `to`; false when the operator chose to stay (unsaved changes). */
export function navigate(to: string, options: { replace?: boolean } = {}): boolean {
  if (to === snapshot()) return true;
  if (!options.replace && unsaved.size > 0) {
    const first = unsaved.values().next().value!;
    if (!window.confirm(`${first.message}\n\nLeave this page and lose them?`)) return false;
  }
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
  return true;
}

/** Replaces some query parameters of the current URL (undefined or '' removes one). */
export function setQuery(params: Record<string, string | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  navigate(`${window.location.pathname}${s ? `?${s}` : ''}`, options);
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  /** After the page changed (not when the operator chose to keep unsaved changes). */
  onNavigate?(): void;
}

export function Link({ to, onClick, onNavigate, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (navigate(to)) onNavigate?.();
  };
  return <a href={to} onClick={handle} {...rest} />;
}

/** Matches `/flags/:key`-style patterns; returns the decoded params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    const seg = s[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(seg);
      } catch {
        return null;
      }
    } else if (part !== seg) return null;
  }
  return params;
}
