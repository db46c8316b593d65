/**
 * Change requests: the list (open by default) and the review page of one request, with the
 * diff against the version it was written on, its approvals, and approve / reject / apply /
 * cancel at the revision on screen (an edit meanwhile makes the action a 412, never a blind approval).
 */
import { useState } from 'react';
import type { ChangeRequest, ChangeRequestList, ChangeRequestStatus } from '@switchboard/api-client';
import { isApiError } from '../api/client';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { DiffTable } from '../components/diff-table';
import { Field } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { WriteFailure } from '../components/write-failure';
import { timeAgo } from '../model/status';
import { Link, enc, setQuery, useLocation } from '../router';
import { useResource } from '../use-resource';

const STATUSES: ChangeRequestStatus[] = ['open', 'approved', 'applied', 'rejected', 'cancelled', 'conflicted'];

/** Refetch when a change request or a config changes anywhere. */
const refreshOn = (events: { action: string }[]) =>
  events.some((e) => e.action.startsWith('change-request.') || e.action.startsWith('config.'));

export function approvalsText(cr: Pick<ChangeRequest, 'approvals' | 'requiredApprovals'>): string {
  return `${cr.approvals.length} of ${cr.requiredApprovals} approval${cr.requiredApprovals === 1 ? '' : 's'}`;
}

/** What a write answered 202 says: "Change request #12 created — needs 1 approval". */
export function heldMessage(cr: Pick<ChangeRequest, 'id' | 'requiredApprovals'>): string {
  return `Change request #${cr.id} created — needs ${cr.requiredApprovals} approval${cr.requiredApprovals === 1 ? '' : 's'}.`;
}

