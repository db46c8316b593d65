/** The app: sign-in gate, then the shell (navigation, environment, live status) around the pages. */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { createAdminApi } from './api/client';
import type { Environment } from '@switchboard/api-client';
import { AppContext, type AppContextValue, type Toast } from './app-context';
import { describeEvent, LiveFeed } from './live';
import { Link, match, navigate, setQuery, useLocation } from './router';
import {
  clearSession,
  currentSession,
  endSession,
  readAdminKey,
  readEnvironment,
  saveAdminKey,
  saveEnvironment,
  type Credential,
} from './session';
import { isProtected, resolveEnvironment, withEnvironment, type EnvironmentRef } from './model/environment';
import { pageTitle } from './model/page-title';
import type { ReactNode } from 'react';
import { SignInPage } from './pages/sign-in';
import { FlagsPage } from './pages/flags-page';
import { FlagPage } from './pages/flag-page';
import { SegmentsPage } from './pages/segments-page';
import { EnvironmentsPage } from './pages/environments-page';
import { ApiKeysPage } from './pages/api-keys-page';
import { InvitationPage } from './pages/invitation-page';
import { UsersPage } from './pages/users-page';
import { AuditPage } from './pages/audit-page';
import { ComparePage } from './pages/compare-page';
import { WebhooksPage } from './pages/webhooks-page';
import { ChangeRequestPage, ChangeRequestsPage } from './pages/change-requests-page';
import { ChangeReason } from './pages/change-reason';
import { Empty, ErrorState, Skeleton } from './components/page';

export function App() {
  const [credential, setCredential] = useState<Credential | null>(() => {
    const key = readAdminKey();
    return key ? { key } : null;
  });
  // A session cookie is HttpOnly: only the server can say whether this browser is signed in.
  const [checkingSession, setCheckingSession] = useState(credential === null);
  useEffect(() => {
    if (!checkingSession) return;
    void currentSession()
      .then((session) => session && setCredential(session))
      .finally(() => setCheckingSession(false));
  }, [checkingSession]);
  const [signedOutReason, setSignedOutReason] = useState<string | null>(null);
  const signOut = useCallback((reason?: string) => {
    clearSession();
    void endSession();
    setCredential(null);
    setSignedOutReason(reason ?? null);
    navigate('/', { replace: true });
  }, []);
  const signedIn = (next: Credential) => {
    if ('key' in next) saveAdminKey(next.key);
    setSignedOutReason(null);
    setCredential(next);
  };
  if (!credential) {
    if (checkingSession) return null;
    if (window.location.pathname === '/invitation') {
      document.title = 'Welcome · Switchboard';
      return <InvitationPage onSignedIn={signedIn} />;
    }
    document.title = 'Sign in · Switchboard';
    return <SignInPage notice={signedOutReason} onSignedIn={signedIn} />;
  }
  return <Shell key={'key' in credential ? credential.key : credential.csrfToken} credential={credential} signOut={signOut} />;
}

