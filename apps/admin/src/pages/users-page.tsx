/** People: invite (a single-use link to copy), change role and environments, disable. */
import { useState, type FormEvent } from 'react';
import type { Role, User, UserInvited } from '@switchboard/api-client';
import { errorMessage, isApiError } from '../api/client';
import { useApp } from '../app-context';
import { CopyButton } from '../components/copy-button';
import { Field, FormError } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import type { FieldErrors } from '../model/rules';
import { timeAgo } from '../model/status';
import { useResource } from '../use-resource';
import { ROLES, RoleFields, accessLabel } from './api-keys-page';

export function UsersPage() {
  const { api, environments, toast } = useApp();
  const users = useResource<User[]>('users', async (signal) => (await api.users.list({ signal })).users, {
    refreshOn: (events) => events.some((e) => e.action.startsWith('user.')),
    keepPrevious: true,
  });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [scope, setScope] = useState<string[] | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [invited, setInvited] = useState<UserInvited | null>(null);
  const [busy, setBusy] = useState(false);

  const invite = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setErrors({ email: 'Enter the email address the person signs in with' });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      setInvited(await api.users.invite({ email: email.trim(), role, ...(scope ? { environments: scope } : {}) }));
      setEmail('');
      void users.reload();
    } catch (err) {
      if (isApiError(err) && err.field) setErrors({ [err.field]: err.message });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const update = async (user: User, body: { role?: Role; disabled?: boolean }, done: string) => {
    try {
      await api.users.update(user.id, body);
      toast('success', done);
      void users.reload();
    } catch (err) {
      toast('error', errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="People">
        <p>
          Who can sign in to this UI and what they may do. People sign in with the identity provider (when there is one) or with the
          password their invitation link sets.
        </p>
      </PageHeader>
      <form className="card form" onSubmit={(e) => void invite(e)} noValidate aria-labelledby="invite-title">
        <h2 id="invite-title">Invite a person</h2>
        <div className="form__row">
          <Field label="Email" errors={errors.email}>
            {(p) => <input {...p} type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <RoleFields
            role={role}
            onRole={setRole}
            scope={scope}
            onScope={setScope}
            errors={errors}
            environments={environments.map((e) => e.key)}
          />
        </div>
        <FormError>{formError}</FormError>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Inviting…' : 'Invite'}
        </button>
      </form>
      {invited ? (
        <section className="card secret" aria-labelledby="invited-title">
          <h2 id="invited-title">Invitation for {invited.user.email}</h2>
          <p>Send this link to them: it works once, until {new Date(invited.expiresAt).toLocaleString()}, and is not shown again.</p>
          <div className="secret__row">
            <label className="visually-hidden" htmlFor="invitation-link">
              Invitation link
            </label>
            <input
              id="invitation-link"
              className="secret__value mono"
              readOnly
              value={invited.invitationUrl}
              onFocus={(e) => e.target.select()}
            />
            <CopyButton text={invited.invitationUrl} label="Copy link" />
          </div>
          <button type="button" className="button" onClick={() => setInvited(null)}>
            Done
          </button>
        </section>
      ) : null}
      {users.error && !users.data ? <ErrorState error={users.error} onRetry={() => void users.reload()} /> : null}
      {!users.data && !users.error ? <Skeleton rows={4} label="Loading people" /> : null}
      {users.data?.length === 0 ? <Empty>Nobody yet: invite the first person above.</Empty> : null}
      {users.data && users.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Person</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id} className={u.status === 'disabled' ? 'row--muted' : undefined}>
                  <td data-label="Person">
                    {u.name} <span className="muted small">{u.email}</span>
                  </td>
                  <td data-label="Role">
                    <label className="visually-hidden" htmlFor={`role-${u.id}`}>
                      Role of {u.email}
                    </label>
                    <select
                      id={`role-${u.id}`}
                      value={u.role}
                      onChange={(e) => void update(u, { role: e.target.value as Role }, `${u.email} is now ${e.target.value}`)}
                    >
                      {ROLES.map((r) => (
                        <option key={r.value} value={r.value}>
                          {r.label}
                        </option>
                      ))}
                    </select>{' '}
                    <span className="muted small">{accessLabel(u.role, u.environments).split(' · ')[1]}</span>
                  </td>
                  <td data-label="Status">
                    <span className="chip">{u.status}</span> <span className="muted small">{u.signIn.join(', ')}</span>
                  </td>
                  <td data-label="Last sign-in">{u.lastSignInAt ? timeAgo(u.lastSignInAt) : <span className="muted">never</span>}</td>
                  <td className="table__actions">
                    {u.status === 'disabled' ? (
                      <button
                        type="button"
                        className="button button--quiet"
                        onClick={() => void update(u, { disabled: false }, `${u.email} can sign in again`)}
                      >
                        Enable {u.email}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button--quiet button--danger-text"
                        onClick={() => void update(u, { disabled: true }, `${u.email} is disabled and signed out`)}
                      >
                        Disable {u.email}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
