/**
 * Who changed what, when: every admin write with its before/after, and restore of config
 * versions (one click; in a protected environment it asks first).
 */
import { useState } from 'react';
import { errorMessage, type AdminApi } from '../api/client';
import { isChangeRequest, type AuditEvent, type AuditPage as AuditPageData } from '@switchboard/api-client';
import { heldMessage } from './change-requests-page';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { DiffTable } from '../components/diff-table';
import { WriteFailure } from '../components/write-failure';
import { isProtected } from '../model/environment';
import { Field } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { describeEvent } from '../live';
import { timeAgo } from '../model/status';
import { Link, enc, setQuery, useLocation } from '../router';
import { useResource } from '../use-resource';
import { restoreVersion } from '../flag/version-history';

/** The API's audit actions (`AUDIT_ACTIONS` in @switchboard/api-contract), listed here so the page doesn't bundle the schemas. */
export const ACTIONS = [
  'flag.create',
  'flag.update',
  'flag.archive',
  'flag.unarchive',
  'flag.delete',
  'config.replace',
  'config.update',
  'config.enable',
  'config.kill',
  'config.rollout',
  'config.restore',
  'config.promote',
  'config.import',
  'segment.create',
  'segment.update',
  'segment.delete',
  'environment.create',
  'environment.update',
  'environment.delete',
  'api-key.create',
  'api-key.revoke',
  'user.invite',
  'user.update',
  'webhook.create',
  'webhook.update',
  'webhook.delete',
  'webhook.rotate-secret',
  'webhook.redeliver',
  'schedule.create',
  'schedule.cancel',
  'schedule.applied',
  'schedule.conflicted',
  'schedule.expired',
  'schedule.failed',
  'release.create',
  'release.start',
  'release.resume',
  'release.stage',
  'release.advance',
  'release.pause',
  'release.rollback',
  'release.kill',
  'release.notify',
  'release.cancel',
  'change-request.create',
  'change-request.update',
  'change-request.approve',
  'change-request.reject',
  'change-request.apply',
  'change-request.cancel',
  'change-request.conflict',
  'change-request.bypass',
];

const PAGE = 50;

/** The API's action filter (an unknown action from a typed URL is the server's to refuse, by name). */
type ActionFilter = NonNullable<Parameters<AdminApi['audit']['list']>[0]>['action'];

/** The config version an event replaced, when it changed a flag's config. */
export function restorableVersion(e: AuditEvent): number | undefined {
  if (!e.action.startsWith('config.') || !e.flagKey || !e.environment) return undefined;
  const v = (e.before as { version?: unknown } | null)?.version;
  return typeof v === 'number' ? v : undefined;
}

