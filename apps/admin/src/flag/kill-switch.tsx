/**
 * The kill switch: one prominent control per environment. In a protected environment it
 * asks first. A stale version (someone changed the flag meanwhile) is shown, and the
 * operator can reload and apply the switch again. Focus stays on the switch throughout.
 */
import { useState } from 'react';
import { isApiError } from '../api/client';
import { isChangeRequest, type FlagConfig } from '@switchboard/api-client';
import { heldMessage } from '../pages/change-requests-page';
import { useApp } from '../app-context';
import { Dialog } from '../components/dialog';
import { WriteFailure } from '../components/write-failure';
import { isProtected, type EnvironmentRef } from '../model/environment';
import { timeAgo } from '../model/status';

export interface KillSwitchProps {
  flagKey: string;
  config: FlagConfig;
  environment: EnvironmentRef;
  onSaved(config: FlagConfig): void;
  /** Re-reads the flag; resolves with the newest config of this environment. */
  reload(): Promise<FlagConfig | undefined>;
}

export function KillSwitch({ flagKey, config, environment, onSaved, reload }: KillSwitchProps) {
  const { api, toast } = useApp();
  const [confirming, setConfirming] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ wanted: boolean; error: unknown } | null>(null);
  const [stale, setStale] = useState<{ wanted: boolean; was: number; now: number; requestId: string | undefined } | null>(null);
  const prot = isProtected(environment);
  const on = config.enabled;
  const change = (enabled: boolean) => `Turning ${enabled ? 'on' : 'off'} ${flagKey} in ${environment.name}`;

  const write = async (enabled: boolean, version: number) => {
    setBusy(true);
    setFailure(null);
    try {
      const next = await api.configs.patch(flagKey, environment.key, { enabled }, { ifMatch: version });
      // Turning on where approvals are required is held (202); turning off never is.
      if (isChangeRequest(next)) return toast('success', heldMessage(next));
      setStale(null);
      onSaved(next);
      toast('success', `${flagKey} is ${enabled ? 'on' : 'off'} in ${environment.name} (version ${next.version}).`);
    } catch (err) {
      if (isApiError(err) && err.status === 412) {
        const latest = await reload();
        setStale({ wanted: enabled, was: version, now: latest?.version ?? err.currentVersion ?? version, requestId: err.requestId });
      } else setFailure({ wanted: enabled, error: err });
    } finally {
      setBusy(false);
    }
  };

  const request = (enabled: boolean) => {
    if (busy) return;
    if (prot) setConfirming(enabled);
    else void write(enabled, config.version);
  };

  return (
    <section className={`card kill-switch kill-switch--${on ? 'on' : 'off'}`} aria-labelledby="kill-switch-title">
      <div className="kill-switch__text">
        <h2 id="kill-switch-title" className="card__title">
          {on ? 'On' : 'Off'} in {environment.name}
        </h2>
        <p className="muted">
          {on ? 'Rules and the default rule decide what each user gets.' : `Kill switch engaged: everyone gets ${config.offVariant}.`}{' '}
          Version {config.version}, changed {timeAgo(config.updatedAt)}.
        </p>
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        className={`switch${on ? ' switch--on' : ''}`}
        // Not `disabled`: a disabled button drops the focus to <body> mid-write.
        aria-disabled={busy || undefined}
        onClick={() => request(!on)}
      >
        <span className="switch__track" aria-hidden="true">
          <span className="switch__thumb" />
        </span>
        <span className="switch__label">{on ? `Turn off in ${environment.name}` : `Turn on in ${environment.name}`}</span>
      </button>
      {failure ? (
        <WriteFailure
          error={failure.error}
          what={change(failure.wanted)}
          onRetry={() => void write(failure.wanted, config.version)}
          retryLabel={`Try again: turn ${failure.wanted ? 'on' : 'off'} in ${environment.name}`}
          onDismiss={() => setFailure(null)}
        />
      ) : null}
      {stale ? (
        <div className="notice notice--warn kill-switch__stale" role="alert">
          <p>
            This flag changed in {environment.name} while you were deciding: you saw version {stale.was}, it is now version {stale.now}.{' '}
            <strong>Nothing was written.</strong>
          </p>
          {stale.requestId ? (
            <p className="small">
              Request id <code>{stale.requestId}</code>
            </p>
          ) : null}
          <button type="button" className="button" onClick={() => setStale(null)}>
            Dismiss
          </button>{' '}
          {config.enabled !== stale.wanted ? (
            <button
              type="button"
              className={`button ${stale.wanted ? 'button--primary' : 'button--danger'}`}
              onClick={() => request(stale.wanted)}
            >
              {stale.wanted ? 'Turn on' : 'Turn off'} in {environment.name} at version {config.version}
            </button>
          ) : (
            <span className="muted">It is already {stale.wanted ? 'on' : 'off'}.</span>
          )}
        </div>
      ) : null}
      <Dialog
        open={confirming !== null}
        tone={confirming ? 'default' : 'danger'}
        title={confirming ? `Turn on ${flagKey} in ${environment.name}?` : `Turn off ${flagKey} in ${environment.name}?`}
        onClose={() => setConfirming(null)}
        actions={
          <>
            <button type="button" className="button" onClick={() => setConfirming(null)} data-autofocus>
              Cancel
            </button>
            <button
              type="button"
              className={`button ${confirming ? 'button--primary' : 'button--danger'}`}
              onClick={() => {
                const wanted = confirming!;
                setConfirming(null);
                void write(wanted, config.version);
              }}
            >
              {confirming ? `Turn on in ${environment.name}` : `Turn off in ${environment.name}`}
            </button>
          </>
        }
      >
        <p>
          {confirming
            ? `Users in ${environment.name} start getting what the rules and the default rule serve, within a second.`
            : `Every user in ${environment.name} gets ${config.offVariant} within a second, whatever the rules say.`}
        </p>
        <p className="muted">This writes version {config.version + 1} and is recorded in the audit log.</p>
      </Dialog>
    </section>
  );
}
