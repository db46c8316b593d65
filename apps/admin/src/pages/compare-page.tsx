/** What differs between two environments, for every flag. */
import type { FlagConfig, Flag } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { Field } from '../components/field';
import { Empty, ErrorState, PageHeader, Skeleton } from '../components/page';
import { StatusBadge } from '../components/status-badge';
import { describePrerequisites, describeRule } from '../model/describe';
import { isProtected } from '../model/environment';
import { flagStatus, serveDetail } from '../model/status';
import { errorMessage } from '../api/client';
import { Link, enc, setQuery, useLocation } from '../router';
import { useState } from 'react';
import { useResource } from '../use-resource';
import { mapLimit } from './flags-page';

const FIELDS = ['enabled', 'offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'] as const;
type Field = (typeof FIELDS)[number];
const LABELS: Record<Field, string> = {
  enabled: 'On/off',
  offVariant: 'Off variant',
  fallthrough: 'Default rule',
  rules: 'Rules',
  prerequisites: 'Prerequisites',
  salt: 'Bucketing salt',
};

export interface Difference {
  field: Field;
  label: string;
  a: string[];
  b: string[];
}

function describeField(c: FlagConfig | undefined, field: Field): string[] {
  if (!c) return ['—'];
  switch (field) {
    case 'enabled':
      return [c.enabled ? 'on' : 'off'];
    case 'fallthrough':
      return [serveDetail(c.fallthrough, c.offVariant)];
    case 'rules':
      return c.rules.length === 0 ? ['no rules'] : c.rules.map((r) => describeRule(r, c.offVariant));
    case 'prerequisites':
      return [describePrerequisites(c.prerequisites)];
    default:
      return [String(c[field])];
  }
}

/**
 * The fields of two configs that differ, each in words; where the words come out the same
 * (a bucketing attribute or a detail they leave out), the field as stored, so a difference
 * is never shown as the same text on both sides.
 */
export function configDifferences(a: FlagConfig | undefined, b: FlagConfig | undefined): Difference[] {
  return FIELDS.filter((f) => JSON.stringify(a?.[f]) !== JSON.stringify(b?.[f])).map((field) => {
    const da = describeField(a, field);
    const db = describeField(b, field);
    const same = da.join('\n') === db.join('\n');
    return {
      field,
      label: LABELS[field],
      a: same && a ? [JSON.stringify(a[field])] : da,
      b: same && b ? [JSON.stringify(b[field])] : db,
    };
  });
}

