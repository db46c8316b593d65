/** Environments: each has its own flag configs, keys and revision. */
import { LIMITS } from '@switchboard/core/validate';
import { useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Environment } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { isProtected } from '../model/environment';
import { ConfirmDialog, Dialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { PageHeader } from '../components/page';
import { timeAgo } from '../model/status';
import type { FieldErrors } from '../model/rules';
import { ApprovalSettingsDialog, reviewSummary } from './approval-settings';

export function EnvironmentsPage() {
  const { api, environments, reloadEnvironments, toast } = useApp();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [renaming, setRenaming] = useState<Environment | null>(null);
  const [deleting, setDeleting] = useState<Environment | null>(null);
  const [rowError, setRowError] = useState<string | undefined>();
  const [unprotecting, setUnprotecting] = useState<Environment | null>(null);
  const [reviewing, setReviewing] = useState<Environment | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const k = key.trim();
    if (!LIMITS.keyPattern.test(k)) {
      setErrors({ key: k === '' ? 'Enter a key, like qa' : 'Use letters, digits, ".", "_" or "-", starting with a letter or digit' });
      return;
    }
    setErrors({});
    try {
      await api.environments.create({ key: k, ...(name.trim() ? { name: name.trim() } : {}) });
      toast('success', `Created environment ${k}. Every flag is off there.`);
      setKey('');
      setName('');
      await reloadEnvironments();
    } catch (err) {
      if (isApiError(err) && err.field) setErrors({ [err.field]: err.message });
      else setFormError(errorMessage(err));
    }
  };

  const remove = async (env: Environment) => {
    setDeleting(null);
    setRowError(undefined);
    try {
      await api.environments.delete(env.key);
      toast('success', `Deleted environment ${env.key}.`);
      await reloadEnvironments();
    } catch (err) {
      setRowError(errorMessage(err));
    }
  };

  // Protecting is the safe direction and happens at once; unprotecting asks.
  const setProtected = async (env: Environment, value: boolean) => {
    setUnprotecting(null);
    setRowError(undefined);
    try {
      // Approvals exist only in protected environments: unprotecting turns them off in the same write.
      await api.environments.update(
        env.key,
        value || env.requiredApprovals === 0 ? { protected: value } : { protected: false, requiredApprovals: 0 },
      );
      toast('success', value ? `${env.name} is protected: changes there ask first.` : `${env.name} is no longer protected.`);
      await reloadEnvironments();
    } catch (err) {
      setRowError(errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader title="Environments">
        <p className="muted">Each environment has its own flag configs, SDK keys and revision.</p>
      </PageHeader>
      <FormError>{rowError}</FormError>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Key</th>
              <th scope="col">Revision</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {environments.map((env) => (
              <tr key={env.key}>
                <td data-label="Environment">
                  {env.name} {isProtected(env) ? <span className="chip chip--warn">protected: changes ask first</span> : null}
                  {reviewSummary(env) ? <span className="chip">{reviewSummary(env)}</span> : null}
                </td>
                <td data-label="Key">
                  <code>{env.key}</code>
                </td>
                <td data-label="Revision">{env.revision}</td>
                <td data-label="Created">{timeAgo(env.createdAt)}</td>
                <td className="table__actions">
                  <button
                    type="button"
                    className="button button--quiet"
                    onClick={() => (isProtected(env) ? setUnprotecting(env) : void setProtected(env, true))}
                  >
                    {isProtected(env) ? 'Unprotect' : 'Protect'} {env.key}
                  </button>
                  <button type="button" className="button button--quiet" onClick={() => setReviewing(env)}>
                    Review settings of {env.key}
                  </button>
                  <button type="button" className="button button--quiet" onClick={() => setRenaming(env)}>
                    Rename {env.key}
                  </button>
                  <button type="button" className="button button--quiet button--danger-text" onClick={() => setDeleting(env)}>
                    Delete {env.key}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="card form form--inline" onSubmit={(e) => void create(e)} noValidate aria-labelledby="new-env-title">
        <h2 id="new-env-title" className="card__title">
          New environment
        </h2>
        <div className="grid-3">
          <Field label="Key" hint="Never changes" errors={errors.key}>
            {(p) => <input {...p} type="text" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} />}
          </Field>
          <Field label="Name" errors={errors.name}>
            {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <div className="form__actions form__actions--end">
            <button type="submit" className="button button--primary">
              Create environment
            </button>
          </div>
        </div>
        <FormError>{formError}</FormError>
      </form>
      {renaming ? <RenameDialog env={renaming} onClose={() => setRenaming(null)} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete environment ${deleting?.key ?? ''}?`}
        confirm="Delete environment"
        onConfirm={() => void remove(deleting!)}
        onClose={() => setDeleting(null)}
      >
        <p>Its flag configs go with it. Revoke its API keys first.</p>
      </ConfirmDialog>
      <ApprovalSettingsDialog env={reviewing} onClose={() => setReviewing(null)} />
      <ConfirmDialog
        open={unprotecting !== null}
        title={`Unprotect ${unprotecting?.name ?? ''}?`}
        confirm={`Unprotect ${unprotecting?.key ?? ''}`}
        onConfirm={() => void setProtected(unprotecting!, false)}
        onClose={() => setUnprotecting(null)}
      >
        <p>
          Kill switches, rollouts, restores and archiving in {unprotecting?.name} will no longer ask before they reach users, here or in the
          CLI{unprotecting && unprotecting.requiredApprovals > 0 ? ', and its required approvals are turned off' : ''}.
        </p>
      </ConfirmDialog>
    </>
  );
}

function RenameDialog({ env, onClose }: { env: Environment; onClose(): void }) {
  const { api, reloadEnvironments, toast } = useApp();
  const [name, setName] = useState(env.name);
  const [error, setError] = useState<string | undefined>();
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() === '') {
      setError('Enter a name');
      return;
    }
    try {
      await api.environments.rename(env.key, name.trim());
      toast('success', `Renamed ${env.key} to ${name.trim()}.`);
      await reloadEnvironments();
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog open title={`Rename ${env.key}`} onClose={onClose}>
      <form onSubmit={(e) => void save(e)} noValidate className="form">
        <Field label="Name" errors={error}>
          {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} data-autofocus />}
        </Field>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary">
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}
