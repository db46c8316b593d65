/**
 * An environment's review settings: approvals a targeting change needs (protected
 * environments only) and whether every write there must give a reason.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { Environment } from '@switchboard/api-client';
import { errorMessage, isApiError } from '../api/client';
import { useApp } from '../app-context';
import { Dialog } from '../components/dialog';
import { Field } from '../components/field';

/** "1 approval · reason required", or nothing when neither is set. */
export function reviewSummary(env: Pick<Environment, 'requiredApprovals' | 'requireReason'>): string {
  const parts: string[] = [];
  if (env.requiredApprovals > 0) parts.push(`${env.requiredApprovals} approval${env.requiredApprovals === 1 ? '' : 's'}`);
  if (env.requireReason) parts.push('reason required');
  return parts.join(' · ');
}

export function ApprovalSettingsDialog({ env, onClose }: { env: Environment | null; onClose(): void }) {
  const { api, reloadEnvironments, toast } = useApp();
  const [approvals, setApprovals] = useState('0');
  const [requireReason, setRequireReason] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!env) return;
    setApprovals(String(env.requiredApprovals));
    setRequireReason(env.requireReason);
    setError(undefined);
  }, [env]);
  if (!env) return null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const n = Number(approvals);
    if (!/^\d{1,2}$/.test(approvals) || n > 10) return setError('Required approvals must be a whole number from 0 to 10.');
    setBusy(true);
    try {
      await api.environments.update(env.key, { requiredApprovals: n, requireReason });
      await reloadEnvironments();
      toast('success', `${env.name}: ${reviewSummary({ requiredApprovals: n, requireReason }) || 'no approvals, reason optional'}.`);
      onClose();
    } catch (err) {
      setError(
        isApiError(err) && err.field === 'X-Change-Reason'
          ? `${env.name} requires a reason for every change, this one too.`
          : errorMessage(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      title={`Review settings of ${env.name}`}
      onClose={onClose}
      actions={
        <>
          <button type="button" className="button" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="submit" form="review-settings" className="button button--primary" disabled={busy}>
            Save {env.key}
          </button>
        </>
      }
    >
      <form id="review-settings" className="form" onSubmit={(e) => void save(e)} noValidate>
        <Field
          label="Required approvals"
          hint={
            env.protected
              ? 'Targeting changes wait as change requests until this many other people approve. 0: written at once.'
              : 'Protect the environment first: approvals apply to protected environments only.'
          }
          errors={error ? [error] : undefined}
        >
          {(p) => (
            <input
              {...p}
              type="number"
              min={0}
              max={10}
              inputMode="numeric"
              value={approvals}
              disabled={!env.protected}
              onChange={(e) => setApprovals(e.target.value)}
            />
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={requireReason} onChange={(e) => setRequireReason(e.target.checked)} /> Every change here must say
          why (a reason)
        </label>
      </form>
    </Dialog>
  );
}
