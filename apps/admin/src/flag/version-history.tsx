/**
 * Earlier versions of this flag's config in one environment, each restorable in one click
 * (two in a protected environment: it asks first).
 */
import { useEffect, useRef, useState } from 'react';
import { isApiError, type AdminApi } from '../api/client';
import { isChangeRequest, type ConfigVersion, type FlagConfig } from '@switchboard/api-client';
import { heldMessage } from '../pages/change-requests-page';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { DiffTable } from '../components/diff-table';
import { ErrorState, Skeleton } from '../components/page';
import { WriteFailure } from '../components/write-failure';
import { isProtected, type EnvironmentRef } from '../model/environment';
import { flagStatus, timeAgo } from '../model/status';
import { Link, enc } from '../router';
import { useResource } from '../use-resource';

const SHOWN = 4;
const FIELDS = ['enabled', 'offVariant', 'fallthrough', 'rules', 'prerequisites', 'salt'] as const;
const pick = (c: ConfigVersion | FlagConfig) => Object.fromEntries(FIELDS.map((f) => [f, c[f]]));

/**
 * Restores `version` over `expected`, the version the operator is looking at; without it
 * (the audit log shows no current version) over the newest, read first.
 */
export async function restoreVersion(api: AdminApi, flagKey: string, env: string, version: number, expected?: number): Promise<FlagConfig> {
  const over = expected ?? (await api.configs.get(flagKey, env)).version;
  return api.configs.restore(flagKey, env, version, { ifMatch: over });
}

export function VersionHistory({
  flagKey,
  environment,
  config,
  onRestored,
}: {
  flagKey: string;
  environment: EnvironmentRef;
  config: FlagConfig;
  onRestored(c: FlagConfig): void;
}) {
  const { api, toast } = useApp();
  const [busy, setBusy] = useState<number | null>(null);
  const [failure, setFailure] = useState<{ version: number; error: unknown } | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [done, setDone] = useState<string | undefined>();
  const doneRef = useRef<HTMLParagraphElement>(null);
  const [all, setAll] = useState(false);
  // The button pressed is gone from the list now: focus the outcome, not <body>.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);
  const versions = useResource<ConfigVersion[]>(
    `versions:${flagKey}:${environment.key}:${config.version}`,
    async (signal) => (await api.configs.versions(flagKey, environment.key, { limit: 20 }, { signal })).versions,
    { refreshOn: () => false },
  );

  const restore = async (version: number) => {
    setBusy(version);
    setFailure(null);
    setDone(undefined);
    try {
      const next = await restoreVersion(api, flagKey, environment.key, version, config.version);
      if (isChangeRequest(next)) {
        toast('success', heldMessage(next));
        setDone(heldMessage(next));
        return;
      }
      onRestored(next);
      const text = `Restored version ${version} of ${flagKey} in ${environment.name} as version ${next.version}.`;
      toast('success', text);
      setDone(text);
    } catch (err) {
      setFailure({ version, error: err });
    } finally {
      setBusy(null);
    }
  };
  const request = (version: number) => {
    if (isProtected(environment)) setConfirming(version);
    else void restore(version);
  };
  const stale = failure && isApiError(failure.error) && failure.error.status === 412 ? failure.error : null;

  return (
    <section className="card" aria-labelledby="history-title">
      <div className="card__head">
        <h2 id="history-title" className="card__title">
          History in {environment.name}
        </h2>
        <Link to={`/audit?flag=${enc(flagKey)}&environment=${enc(environment.key)}`} className="button button--quiet">
          Audit log for this flag
        </Link>
      </div>
      {done ? (
        <p ref={doneRef} tabIndex={-1} className="notice notice--info small">
          {done}
        </p>
      ) : null}
      {stale ? (
        <div className="notice notice--error" role="alert">
          <p>
            Nothing was restored: someone saved version {stale.currentVersion ?? 'a newer version'} meanwhile. Check the differences again,
            then restore.
          </p>
          {stale.requestId ? (
            <p className="small">
              Request id <code>{stale.requestId}</code>
            </p>
          ) : null}
        </div>
      ) : failure ? (
        <WriteFailure
          error={failure.error}
          what={`Restoring version ${failure.version} of ${flagKey} in ${environment.name}`}
          onRetry={() => request(failure.version)}
          onDismiss={() => setFailure(null)}
        />
      ) : null}
      {versions.error ? <ErrorState error={versions.error} onRetry={() => void versions.reload()} /> : null}
      {!versions.data && !versions.error ? <Skeleton rows={3} label="Loading history" /> : null}
      {versions.data ? (
        <ol className="history">
          <li className="history__item history__item--current">
            <span className="history__version">v{config.version}</span>
            <span>{flagStatus({ ...config, ruleCount: config.rules.length }).label}</span>
            <span className="muted small">{timeAgo(config.updatedAt)} · current</span>
          </li>
          {versions.data
            .filter((v) => v.version !== config.version)
            .slice(0, all ? undefined : SHOWN)
            .map((v) => (
              <li key={v.version} className="history__item">
                <span className="history__version">v{v.version}</span>
                <span>{flagStatus({ ...v, ruleCount: v.rules.length }).label}</span>
                <span className="muted small">{timeAgo(v.createdAt)}</span>
                <details className="history__diff">
                  <summary>Differences from current</summary>
                  <DiffTable before={pick(v)} after={pick(config)} caption={`Version ${v.version} compared with the current version`} />
                </details>
                <button
                  type="button"
                  className="button"
                  aria-disabled={busy !== null || undefined}
                  onClick={() => busy === null && request(v.version)}
                >
                  {busy === v.version ? 'Restoring…' : `Restore v${v.version}`}
                </button>
              </li>
            ))}
        </ol>
      ) : null}
      {versions.data && versions.data.filter((v) => v.version !== config.version).length > SHOWN ? (
        <button type="button" className="button button--quiet" aria-expanded={all} onClick={() => setAll(!all)}>
          {all ? 'Show fewer versions' : 'Show all versions'}
        </button>
      ) : null}
      <ConfirmDialog
        open={confirming !== null}
        title={`Restore version ${confirming ?? ''} of ${flagKey} in ${environment.name}?`}
        confirm={`Restore in ${environment.name}`}
        onConfirm={() => {
          const version = confirming!;
          setConfirming(null);
          void restore(version);
        }}
        onClose={() => setConfirming(null)}
      >
        <p>
          {environment.name} is protected. Version {confirming ?? ''} replaces version {config.version}: its targeting reaches every user in{' '}
          {environment.name} within a second.
        </p>
        <p className="muted">This writes version {config.version + 1} and is recorded in the audit log.</p>
      </ConfirmDialog>
    </section>
  );
}
