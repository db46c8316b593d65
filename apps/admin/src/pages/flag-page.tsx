/** One flag: its state in every environment, and everything about it in the chosen one. */
import { useState } from 'react';
import type { FlagConfig, Flag } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { ErrorState, PageHeader, Skeleton } from '../components/page';
import { StaleBadge, UsageSummary } from '../components/stale-badge';
import { StatusBadge } from '../components/status-badge';
import { useStagedReveal } from '../components/staged';
import { EvaluationsChart } from '../flag/evaluations-chart';
import { FlagSettings } from '../flag/flag-settings';
import { KillSwitch } from '../flag/kill-switch';
import { PendingRequests } from './change-requests-page';
import { ReleasePanel } from '../flag/release-panel';
import { ScheduledChanges } from '../flag/scheduled-changes';
import { TryAUser } from '../flag/try-a-user';
import { TargetingForm } from '../flag/targeting-form';
import { VersionHistory } from '../flag/version-history';
import { flagStatus } from '../model/status';
import { isProtected } from '../model/environment';
import { Link, enc } from '../router';
import { useResource } from '../use-resource';

/** Parts of the flag page drawn after the kill switch and targeting: release, chart, try-a-user, scheduled, history, settings. */
const DEFERRED_PARTS = 6;

export function FlagPage({ flagKey }: { flagKey: string }) {
  // The URL's environment, as the picker shows it: the two can't disagree.
  const { api, environments, environment: env } = useApp();
  const flag = useResource<Flag>(`flag:${flagKey}`, (signal) => api.flags.get(flagKey, { signal }), {
    refreshOn: (events) => events.some((e) => e.flagKey === flagKey || e.action.startsWith('environment.')),
  });
  // Every flag's variants only once the prerequisites picker is used: the page shows one flag.
  const [wantFlags, setWantFlags] = useState(false);
  const flags = useResource<Record<string, string[]>>(
    'flag-variants',
    async (signal) => {
      const res = await api.flags.list({}, { signal });
      return Object.fromEntries(res.flags.map((f) => [f.key, Object.keys(f.variants)]));
    },
    { refreshOn: (events) => events.some((e) => e.action.startsWith('flag.')), skip: !wantFlags },
  );
  const segments = useResource<string[]>(
    'segment-keys',
    async (signal) => (await api.segments.list({ signal })).segments.map((s) => s.key),
    { refreshOn: (events) => events.some((e) => e.action.startsWith('segment.')) },
  );

  // The kill switch and targeting are drawn first; the rest of the page (release, chart, try-a-user,
  // scheduled changes, history, settings) follows one part per frame, so the page is usable at once.
  const shown = useStagedReveal(DEFERRED_PARTS, flag.data?.environments?.[env] !== undefined);

  if (flag.error && !flag.data) {
    return (
      <>
        <PageHeader title={flagKey} />
        <ErrorState error={flag.error} onRetry={() => void flag.reload()} />
        <p>
          <Link to="/flags">Back to flags</Link>
        </p>
      </>
    );
  }
  if (!flag.data) {
    return (
      <>
        <PageHeader title={flagKey} />
        <Skeleton rows={8} label="Loading flag" />
      </>
    );
  }
  const f = flag.data;
  const envs =
    environments.length > 0
      ? environments
      : Object.keys(f.environments ?? {}).map((key) => ({ key, name: key, revision: 0, createdAt: '' }));
  const envView = envs.find((e) => e.key === env) ?? { key: env, name: env };
  const config = f.environments?.[env];

  const setConfig = (c: FlagConfig) => flag.set({ ...f, environments: { ...f.environments, [c.environment]: c } });
  const reloadConfig = async (): Promise<FlagConfig | undefined> => {
    const fresh = await api.flags.get(flagKey);
    flag.set(fresh);
    return fresh.environments?.[env];
  };
  const reloadFlag = async (): Promise<Flag | undefined> => {
    const fresh = await api.flags.get(flagKey);
    flag.set(fresh);
    return fresh;
  };

  return (
    <>
      <PageHeader title={f.name}>
        <p className="flag-heading">
          <code>{f.key}</code>
          <span className="chip">{f.type}</span>
          {f.clientSide ? <span className="chip">client-side</span> : <span className="chip">server-side only</span>}
          {f.archived ? <span className="chip chip--warn">archived</span> : null}
          <StaleBadge staleness={f.staleness} />
          {f.tags.map((t) => (
            <Link key={t} to={`/flags?tag=${enc(t)}`} className="chip chip--button">
              {t}
            </Link>
          ))}
        </p>
        {f.description ? <p className="muted">{f.description}</p> : null}
        <UsageSummary staleness={f.staleness} />
      </PageHeader>
      <nav aria-label="Environments of this flag" className="env-tabs">
        <ul>
          {envs.map((e) => {
            const c = f.environments?.[e.key];
            return (
              <li key={e.key}>
                <Link to={`/flags/${enc(flagKey)}?env=${enc(e.key)}`} className="env-tab" aria-current={e.key === env ? 'page' : undefined}>
                  <span className="env-tab__name">
                    {e.name}
                    {isProtected(e) ? <span className="env-tab__protected"> · protected</span> : null}
                  </span>
                  {c ? (
                    <StatusBadge status={flagStatus({ ...c, ruleCount: c.rules.length, prerequisiteCount: c.prerequisites.length })} />
                  ) : null}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      {!config ? (
        <ErrorState error={new Error(`This flag has no config in "${env}". Pick another environment.`)} />
      ) : (
        <div className="flag-layout">
          <div className="flag-layout__main">
            <PendingRequests key={`cr-${env}`} flag={flagKey} environment={env} />
            <KillSwitch
              key={`ks-${env}`}
              flagKey={flagKey}
              config={config}
              environment={envView}
              onSaved={setConfig}
              reload={reloadConfig}
            />
            {shown >= 1 ? (
              <ReleasePanel key={`rp-${env}`} flagKey={flagKey} environment={envView} config={config} variants={Object.keys(f.variants)} />
            ) : null}
            <TargetingForm
              key={`tf-${env}-${Object.keys(f.variants).join(',')}`}
              flag={f}
              environment={envView}
              config={config}
              flags={flags.data ?? {}}
              onNeedFlags={() => setWantFlags(true)}
              flagsLoaded={flags.data !== undefined}
              segments={segments.data ?? []}
              onSaved={setConfig}
              reload={reloadConfig}
            />
          </div>
          <div className="flag-layout__side">
            {shown >= 2 ? <EvaluationsChart flagKey={flagKey} environment={env} variants={Object.keys(f.variants)} /> : null}
            {shown >= 3 ? <TryAUser key={`try-${env}`} flagKey={flagKey} environment={envView} /> : null}
            {shown >= 4 ? (
              <ScheduledChanges
                key={`sc-${env}`}
                flagKey={flagKey}
                environment={envView}
                config={config}
                variants={Object.keys(f.variants)}
              />
            ) : null}
            {shown >= 5 ? <VersionHistory flagKey={flagKey} environment={envView} config={config} onRestored={setConfig} /> : null}
            {shown >= 6 ? (
              <FlagSettings
                flag={f}
                onSaved={(next) => flag.set({ ...next, environments: next.environments ?? f.environments })}
                reload={reloadFlag}
              />
            ) : null}
          </div>
        </div>
      )}
    </>
  );
}