const NAV = [
  { to: '/flags', label: 'Flags' },
  { to: '/segments', label: 'Segments' },
  { to: '/environments', label: 'Environments' },
  { to: '/api-keys', label: 'API keys' },
  { to: '/users', label: 'People' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/change-requests', label: 'Change requests' },
  { to: '/audit', label: 'Audit log' },
  { to: '/compare', label: 'Compare' },
];

function Shell({ credential, signOut }: { credential: Credential; signOut: (reason?: string) => void }) {
  // A write refused this way did not happen (a kill switch included): the sign-in page must
  // say so, or an operator would believe it was applied.
  const api = useMemo(
    () =>
      createAdminApi(credential, (method) =>
        signOut(
          `Your session ended: the admin key was refused (revoked or wrong).${method === 'GET' ? '' : ' Your last change was NOT saved: make it again after signing in.'} Sign in again.`,
        ),
      ),
    [credential, signOut],
  );
  const live = useMemo(() => new LiveFeed(api), [api]);
  const [environments, setEnvironments] = useState<Environment[]>([]);
  const [envLoaded, setEnvLoaded] = useState(false);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toastId = useRef(0);
  const location = useLocation();

  const toast = useCallback((tone: Toast['tone'], text: string) => {
    toastId.current += 1;
    const id = toastId.current;
    setToasts((t) => [...t.slice(-2), { id, tone, text }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), tone === 'error' ? 8000 : 4000);
  }, []);

  const reloadEnvironments = useCallback(async () => {
    try {
      const res = await api.environments.list();
      setEnvironments(res.environments);
    } catch {
      // The pages show their own errors; the picker keeps what it had.
    } finally {
      setEnvLoaded(true);
    }
  }, [api]);

  useEffect(() => {
    void reloadEnvironments();
  }, [reloadEnvironments]);

  useEffect(() => {
    live.start();
    const off = live.subscribe((events) => {
      if (events.some((e) => e.action.startsWith('environment.'))) void reloadEnvironments();
      const others = events.filter((e) => !api.isOwnWrite(e.requestId));
      if (others.length > 2)
        toast(
          'info',
          `${others.length} changes by others, latest: ${others[others.length - 1]!.actor} ${describeEvent(others[others.length - 1]!)}`,
        );
      else for (const e of others) toast('info', `${e.actor} ${describeEvent(e)}`);
    });
    return () => {
      off();
      live.stop();
    };
  }, [live, api, toast, reloadEnvironments]);

  // The URL says which environment this is; a URL without one gets the last one picked.
  const resolved = resolveEnvironment({ fromUrl: location.query.get('env'), saved: readEnvironment(), environments, loaded: envLoaded });
  const current = resolved.kind === 'waiting' ? '' : resolved.key;
  const resolvedKind = resolved.kind;
  useEffect(() => {
    if (resolvedKind === 'redirect')
      navigate(withEnvironment(window.location.pathname + window.location.search, current), { replace: true });
    else if (resolvedKind === 'current') saveEnvironment(current);
  }, [resolvedKind, current]);
  // Pushed, not replaced: Back returns to the environment before, and unsaved edits ask first.
  const setEnvironment = useCallback((env: string) => setQuery({ env }, { replace: false }), []);
  const envLink = (to: string) => (current ? withEnvironment(to, current) : to);
  const currentRef: EnvironmentRef = environments.find((e) => e.key === current) ?? { key: current, name: current };

  const value: AppContextValue = useMemo(
    () => ({ api, live, environments, reloadEnvironments, environment: current, setEnvironment, toast, signOut: () => signOut() }),
    [api, live, environments, reloadEnvironments, current, setEnvironment, toast, signOut],
  );

  const title = pageTitle(location.path, resolved.kind === 'current' ? currentRef : undefined);
  useEffect(() => {
    document.title = title;
  }, [title]);

  useEffect(() => {
    if (location.path === '/' || location.path === '' || location.path === '/index.html') navigate('/flags', { replace: true });
  }, [location.path]);

  // After moving to another page, focus its content (as a full page load would start there).
  const firstPath = useRef(location.path);
  useEffect(() => {
    if (location.path === firstPath.current) return;
    firstPath.current = '';
    document.getElementById('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [location.path]);

  let page: ReactNode;
  let params: Record<string, string> | null;
  if (resolved.kind === 'waiting' || resolved.kind === 'redirect') page = <Skeleton rows={6} label="Loading environments" />;
  else if (resolved.kind === 'unknown')
    page = (
      <ErrorState
        error={
          new Error(
            `There is no environment "${resolved.key}" (deleted, renamed or mistyped). Pick one in the Environment menu at the top.`,
          )
        }
      />
    );
  else if ((params = match('/flags/:key', location.path)))
    page = (
      <ChangeReason key={params.key}>
        <FlagPage flagKey={params.key!} />
      </ChangeReason>
    );
  else if (location.path === '/flags' || location.path === '/') page = <FlagsPage />;
  else if (location.path === '/segments') page = <SegmentsPage />;
  else if (location.path === '/environments') page = <EnvironmentsPage />;
  else if (location.path === '/api-keys') page = <ApiKeysPage />;
  else if (location.path === '/users') page = <UsersPage />;
  else if (location.path === '/webhooks') page = <WebhooksPage />;
  else if (location.path === '/audit') page = <AuditPage />;
  else if (location.path === '/change-requests') page = <ChangeRequestsPage />;
  else if ((params = match('/change-requests/:id', location.path)) && /^[1-9]\d{0,8}$/.test(params.id!))
    page = <ChangeRequestPage key={params.id} id={Number(params.id)} />;
  else if (location.path === '/compare') page = <ComparePage />;
  else
    page = (
      <Empty>
        There is no page here. <Link to="/flags">Go to flags</Link>.
      </Empty>
    );

  return (
    <AppContext.Provider value={value}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className={`topbar${resolved.kind === 'current' && isProtected(currentRef) ? ' topbar--protected' : ''}`}>
        <Link to={envLink('/flags')} className="brand" aria-label="Switchboard: flags">
          <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill="var(--accent)" />
            <circle cx="5" cy="8" r="2.5" fill="#fff" />
            <rect x="8" y="6.5" width="6" height="3" rx="1.5" fill="#fff" />
          </svg>
          <span>Switchboard</span>
        </Link>
        <nav aria-label="Main" className="nav">
          <ul>
            {NAV.map((n) => {
              const active = location.path === n.to || location.path.startsWith(`${n.to}/`);
              return (
                <li key={n.to}>
                  <Link to={envLink(n.to)} className="nav__link" aria-current={active ? 'page' : undefined}>
                    {n.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="topbar__tools">
          <label className={`env-picker${isProtected(currentRef) ? ' env-picker--protected' : ''}`}>
            <span className="env-picker__label">Environment</span>
            <select value={current} onChange={(e) => setEnvironment(e.target.value)} disabled={!envLoaded}>
              {environments.length === 0 || resolved.kind === 'unknown' ? (
                <option value={current}>{resolved.kind === 'unknown' ? `${current} (does not exist)` : current}</option>
              ) : null}
              {environments.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                  {isProtected(e) ? ' (protected)' : ''}
                </option>
              ))}
            </select>
          </label>
          <LiveIndicator live={live} />
          <button type="button" className="button button--quiet" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {resolved.kind === 'current' && isProtected(currentRef) ? <ProtectedBanner environment={currentRef} /> : null}
      <main id="main" tabIndex={-1} className="main">
        {page}
      </main>
      <div className="toasts" aria-live="polite" aria-atomic="false">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast--${t.tone}`} role={t.tone === 'error' ? 'alert' : 'status'}>
            {t.text}
          </div>
        ))}
      </div>
    </AppContext.Provider>
  );
}

/** On every page while a protected environment is picked: words and an icon, not colour alone. */
function ProtectedBanner({ environment }: { environment: EnvironmentRef }) {
  return (
    <section className="env-banner" aria-label={`${environment.name} is protected`}>
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" className="env-banner__icon">
        <path d="M8 1 2 3.5v4C2 11 4.6 14 8 15c3.4-1 6-4 6-7.5v-4L8 1Z" fill="currentColor" />
      </svg>
      <span>
        <strong>{environment.name} is protected.</strong> Changes here reach real users; each one asks you to confirm.
      </span>
    </section>
  );
}

function LiveIndicator({ live }: { live: LiveFeed }) {
  const status = useSyncExternalStore(live.subscribeStatus, live.getStatus, live.getStatus);
  const text = status === 'live' ? 'Live' : status === 'paused' ? 'Paused' : status === 'offline' ? 'Offline' : 'Connecting';
  const title =
    status === 'live'
      ? 'Following changes made by everyone, every 2 seconds'
      : status === 'offline'
        ? 'The server did not answer; retrying'
        : status === 'paused'
          ? 'Paused while this tab is hidden'
          : 'Connecting';
  return (
    <span className={`live live--${status}`} title={title} role="status">
      <span className="live__dot" aria-hidden="true" />
      <span className="live__text">{text}</span>
    </span>
  );
}
