/** Every flag in one environment: search, tags, status at a glance, last change, clean-up hints. */
import { useMemo, useState } from 'react';
import type { AuditPage, Flag } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { Field } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { CleanupBadge, StatusBadge } from '../components/status-badge';
import { StaleBadge, StaleFilter } from '../components/stale-badge';
import { cleanupHint, flagStatus, timeAgo, type FlagStatus, type StatusKind } from '../model/status';
import { Link, enc, setQuery, useLocation } from '../router';
import { useResource } from '../use-resource';
import { NewFlagDialog } from './new-flag-dialog';

export interface FlagRow {
  flag: Flag;
  status: FlagStatus | undefined;
  lastChange: { at: string; actor: string; action: string } | null;
}

/** Runs `fn` over `items`, `limit` at a time. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const STATUS_FILTERS: { value: '' | StatusKind | 'cleanup'; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'off', label: 'Off' },
  { value: 'on', label: 'On' },
  { value: 'rollout', label: 'Rolling out' },
  { value: 'targeted', label: 'Targeted' },
  { value: 'cleanup', label: 'Clean-up candidates' },
];

export function FlagsPage() {
  const { api, environment, environments } = useApp();
  const { query: q } = useLocation();
  const search = q.get('q') ?? '';
  const tag = q.get('tag') ?? '';
  const statusFilter = q.get('status') ?? '';
  const archived = q.get('archived') === '1';
  const staleOnly = q.get('stale') === '1';
  const [creating, setCreating] = useState(false);
  const envName = environments.find((e) => e.key === environment)?.name ?? environment;

  const rows = useResource<FlagRow[]>(
    `flags:${environment}:${archived}:${staleOnly}`,
    async (signal) => {
      const res = await api.flags.list(
        { environment: environment || undefined, archived: archived || undefined, stale: staleOnly || undefined },
        { signal },
      );
      if (res.flags.every((f) => f.summary)) {
        return res.flags.map((f) => ({
          flag: f,
          status: flagStatus({ ...f.summary!, ruleCount: f.summary!.ruleCount }),
          lastChange: f.summary!.lastChange ?? { at: f.summary!.updatedAt, actor: '', action: '' },
        }));
      }
      // A server without list summaries: read each flag, and recent audit events for "last change".
      const [full, audit] = await Promise.all([
        mapLimit(res.flags, 6, (f) => api.flags.get(f.key, { signal })),
        api.audit.list({ limit: 500 }, { signal }).catch(() => ({ events: [], nextCursor: null }) as AuditPage),
      ]);
      return full.map((f) => {
        const c = f.environments?.[environment];
        const last = audit.events.find((e) => e.flagKey === f.key && (e.environment === environment || e.environment === null));
        return {
          flag: f,
          status: c ? flagStatus({ ...c, ruleCount: c.rules.length, prerequisiteCount: c.prerequisites.length }) : undefined,
          lastChange: last
            ? { at: last.at, actor: last.actor, action: last.action }
            : c
              ? { at: c.updatedAt, actor: '', action: '' }
              : null,
        };
      });
    },
    { refreshOn: (events) => events.some((e) => e.flagKey !== null || e.action.startsWith('environment.')), keepPrevious: true },
  );

  const allTags = useMemo(() => [...new Set((rows.data ?? []).flatMap((r) => r.flag.tags))].sort(), [rows.data]);
  const needle = search.trim().toLowerCase();
  const visible = (rows.data ?? []).filter((r) => {
    if (needle && ![r.flag.key, r.flag.name, r.flag.description, ...r.flag.tags].some((s) => s.toLowerCase().includes(needle)))
      return false;
    if (tag && !r.flag.tags.includes(tag)) return false;
    if (statusFilter === 'cleanup')
      return cleanupHint({ temporary: r.flag.temporary, status: r.status!, lastChangeAt: r.lastChange?.at }) !== undefined;
    if (statusFilter && r.status?.kind !== statusFilter) return false;
    return true;
  });

  return (
    <>
      <PageHeader
        title="Flags"
        actions={
          <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
            New flag
          </button>
        }
      >
        <p className="muted">
          Status in <strong>{envName}</strong>. Change the environment at the top.
        </p>
      </PageHeader>
      <div className="filters" role="search">
        <Field label="Search flags" className="filters__search">
          {(p) => (
            <input
              {...p}
              type="search"
              value={search}
              placeholder="Key, name, description or tag"
              onChange={(e) => setQuery({ q: e.target.value })}
            />
          )}
        </Field>
        <Field label="Tag">
          {(p) => (
            <select {...p} value={tag} onChange={(e) => setQuery({ tag: e.target.value })}>
              <option value="">Any tag</option>
              {allTags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Status">
          {(p) => (
            <select {...p} value={statusFilter} onChange={(e) => setQuery({ status: e.target.value })}>
              {STATUS_FILTERS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label className="check filters__check">
          <input type="checkbox" checked={archived} onChange={(e) => setQuery({ archived: e.target.checked ? '1' : undefined })} />
          <span>Include archived</span>
        </label>
        <StaleFilter checked={staleOnly} onChange={(on) => setQuery({ stale: on ? '1' : undefined })} />
      </div>
      {rows.error && !rows.data ? <ErrorState error={rows.error} onRetry={() => void rows.reload()} /> : null}
      {!rows.data && !rows.error ? <Skeleton rows={6} label="Loading flags" /> : null}
      {rows.data && rows.data.length === 0 ? (
        <Empty>
          No flags yet.{' '}
          <button type="button" className="button button--link" onClick={() => setCreating(true)}>
            Create the first one
          </button>
          .
        </Empty>
      ) : null}
      {rows.data && rows.data.length > 0 ? (
        <div className="table-wrap">
          <table className="table flags-table" aria-busy={rows.loading}>
            <caption className="visually-hidden">
              Flags in {envName}: {visible.length} shown of {rows.data.length}
            </caption>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Status in {envName}</th>
                <th scope="col">Tags</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((r) => {
                const hint = r.status
                  ? cleanupHint({ temporary: r.flag.temporary, status: r.status, lastChangeAt: r.lastChange?.at })
                  : undefined;
                return (
                  <tr key={r.flag.key}>
                    <td data-label="Flag">
                      <Link to={`/flags/${enc(r.flag.key)}?env=${enc(environment)}`} className="flag-link">
                        <span className="flag-link__name">{r.flag.name}</span>
                        {r.flag.name !== r.flag.key ? <code className="flag-link__key">{r.flag.key}</code> : null}
                      </Link>
                      <div className="flag-meta">
                        <span className="muted">{r.flag.type}</span>
                        {r.flag.clientSide ? <span className="chip">client-side</span> : null}
                        {r.flag.archived ? <span className="chip chip--warn">archived</span> : null}
                        {!r.flag.temporary ? <span className="chip">permanent</span> : null}
                        <StaleBadge staleness={r.flag.staleness} />
                      </div>
                    </td>
                    <td data-label="Status">
                      {r.status ? (
                        <>
                          <StatusBadge status={r.status} />
                          <div className="muted small">{r.status.detail}</div>
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                      {hint ? <CleanupBadge hint={hint} /> : null}
                    </td>
                    <td data-label="Tags">
                      {r.flag.tags.length === 0 ? <span className="muted">—</span> : null}
                      <ul className="tags">
                        {r.flag.tags.map((t) => (
                          <li key={t}>
                            <button
                              type="button"
                              className="chip chip--button"
                              onClick={() => setQuery({ tag: t })}
                              aria-label={`Filter by tag ${t}`}
                            >
                              {t}
                            </button>
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td data-label="Last change">
                      {r.lastChange ? (
                        <>
                          <time dateTime={r.lastChange.at} title={new Date(r.lastChange.at).toLocaleString()}>
                            {timeAgo(r.lastChange.at)}
                          </time>
                          {r.lastChange.actor ? <div className="muted small">by {r.lastChange.actor}</div> : null}
                        </>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {visible.length === 0 ? <Empty>No flag matches these filters.</Empty> : null}
        </div>
      ) : null}
      <NewFlagDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