export function ChangeRequestsPage() {
  const { api } = useApp();
  const { query } = useLocation();
  const status = (query.get('status') ?? 'open') as ChangeRequestStatus;
  const list = useResource<ChangeRequestList>(
    `change-requests:${status}`,
    (signal) => api.changeRequests.list({ status, limit: 200 }, { signal }),
    {
      keepPrevious: true,
      refreshOn,
    },
  );
  return (
    <>
      <PageHeader title="Change requests">
        <p className="muted">Targeting changes held for approval in environments that require it.</p>
      </PageHeader>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          {(p) => (
            <select {...p} value={status} onChange={(e) => setQuery({ status: e.target.value === 'open' ? undefined : e.target.value })}>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {list.error ? (
        <ErrorState error={list.error} onRetry={() => void list.reload()} />
      ) : !list.data ? (
        <Skeleton />
      ) : list.data.changeRequests.length === 0 ? (
        <Empty>No {status} change requests.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">{status} change requests</caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Flag</th>
                <th scope="col">Environment</th>
                <th scope="col">Change</th>
                <th scope="col">Approvals</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.changeRequests.map((cr) => (
                <tr key={cr.id}>
                  <td data-label="Request">
                    <Link to={`/change-requests/${cr.id}`}>#{cr.id}</Link>
                  </td>
                  <td data-label="Flag">
                    <Link to={`/flags/${enc(cr.flag)}?env=${enc(cr.environment)}`}>{cr.flag}</Link>
                  </td>
                  <td data-label="Environment">{cr.environment}</td>
                  <td data-label="Change">
                    <code>{cr.action}</code>
                  </td>
                  <td data-label="Approvals">{approvalsText(cr)}</td>
                  <td data-label="By">{cr.author}</td>
                  <td data-label="Reason">{cr.reason ?? <span className="muted">none given</span>}</td>
                  <td data-label="Created">{timeAgo(cr.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

type Action = 'approve' | 'reject' | 'apply' | 'cancel';
const DONE: Record<Action, string> = { approve: 'Approved', reject: 'Rejected', apply: 'Applied', cancel: 'Cancelled' };

export function ChangeRequestPage({ id }: { id: number }) {
  const { api, toast } = useApp();
  const request = useResource<ChangeRequest>(`change-request:${id}`, (signal) => api.changeRequests.get(id, { signal }), { refreshOn });
  const [busy, setBusy] = useState<Action | null>(null);
  const [failure, setFailure] = useState<{ action: Action; error: unknown } | null>(null);
  const [confirmApply, setConfirmApply] = useState(false);

  if (request.error) return <ErrorState error={request.error} onRetry={() => void request.reload()} />;
  const cr = request.data;
  if (!cr) return <Skeleton label="Loading change request" />;
  const pending = cr.status === 'open' || cr.status === 'approved';
  const after = { ...cr.base, ...cr.patch };

  const act = async (action: Action) => {
    setConfirmApply(false);
    setBusy(action);
    setFailure(null);
    try {
      const next = await api.changeRequests[action](cr.id, { ifMatch: cr.revision });
      request.set(next);
      toast(
        'success',
        action === 'apply'
          ? `Applied change request #${cr.id}: ${cr.flag} in ${cr.environment} is now version ${next.appliedVersion}.`
          : `${DONE[action]} change request #${cr.id}.`,
      );
    } catch (err) {
      setFailure({ action, error: err });
      // A 412 means someone edited or acted on it meanwhile; a conflict on apply changed its status: show what is true now.
      if (isApiError(err) && (err.status === 412 || err.status === 409)) void request.reload();
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader title={`Change request #${cr.id}`}>
        <p>
          <Link to={`/flags/${enc(cr.flag)}?env=${enc(cr.environment)}`}>{cr.flag}</Link> in <strong>{cr.environment}</strong>:{' '}
          <code>{cr.action}</code> — <span className={`badge badge--request-${cr.status}`}>{cr.status}</span>
        </p>
      </PageHeader>
      <dl className="release__facts">
        <dt>Requested by</dt>
        <dd>
          {cr.author}, {timeAgo(cr.createdAt)}
        </dd>
        <dt>Reason</dt>
        <dd>{cr.reason ?? <span className="muted">none given</span>}</dd>
        <dt>Written against</dt>
        <dd>version {cr.baseVersion}</dd>
        <dt>Approvals</dt>
        <dd>
          {approvalsText(cr)}
          {cr.approvals.length > 0 ? `: ${cr.approvals.map((a) => a.by).join(', ')}` : ''}
        </dd>
        {cr.resolvedBy ? (
          <>
            <dt>{cr.status === 'applied' ? 'Applied by' : cr.status === 'rejected' ? 'Rejected by' : 'Closed by'}</dt>
            <dd>
              {cr.resolvedBy}
              {cr.resolvedAt ? `, ${timeAgo(cr.resolvedAt)}` : ''}
              {cr.appliedVersion ? ` as version ${cr.appliedVersion}` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      <h2>Changes</h2>
      <DiffTable before={cr.base} after={after} caption={`What change request #${cr.id} changes`} />
      {cr.status === 'conflicted' ? (
        <p className="notice notice--error">
          {cr.flag} changed in {cr.environment} after version {cr.baseVersion}, so this request can no longer be applied. Nothing was
          written.
        </p>
      ) : null}
      {failure ? (
        <WriteFailure
          error={failure.error}
          what={`${failure.action === 'apply' ? 'Applying' : failure.action === 'approve' ? 'Approving' : failure.action === 'reject' ? 'Rejecting' : 'Cancelling'} change request #${cr.id}`}
          onDismiss={() => setFailure(null)}
          focus
        />
      ) : null}
      {pending ? (
        <div className="form__actions">
          <button type="button" className="button button--primary" disabled={busy !== null} onClick={() => void act('approve')}>
            Approve
          </button>
          <button type="button" className="button" disabled={busy !== null} onClick={() => void act('reject')}>
            Reject
          </button>
          <button
            type="button"
            className="button button--danger"
            disabled={busy !== null || cr.approvals.length < cr.requiredApprovals}
            onClick={() => setConfirmApply(true)}
          >
            Apply to {cr.environment}
          </button>
          <button type="button" className="button button--quiet" disabled={busy !== null} onClick={() => void act('cancel')}>
            Cancel request
          </button>
        </div>
      ) : null}
      <ConfirmDialog
        open={confirmApply}
        title={`Apply change request #${cr.id} to ${cr.environment}?`}
        confirm={`Apply to ${cr.environment}`}
        onConfirm={() => void act('apply')}
        onClose={() => setConfirmApply(false)}
      >
        <p>
          {cr.flag} in {cr.environment} becomes version {cr.baseVersion + 1} with the changes above, for every user, at once. If it has
          changed since version {cr.baseVersion}, nothing is written.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** The flag page's notice: pending requests for this flag in this environment, linked to their review pages. */
export function PendingRequests({ flag, environment }: { flag: string; environment: string }) {
  const { api } = useApp();
  const pending = useResource<ChangeRequest[]>(
    `pending-requests:${flag}:${environment}`,
    async (signal) => {
      const [open, approved] = await Promise.all(
        (['open', 'approved'] as const).map((status) => api.changeRequests.list({ status, flag, environment, limit: 20 }, { signal })),
      );
      return [...open!.changeRequests, ...approved!.changeRequests].sort((a, b) => b.id - a.id);
    },
    { refreshOn },
  );
  const list = pending.data ?? [];
  if (list.length === 0) return null;
  return (
    <section className="notice" aria-label="Pending change requests">
      <p>
        {list.length === 1 ? '1 change request is' : `${list.length} change requests are`} waiting for {flag} in {environment}:
      </p>
      <ul>
        {list.map((cr) => (
          <li key={cr.id}>
            <Link to={`/change-requests/${cr.id}`}>#{cr.id}</Link> <code>{cr.action}</code> by {cr.author} — {approvalsText(cr)}
            {cr.status === 'approved' ? ', ready to apply' : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}