export function AuditPage() {
  const { api, environments, toast } = useApp();
  const { query: q } = useLocation();
  const flag = q.get('flag') ?? '';
  const environment = q.get('environment') ?? '';
  const action = q.get('action') ?? '';
  const [older, setOlder] = useState<{ key: string; events: AuditEvent[]; cursor: string | null } | null>(null);
  const [flagText, setFlagText] = useState(flag);
  const key = `audit:${flag}:${environment}:${action}`;
  // An empty filter is no filter: it is left out of the query.
  const filters = {
    flag: flag || undefined,
    environment: environment || undefined,
    action: (action || undefined) as ActionFilter,
    limit: PAGE,
  };
  const first = useResource<AuditPageData>(key, (signal) => api.audit.list(filters, { signal }), { keepPrevious: true });
  const extra = older?.key === key ? older : null;
  const events = [...(first.data?.events ?? []), ...(extra?.events ?? [])];
  const cursor = extra ? extra.cursor : (first.data?.nextCursor ?? null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [restoreError, setRestoreError] = useState<{ id: number; version: number; error: unknown } | null>(null);
  const [confirming, setConfirming] = useState<{ event: AuditEvent; version: number } | null>(null);
  const envOf = (key: string) => environments.find((env) => env.key === key) ?? { key, name: key };

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.audit.list({ ...filters, cursor });
      setOlder({ key, events: [...(extra?.events ?? []), ...page.events], cursor: page.nextCursor });
    } catch (err) {
      toast('error', errorMessage(err));
    } finally {
      setLoadingMore(false);
    }
  };

  const restore = async (e: AuditEvent, version: number) => {
    setRestoring(e.id);
    setRestoreError(null);
    try {
      const next = await restoreVersion(api, e.flagKey!, e.environment!, version);
      if (isChangeRequest(next)) return toast('success', heldMessage(next));
      toast('success', `Restored version ${version} of ${e.flagKey} in ${e.environment}: now version ${next.version}.`);
      void first.reload();
    } catch (err) {
      setRestoreError({ id: e.id, version, error: err });
    } finally {
      setRestoring(null);
    }
  };
  const requestRestore = (e: AuditEvent, version: number) => {
    if (restoring !== null) return;
    if (isProtected(envOf(e.environment!))) setConfirming({ event: e, version });
    else void restore(e, version);
  };

  return (
    <>
      <PageHeader title="Audit log">
        <p className="muted">Every change made through the admin API, newest first.</p>
      </PageHeader>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ flag: flagText.trim() });
        }}
      >
        <Field label="Flag key">
          {(p) => (
            <input
              {...p}
              type="search"
              value={flagText}
              onChange={(e) => setFlagText(e.target.value)}
              onBlur={() => setQuery({ flag: flagText.trim() })}
            />
          )}
        </Field>
        <Field label="Environment">
          {(p) => (
            <select {...p} value={environment} onChange={(e) => setQuery({ environment: e.target.value })}>
              <option value="">All environments</option>
              {environments.map((env) => (
                <option key={env.key} value={env.key}>
                  {env.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Action">
          {(p) => (
            <select {...p} value={action} onChange={(e) => setQuery({ action: e.target.value })}>
              <option value="">Any action</option>
              {ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          )}
        </Field>
      </form>
      {first.error && !first.data ? <ErrorState error={first.error} onRetry={() => void first.reload()} /> : null}
      {!first.data && !first.error ? <Skeleton rows={6} label="Loading audit log" /> : null}
      {first.data && events.length === 0 ? <Empty>No changes match these filters.</Empty> : null}
      {events.length > 0 ? (
        <ol className="audit" aria-label="Audit events">
          {events.map((e) => {
            const version = restorableVersion(e);
            return (
              <li key={e.id} className="audit__item">
                <div className="audit__line">
                  <time dateTime={e.at} title={new Date(e.at).toLocaleString()} className="audit__time">
                    {timeAgo(e.at)}
                  </time>
                  <span className="audit__what">
                    <strong>{e.actor}</strong> {describeEvent(e)}
                  </span>
                  <span className="chip">{e.action}</span>
                  {e.flagKey ? (
                    <Link to={`/flags/${enc(e.flagKey)}${e.environment ? `?env=${enc(e.environment)}` : ''}`} className="small">
                      Open flag
                    </Link>
                  ) : null}
                  {version !== undefined ? (
                    <button
                      type="button"
                      className="button"
                      aria-disabled={restoring !== null || undefined}
                      onClick={() => requestRestore(e, version)}
                    >
                      {restoring === e.id ? 'Restoring…' : `Restore v${version}`}
                      <span className="visually-hidden">
                        {' '}
                        of {e.flagKey} in {e.environment}
                      </span>
                    </button>
                  ) : null}
                </div>
                {restoreError?.id === e.id ? (
                  <WriteFailure
                    error={restoreError.error}
                    what={`Restoring version ${restoreError.version} of ${e.flagKey} in ${envOf(e.environment!).name}`}
                    onRetry={() => requestRestore(e, restoreError.version)}
                    onDismiss={() => setRestoreError(null)}
                  />
                ) : null}
                <details className="audit__details">
                  <summary>
                    Before and after
                    {e.revision !== null ? <span className="muted small"> · revision {e.revision}</span> : null}
                    {e.requestId ? <span className="muted small"> · request {e.requestId}</span> : null}
                  </summary>
                  <DiffTable before={e.before ?? {}} after={e.after ?? {}} caption={`Changes made by event ${e.id}`} />
                </details>
              </li>
            );
          })}
        </ol>
      ) : null}
      {cursor ? (
        <button type="button" className="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load older changes'}
        </button>
      ) : null}
      <ConfirmDialog
        open={confirming !== null}
        title={
          confirming
            ? `Restore version ${confirming.version} of ${confirming.event.flagKey} in ${envOf(confirming.event.environment!).name}?`
            : ''
        }
        confirm={confirming ? `Restore in ${envOf(confirming.event.environment!).name}` : 'Restore'}
        onConfirm={() => {
          const c = confirming!;
          setConfirming(null);
          void restore(c.event, c.version);
        }}
        onClose={() => setConfirming(null)}
      >
        {confirming ? (
          <p>
            {envOf(confirming.event.environment!).name} is protected. Version {confirming.version} replaces whatever is current there now
            (including changes made after this event), for every user within a second. It is recorded in the audit log.
          </p>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
