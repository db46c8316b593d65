/**
 * Sign in: with the identity provider (when the server has one), with email and password,
 * or with an admin key, checked against the API before it is kept (in session storage).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { createAdminApi, isApiError } from '../api/client';
import { Field, FormError } from '../components/field';
import { signInMethods, signInWithPassword, type Credential } from '../session';

export function SignInPage({ onSignedIn, notice }: { onSignedIn(credential: Credential): void; notice: string | null }) {
  const [oidc, setOidc] = useState(false);
  useEffect(() => {
    void signInMethods()
      .then((m) => setOidc(m.oidc))
      .catch(() => setOidc(false));
  }, []);
  const [key, setKey] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFieldError(undefined);
    setFormError(undefined);
    const token = key.trim();
    if (token === '') {
      setFieldError('Enter your admin key');
      return;
    }
    setBusy(true);
    try {
      await createAdminApi(token).environments.list();
      onSignedIn({ key: token });
    } catch (err) {
      if (isApiError(err) && err.status === 401) setFieldError('This key is unknown or revoked');
      else if (isApiError(err) && err.status === 403) setFieldError('This is an SDK key; the admin UI needs an admin key');
      else setFormError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <form className="sign-in__card" onSubmit={(e) => void submit(e)} noValidate>
        <div className="sign-in__brand">
          <svg width="28" height="28" viewBox="0 0 16 16" aria-hidden="true">
            <rect width="16" height="16" rx="3" fill="var(--accent)" />
            <circle cx="5" cy="8" r="2.5" fill="#fff" />
            <rect x="8" y="6.5" width="6" height="3" rx="1.5" fill="#fff" />
          </svg>
          <h1>Sign in to Switchboard</h1>
        </div>
        {notice ? (
          <div className="notice notice--info" role="status">
            {notice}
          </div>
        ) : null}
        {oidc ? (
          <a className="button button--primary sign-in__sso" href="/api/auth/oidc/start">
            Continue with single sign-on
          </a>
        ) : null}
        <PasswordSignIn onSignedIn={onSignedIn} />
        <p className="sign-in__or">or with an admin key</p>
        <Field
          label="Admin key"
          hint="The ADMIN_TOKEN you set, the key the server printed on first start, or an admin API key. It is kept in this tab only and cleared when you sign out."
          errors={fieldError}
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              spellCheck={false}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <FormError>{formError}</FormError>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function PasswordSignIn({ onSignedIn }: { onSignedIn(credential: Credential): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setError(undefined);
    if (email.trim() === '' || password === '') {
      setError('Enter your email and password');
      return;
    }
    setBusy(true);
    try {
      onSignedIn(await signInWithPassword(email.trim(), password));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  // Not a nested <form>: the admin-key form around it keeps its own submit.
  return (
    <fieldset className="sign-in__password" disabled={busy}>
      <legend>Email and password</legend>
      <Field label="Email">
        {(p) => <input {...p} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />}
      </Field>
      <Field label="Password" errors={error}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void submit();
              }
            }}
          />
        )}
      </Field>
      <button type="button" className="button" onClick={() => void submit()}>
        {busy ? 'Checking…' : 'Continue with password'}
      </button>
    </fieldset>
  );
}