export function ComparePage() {
  const { api, environments } = useApp();
  const { query } = useLocation();
  const keys = environments.map((e) => e.key);
  const a = query.get('a') ?? (keys.includes('staging') ? 'staging' : (keys[0] ?? ''));
  const b = query.get('b') ?? (keys.includes('production') ? 'production' : (keys[1] ?? ''));
  const onlyDiff = query.get('all') !== '1';
  const name = (k: string) => environments.find((e) => e.key === k)?.name ?? k;
  // A copy into a protected environment is asked for twice: the flag waiting for its confirmation.
  const [confirming, setConfirming] = useState<string | undefined>();
  const [copyError, setCopyError] = useState<{ flag: string; message: string } | undefined>();
  const copy = async (flag: string, from: FlagConfig, to: FlagConfig): Promise<void> => {
    if (isProtected(environments.find((e) => e.key === b)) && confirming !== flag) return setConfirming(flag);
    setConfirming(undefined);
    setCopyError(undefined);
    try {
      // Both versions as read: an edit to either since then fails the copy, nothing written.
      await api.flags.promote(flag, { from: a, to: b, fromVersion: from.version, toVersion: to.version });
      await flags.reload();
    } catch (err) {
      setCopyError({ flag, message: errorMessage(err) });
    }
  };

  const flags = useResource<Flag[]>(
    'compare-flags',
    async (signal) => {
      const list = await api.flags.list({}, { signal });
      return mapLimit(list.flags, 6, (f) => api.flags.get(f.key, { signal }));
    },
    { refreshOn: (events) => events.some((e) => e.flagKey !== null) },
  );

  const rows = (flags.data ?? []).map((f) => {
    const ca = f.environments?.[a];
    const cb = f.environments?.[b];
    return { flag: f, ca, cb, changes: configDifferences(ca, cb) };
  });
  const differing = rows.filter((r) => r.changes.length > 0);
  const shown = onlyDiff ? differing : rows;

  return (
    <>
      <PageHeader title="Compare environments">
        <p className="muted">Targeting that differs between two environments, flag by flag.</p>
      </PageHeader>
      <div className="filters">
        <Field label="Environment A">
          {(p) => (
            <select {...p} value={a} onChange={(e) => setQuery({ a: e.target.value })}>
              {environments.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Environment B">
          {(p) => (
            <select {...p} value={b} onChange={(e) => setQuery({ b: e.target.value })}>
              {environments.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label className="check filters__check">
          <input type="checkbox" checked={!onlyDiff} onChange={(e) => setQuery({ all: e.target.checked ? '1' : undefined })} />
          <span>Show flags that are the same too</span>
        </label>
      </div>
      {flags.error && !flags.data ? <ErrorState error={flags.error} onRetry={() => void flags.reload()} /> : null}
      {!flags.data && !flags.error ? <Skeleton rows={5} label="Loading flags" /> : null}
      {flags.data ? (
        <p className="muted" role="status">
          {differing.length} of {rows.length} flags differ between {name(a)} and {name(b)}.
        </p>
      ) : null}
      {flags.data && shown.length === 0 ? (
        <Empty>{a === b ? 'Pick two different environments.' : 'Every flag is the same in both.'}</Empty>
      ) : null}
      {shown.length > 0 ? (
        <div className="table-wrap">
          <table className="table compare">
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">{name(a)}</th>
                <th scope="col">{name(b)}</th>
                <th scope="col">Differences</th>
              </tr>
            </thead>
            <tbody>
              {shown.map(({ flag, ca, cb, changes }) => (
                <tr key={flag.key}>
                  <td data-label="Flag">
                    <Link to={`/flags/${enc(flag.key)}?env=${enc(b)}`}>{flag.name}</Link>
                    {flag.name !== flag.key ? <code className="small block">{flag.key}</code> : null}
                  </td>
                  <td data-label={name(a)}>
                    {ca ? (
                      <StatusBadge status={flagStatus({ ...ca, ruleCount: ca.rules.length, prerequisiteCount: ca.prerequisites.length })} />
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label={name(b)}>
                    {cb ? (
                      <StatusBadge status={flagStatus({ ...cb, ruleCount: cb.rules.length, prerequisiteCount: cb.prerequisites.length })} />
                    ) : (
                      '—'
                    )}
                  </td>
                  <td data-label="Differences">
                    {changes.length > 0 && ca && cb ? (
                      <div className="compare__copy">
                        <button type="button" className="button button--quiet" onClick={() => void copy(flag.key, ca, cb)}>
                          {confirming === flag.key ? `Confirm: copy into ${name(b)}` : `Copy to ${name(b)} →`}
                        </button>
                        {confirming === flag.key ? (
                          <button type="button" className="button button--quiet" onClick={() => setConfirming(undefined)}>
                            Cancel
                          </button>
                        ) : null}
                        {copyError?.flag === flag.key ? (
                          <p className="field__error" role="alert">
                            {copyError.message}
                          </p>
                        ) : null}
                      </div>
                    ) : null}
                    {changes.length === 0 ? (
                      <span className="muted">Same</span>
                    ) : (
                      <dl className="compare__changes">
                        {changes.map((c) => (
                          <div key={c.field} className="compare__change">
                            <dt>{c.label}</dt>
                            <dd>
                              <span className="compare__env">{name(a)}:</span>
                              <ul className="diff__before">
                                {c.a.map((t, i) => (
                                  <li key={i}>{t}</li>
                                ))}
                              </ul>
                            </dd>
                            <dd>
                              <span className="compare__env">{name(b)}:</span>
                              <ul className="diff__after">
                                {c.b.map((t, i) => (
                                  <li key={i}>{t}</li>
                                ))}
                              </ul>
                            </dd>
                          </div>
                        ))}
                      </dl>
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
