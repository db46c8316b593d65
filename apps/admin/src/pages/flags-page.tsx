/**
 * Flags in one environment: search, tags, status at a glance, last change, clean-up hints.
 * The server pages, searches and filters (`GET /api/admin/flags?limit&q&tag&status`); the
 * table renders only the rows near the viewport and loads the next page as they come up.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import type { AdminClient, AuditPage, Flag } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { Field } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { CleanupBadge, StatusBadge } from '../components/status-badge';
import { StaleBadge, StaleFilter } from '../components/stale-badge';
import { cleanupHint, flagStatus, timeAgo, type FlagStatus, type StatusKind } from '../model/status';
import { Link, enc, setQuery, useLocation } from '../router';
import { useResource } from '../use-resource';
import { NewFlagDialog } from './new-flag-dialog';

type FlagList = Awaited<ReturnType<AdminClient['flags']['list']>>;

/** Rows per request: a screenful many times over, small enough to answer fast. */
export const FLAG_PAGE_SIZE = 100;
/** Rows rendered beyond the viewport, so Tab always has a next row to move to. */
const OVERSCAN = 8;

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

/** The server's status filter closest to each of the page's; the page narrows the rest itself. */
const SERVER_STATUS: Record<string, 'on' | 'off' | 'rolling-out' | undefined> = {
  off: 'off',
  on: 'on',
  targeted: 'on',
  rollout: 'rolling-out',
};

