/** An invitation link (`/invitation#token=…`): the invited person sets their password and is signed in. */
import { useState, type FormEvent } from 'react';
import { Field, FormError } from '../components/field';
import { acceptInvitation, type Credential } from '../session';

export function InvitationPage({ onSignedIn }: { onSignedIn(credential: Credential): void }) {
  // The token sits in the fragment, which browsers never send to a server or in a Referer.
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setFormError(undefined);
    if (password.length < 12) return setError('Use at least 12 characters');
    if (password !== repeat) return setError('The two passwords differ');
    setBusy(true);
    try {
      const credential = await acceptInvitation(token, password, name.trim() || undefined);
      window.history.replaceState(null, '', '/');
      onSignedIn(credential);
    } catch (err) {
      setFormError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <form className="sign-in__card" onSubmit={(e) => void submit(e)} noValidate>
        <h1>Welcome to Switchboard</h1>
        <p>Choose a password to finish setting up your account.</p>
        <Field label="Your name" hint="Shown to other people here; optional">
          {(p) => <input {...p} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="New password" hint="At least 12 characters">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              autoFocus
            />
          )}
        </Field>
        <Field label="Repeat the password" errors={error}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />}
        </Field>
        <FormError>{formError}</FormError>
        <button type="submit" className="button button--primary" disabled={busy || token === ''}>
          {busy ? 'Setting up…' : 'Set password and continue'}
        </button>
      </form>
    </main>
  );
}
