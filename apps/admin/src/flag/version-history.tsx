/** Earlier versions of this flag's config in one environment, each restorable in one click. */
import { useState } from 'react';
import { errorMessage, isApiError, type AdminApi } from '../api/client';
import type { ConfigVersion, FlagConfig } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { DiffTable } from '../components/diff-table';
import { ErrorState, Skeleton } from '../components/page';
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
  environment: { key: string; name: string };
  config: FlagConfig;
  onRestored(c: FlagConfig): void;
}) {
  const { api, toast } = useApp();
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [all, setAll] = useState(false);
  const versions = useResource<ConfigVersion[]>(
    `versions:${flagKey}:${environment.key}:${config.version}`,
    async (signal) => (await api.configs.versions(flagKey, environment.key, { limit: 20 }, { signal })).versions,
    { refreshOn: () => false },
  );

  const restore = async (version: number) => {
    setBusy(version);
    setError(undefined);
    try {
      const next = await restoreVersion(api, flagKey, environment.key, version, config.version);
      onRestored(next);
      toast('success', `Restored version ${version} of ${flagKey} in ${environment.name} as version ${next.version}.`);
    } catch (err) {
      setError(
        isApiError(err) && err.status === 412
          ? `Nothing was restored: someone saved version ${err.currentVersion ?? 'a newer version'} meanwhile. Check the differences again, then restore.`
          : errorMessage(err),
      );
    } finally {
      setBusy(null);
    }
  };

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
      {error ? (
        <p className="field__error" role="alert">
          {error}
        </p>
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
                <button type="button" className="button" disabled={busy !== null} onClick={() => void restore(v.version)}>
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
    </section>
  );
}