function toRows(flags: Flag[]): FlagRow[] {
  return flags.map((f) => ({
    flag: f,
    status: f.summary ? flagStatus({ ...f.summary, ruleCount: f.summary.ruleCount }) : undefined,
    lastChange: f.summary ? (f.summary.lastChange ?? { at: f.summary.updatedAt, actor: '', action: '' }) : null,
  }));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Loaded {
  rows: FlagRow[];
  nextCursor: string | null;
  total: number;
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

  // Every keystroke asks the server at once (no debounce: the answer is what the reader waits for).
  // The list keeps the previous answer until the new one arrives; a newer keystroke aborts the
  // request in flight and an aborted answer is never applied (`useResource`), so what is drawn
  // is always the server's answer to some query, and the last one once it lands.
  const searchTerm = search.trim();
  const serverStatus = environment ? SERVER_STATUS[statusFilter] : undefined;
  const queryFor = (term: string) => ({
    environment: environment || undefined,
    archived: archived || undefined,
    stale: staleOnly || undefined,
    q: term || undefined,
    tag: tag || undefined,
    status: serverStatus,
  });
  const keyFor = (term: string) => `flags:${environment}:${archived}:${staleOnly}:${term}:${tag}:${serverStatus ?? ''}`;
  const baseQuery = queryFor(searchTerm);
  const listKey = keyFor(searchTerm);

  // A keystroke's request starts in the input's handler, before React draws the keystroke, and
  // the list's loader below takes it over (its abort aborts it); a newer keystroke aborts it.
  const early = useRef<{ key: string; controller: AbortController; answer: Promise<FlagList> } | null>(null);
  const searchNow = (value: string) => {
    const term = value.trim();
    const key = keyFor(term);
    if (early.current?.key === key || key === listKey) return;
    early.current?.controller.abort();
    const controller = new AbortController();
    const answer = api.flags.list({ ...queryFor(term), limit: FLAG_PAGE_SIZE }, { signal: controller.signal });
    // Whoever takes it over reports its failure; one nobody takes over was aborted.
    answer.catch(() => undefined);
    early.current = { key, controller, answer };
  };
  useEffect(() => () => early.current?.controller.abort(), []);

  // The first page; a new filter aborts the request in flight and its answer is ignored.
  const first = useResource<Loaded>(
    listKey,
    async (signal) => {
      const started = early.current;
      let res: FlagList;
      if (started?.key === listKey) {
        early.current = null;
        if (signal.aborted) started.controller.abort();
        signal.addEventListener('abort', () => started.controller.abort());
        res = await started.answer;
      } else {
        res = await api.flags.list({ ...baseQuery, limit: FLAG_PAGE_SIZE }, { signal });
      }
      if (res.total === undefined) return legacyList(res, signal);
      return { rows: toRows(res.flags), nextCursor: res.nextCursor ?? null, total: res.total };
    },
    { refreshOn: (events) => events.some((e) => e.flagKey !== null || e.action.startsWith('environment.')), keepPrevious: true },
  );
  /** A server without paging answers the whole list: read summaries the slow way, as before. */
  async function legacyList(res: FlagList, signal: AbortSignal): Promise<Loaded> {
    if (res.flags.every((f) => f.summary)) return { rows: toRows(res.flags), nextCursor: null, total: res.flags.length };
    const [full, audit] = await Promise.all([
      mapLimit(res.flags, 6, (f) => api.flags.get(f.key, { signal })),
      api.audit.list({ limit: 500 }, { signal }).catch(() => ({ events: [], nextCursor: null }) as AuditPage),
    ]);
    const rows = full.map((f) => {
      const c = f.environments?.[environment];
      const last = audit.events.find((e) => e.flagKey === f.key && (e.environment === environment || e.environment === null));
      return {
        flag: f,
        status: c ? flagStatus({ ...c, ruleCount: c.rules.length, prerequisiteCount: c.prerequisites.length }) : undefined,
        lastChange: last ? { at: last.at, actor: last.actor, action: last.action } : c ? { at: c.updatedAt, actor: '', action: '' } : null,
      };
    });
    return { rows, nextCursor: null, total: rows.length };
  }

  // Later pages, appended as the reader scrolls; dropped when the first page is reloaded.
  const [more, setMore] = useState<{ base: Loaded | undefined; rows: FlagRow[]; nextCursor: string | null }>({
    base: undefined,
    rows: [],
    nextCursor: null,
  });
  const moreController = useRef<AbortController | null>(null);
  const current = more.base === first.data ? more : { base: first.data, rows: [], nextCursor: first.data?.nextCursor ?? null };
  const loaded = useMemo(() => (first.data ? [...first.data.rows, ...current.rows] : undefined), [first.data, current.rows]);
  const [loadingMore, setLoadingMore] = useState(false);
  // A failed page waits for the reader's retry: loading it again on every render would hammer a server that is down.
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const loadMore = () => {
    const base = first.data;
    const cursor = current.nextCursor;
    // While a new filter's first page loads, the cursor belongs to the old one.
    if (!base || !cursor || moreController.current || first.loading) return;
    const ac = new AbortController();
    moreController.current = ac;
    setLoadingMore(true);
    setMoreError(undefined);
    api.flags
      .list({ ...baseQuery, limit: FLAG_PAGE_SIZE, cursor }, { signal: ac.signal })
      .then((res) => {
        if (ac.signal.aborted) return;
        setMore((m) => {
          const prev = m.base === base ? m.rows : [];
          return { base, rows: [...prev, ...toRows(res.flags)], nextCursor: res.nextCursor ?? null };
        });
      })
      .catch((error: unknown) => {
        if (!ac.signal.aborted) setMoreError(error);
      })
      .finally(() => {
        if (moreController.current === ac) moreController.current = null;
        setLoadingMore(false);
      });
  };
  // A new first page makes every later page stale: stop loading them.
  useEffect(() => {
    moreController.current?.abort();
    moreController.current = null;
    setMoreError(undefined);
  }, [first.data]);

  const allTags = useMemo(() => [...new Set([...(tag ? [tag] : []), ...(loaded ?? []).flatMap((r) => r.flag.tags)])].sort(), [loaded, tag]);
  const visible = (loaded ?? []).filter((r) => {
    if (statusFilter === 'cleanup')
      return cleanupHint({ temporary: r.flag.temporary, status: r.status!, lastChangeAt: r.lastChange?.at }) !== undefined;
    if (statusFilter && r.status?.kind !== statusFilter) return false;
    return true;
  });
  const total = first.data?.total ?? 0;
  const hasMore = current.nextCursor !== null;

  const tableRef = useRef<HTMLTableElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  // Where the table starts in the page: the window scrolls, and the rows above it aren't the list's.
  const tableShown = first.data !== undefined;
  useLayoutEffect(() => {
    const top = tableRef.current ? tableRef.current.getBoundingClientRect().top + window.scrollY : 0;
    setScrollMargin((m) => (Math.abs(m - top) > 1 ? top : m));
  }, [tableShown, total, hasMore]);
  const virtualizer = useWindowVirtualizer({
    count: visible.length,
    estimateSize: () => 76,
    overscan: OVERSCAN,
    scrollMargin,
    getItemKey: (i) => visible[i]?.flag.key ?? i,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? items[items.length - 1]!.index : -1;
  useEffect(() => {
    if (hasMore && moreError === undefined && lastIndex >= visible.length - OVERSCAN * 2) loadMore();
  });
  const paddingTop = items.length > 0 ? items[0]!.start - scrollMargin : 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]!.end - scrollMargin) : 0;
  const narrowed = statusFilter === 'cleanup' || statusFilter === 'targeted' || statusFilter === 'on' || statusFilter === 'rollout';

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
              placeholder="Key, name or description"
              onChange={(e) => {
                searchNow(e.target.value);
                setQuery({ q: e.target.value });
              }}
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
      {first.error && !first.data ? <ErrorState error={first.error} onRetry={() => void first.reload()} /> : null}
      {!first.data && !first.error ? <Skeleton rows={6} label="Loading flags" /> : null}
      {first.data && total === 0 && !searchTerm && !tag && !statusFilter ? (
        <Empty>
          No flags yet.{' '}
          <button type="button" className="button button--link" onClick={() => setCreating(true)}>
            Create the first one
          </button>
          .
        </Empty>
      ) : null}
      {first.data && (total > 0 || searchTerm || tag || statusFilter) ? (
        <div className="table-wrap">
          <p className="muted small" role="status">
            {narrowed
              ? `${visible.length} shown of ${loaded!.length} loaded${hasMore ? ` (${total} match on the server; more load as you scroll)` : ''}`
              : `${total} ${total === 1 ? 'flag' : 'flags'}${hasMore ? `, ${loaded!.length} loaded; more load as you scroll` : ''}`}
          </p>
          <table
            ref={tableRef}
            className="table flags-table"
            aria-busy={first.loading || loadingMore}
            aria-rowcount={(narrowed ? visible.length : total) + 1}
          >
            <caption className="visually-hidden">
              Flags in {envName}: {narrowed ? visible.length : total} {searchTerm || tag || statusFilter ? 'matching' : 'in all'}
            </caption>
            <thead>
              <tr aria-rowindex={1}>
                <th scope="col">Flag</th>
                <th scope="col">Status in {envName}</th>
                <th scope="col">Tags</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {paddingTop > 0 ? (
                <tr aria-hidden="true" className="virtual-spacer">
                  <td colSpan={4} style={{ height: paddingTop }} />
                </tr>
              ) : null}
              {items.map((item) => (
                <FlagTableRow
                  key={visible[item.index]!.flag.key}
                  row={visible[item.index]!}
                  index={item.index}
                  environment={environment}
                  measure={virtualizer.measureElement}
                />
              ))}
              {paddingBottom > 0 ? (
                <tr aria-hidden="true" className="virtual-spacer">
                  <td colSpan={4} style={{ height: paddingBottom }} />
                </tr>
              ) : null}
            </tbody>
          </table>
          {visible.length === 0 && !hasMore ? <Empty>No flag matches these filters.</Empty> : null}
          {hasMore ? (
            <p>
              {moreError !== undefined ? <span role="alert">The next flags did not load ({errorMessage(moreError)}). </span> : null}
              <button type="button" className="button" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading more flags…' : moreError !== undefined ? 'Try again' : 'Load more flags'}
              </button>
            </p>
          ) : null}
        </div>
      ) : null}
      <NewFlagDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}

/**
 * One drawn row. Memoised: a keystroke in the search box re-renders the page, and rows whose
 * flag didn't change (the same object from the same answer) are not drawn again.
 */
const FlagTableRow = memo(function FlagTableRow({
  row: r,
  index,
  environment,
  measure,
}: {
  row: FlagRow;
  index: number;
  environment: string;
  measure: (el: HTMLTableRowElement | null) => void;
}) {
  const hint = r.status ? cleanupHint({ temporary: r.flag.temporary, status: r.status, lastChangeAt: r.lastChange?.at }) : undefined;
  return (
    <tr data-index={index} ref={measure} aria-rowindex={index + 2}>
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
              <button type="button" className="chip chip--button" onClick={() => setQuery({ tag: t })} aria-label={`Filter by tag ${t}`}>
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
});
