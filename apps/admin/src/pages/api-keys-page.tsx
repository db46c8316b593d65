/** API keys: create (the secret is shown once, with copy), list, revoke. */
import { useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { ApiKeyKind, ApiKey, ApiKeyCreated, Role } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { CopyButton } from '../components/copy-button';
import { ConfirmDialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import type { FieldErrors } from '../model/rules';
import { timeAgo } from '../model/status';
import { useResource } from '../use-resource';

const KINDS: { value: ApiKeyKind; label: string; hint: string }[] = [
  { value: 'server', label: 'Server', hint: 'Node SDK: the full snapshot of one environment' },
  { value: 'client', label: 'Client', hint: 'Browser SDK: only client-side flags of one environment' },
  { value: 'admin', label: 'Admin', hint: 'The admin API and this UI, with the role and environments below' },
];

export const ROLES: { value: Role; label: string; hint: string }[] = [
  { value: 'viewer', label: 'Viewer', hint: 'Reads everything; changes nothing' },
  { value: 'killer', label: 'Killer', hint: 'Reads, and turns flags off (the kill switch) and nothing else' },
  { value: 'editor', label: 'Editor', hint: 'Edits flags, targeting and segments' },
  { value: 'admin', label: 'Admin', hint: 'Also keys, environments, webhooks and people' },
];

/** Who may do what, as a table cell: the role and the environments it is limited to. */
export function accessLabel(role: Role | null, environments: string[] | null): string {
  if (role === null) return '';
  return environments === null ? `${role} · all environments` : `${role} · ${environments.join(', ')}`;
}

export function ApiKeysPage() {
  const { api, environments, environment, toast } = useApp();
  const [showRevoked, setShowRevoked] = useState(false);
  const keys = useResource<ApiKey[]>(
    `api-keys:${showRevoked}`,
    async (signal) => (await api.apiKeys.list({ revoked: showRevoked || undefined }, { signal })).apiKeys,
    { refreshOn: (events) => events.some((e) => e.action.startsWith('api-key.')), keepPrevious: true },
  );
  const [kind, setKind] = useState<ApiKeyKind>('server');
  const [env, setEnv] = useState(environment);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('admin');
  const [scope, setScope] = useState<string[] | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    if (name.trim() === '') {
      setErrors({ name: 'Name the key after what uses it, like checkout-service' });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const body = {
        kind,
        name: name.trim(),
        ...(kind === 'admin' ? { role, ...(scope ? { environments: scope } : {}) } : { environment: env }),
      };
      const res = await api.apiKeys.create(body);
      setCreated(res);
      setName('');
      void keys.reload();
    } catch (err) {
      if (isApiError(err) && err.field) setErrors({ [err.field]: err.message });
      else setFormError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (key: ApiKey) => {
    setRevoking(null);
    try {
      await api.apiKeys.revoke(key.id);
      toast('success', `Revoked ${key.name}. Its SDK connections are closed.`);
      void keys.reload();
    } catch (err) {
      toast('error', errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="API keys">
        <p className="muted">Secrets are shown once, when a key is created. Only a hint is kept to tell keys apart.</p>
      </PageHeader>
      <form className="card form" onSubmit={(e) => void create(e)} noValidate aria-labelledby="new-key-title">
        <h2 id="new-key-title" className="card__title">
          New API key
        </h2>
        <div className="grid-4">
          <Field label="Kind" hint={KINDS.find((k) => k.value === kind)?.hint} errors={errors.kind}>
            {(p) => (
              <select {...p} value={kind} onChange={(e) => setKind(e.target.value as ApiKeyKind)}>
                {KINDS.map((k) => (
                  <option key={k.value} value={k.value}>
                    {k.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Environment" hint={kind === 'admin' ? 'Admin keys cover every environment' : undefined} errors={errors.environment}>
            {(p) => (
              <select {...p} value={kind === 'admin' ? '' : env} disabled={kind === 'admin'} onChange={(e) => setEnv(e.target.value)}>
                {kind === 'admin' ? <option value="">All environments</option> : null}
                {environments.map((e) => (
                  <option key={e.key} value={e.key}>
                    {e.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {kind === 'admin' ? (
            <RoleFields
              role={role}
              onRole={setRole}
              scope={scope}
              onScope={setScope}
              errors={errors}
              environments={environments.map((e) => e.key)}
            />
          ) : null}
          <Field label="Name" errors={errors.name}>
            {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="checkout-service" />}
          </Field>
          <div className="form__actions form__actions--end">
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create key'}
            </button>
          </div>
        </div>
        <FormError>{formError}</FormError>
      </form>
      {created ? (
        <section className="card secret" aria-labelledby="secret-title" role="region">
          <h2 id="secret-title" className="card__title">
            Secret of {created.name}
          </h2>
          {created.key ? (
            <>
              <p>Copy it now: it is not stored and will not be shown again.</p>
              <div className="secret__row">
                <label className="visually-hidden" htmlFor="new-secret">
                  Secret
                </label>
                <input id="new-secret" className="secret__value mono" readOnly value={created.key} onFocus={(e) => e.target.select()} />
                <CopyButton text={created.key} label="Copy secret" />
              </div>
            </>
          ) : (
            <p>The server did not repeat the secret (a retried request). Revoke this key and create another if you did not store it.</p>
          )}
          <button type="button" className="button" onClick={() => setCreated(null)}>
            I have stored it
          </button>
        </section>
      ) : null}
      <div className="toolbar">
        <label className="check">
          <input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} />
          <span>Show revoked keys</span>
        </label>
      </div>
      {keys.error && !keys.data ? <ErrorState error={keys.error} onRetry={() => void keys.reload()} /> : null}
      {!keys.data && !keys.error ? <Skeleton rows={4} label="Loading keys" /> : null}
      {keys.data?.length === 0 ? <Empty>No API keys yet.</Empty> : null}
      {keys.data && keys.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Environment</th>
                <th scope="col">Hint</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} className={k.revokedAt ? 'row--muted' : undefined}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Kind">
                    <span className="chip">{k.kind}</span> <span className="muted small">{accessLabel(k.role, k.environments)}</span>
                  </td>
                  <td data-label="Environment">{k.environment ?? <span className="muted">all</span>}</td>
                  <td data-label="Hint">
                    <code>{k.hint}</code>
                  </td>
                  <td data-label="Created">
                    {timeAgo(k.createdAt)} <span className="muted small">by {k.createdBy}</span>
                  </td>
                  <td data-label="Last used">{k.lastUsedAt ? timeAgo(k.lastUsedAt) : <span className="muted">never</span>}</td>
                  <td className="table__actions">
                    {k.revokedAt ? (
                      <span className="muted">revoked {timeAgo(k.revokedAt)}</span>
                    ) : (
                      <button type="button" className="button button--quiet button--danger-text" onClick={() => setRevoking(k)}>
                        Revoke {k.name}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirm="Revoke key"
        onConfirm={() => void revoke(revoking!)}
        onClose={() => setRevoking(null)}
      >
        <p>
          Requests with this key are refused from now on and its SDK streams close. SDKs keep their last flags until they get a new key.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** A role picker and the environments it applies to (all, or the ones ticked). */
export function RoleFields({
  role,
  onRole,
  scope,
  onScope,
  errors,
  environments,
}: {
  role: Role;
  onRole(role: Role): void;
  scope: string[] | null;
  onScope(scope: string[] | null): void;
  errors: FieldErrors;
  environments: string[];
}) {
  return (
    <>
      <Field label="Role" hint={ROLES.find((r) => r.value === role)?.hint} errors={errors.role}>
        {(p) => (
          <select {...p} value={role} onChange={(e) => onRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="field">
        <legend className="field__label">Environments it may change</legend>
        <label className="check">
          <input type="checkbox" checked={scope === null} onChange={(e) => onScope(e.target.checked ? null : [])} />
          <span>All environments</span>
        </label>
        {scope !== null
          ? environments.map((env) => (
              <label key={env} className="check">
                <input
                  type="checkbox"
                  checked={scope.includes(env)}
                  onChange={(e) => onScope(e.target.checked ? [...scope, env] : scope.filter((x) => x !== env))}
                />
                <span>{env}</span>
              </label>
            ))
          : null}
        {errors.environments ? <p className="field__error">{errors.environments}</p> : null}
      </fieldset>
    </>
  );
}
