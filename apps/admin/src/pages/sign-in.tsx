/** Sign in with an admin key, checked against the API before it is kept (in session storage). */
import { useState, type FormEvent } from 'react';
import { createAdminApi, isApiError } from '../api/client';
import { Field, FormError } from '../components/field';

export function SignInPage({ onSignedIn, notice }: { onSignedIn(key: string): void; notice: string | null }) {
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
      onSignedIn(token);
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
