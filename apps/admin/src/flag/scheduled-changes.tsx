/**
 * Scheduled changes of one flag in one environment: turn it on or off, or roll a variant
 * out to N %, at a wall time in an IANA zone (the browser's by default). Each is listed with
 * its time in the reader's zone and in the zone it was typed in, since those differ for a
 * team spread over zones; a pending one can be cancelled. The server refuses a time the
 * clocks skip (DST) and asks for an offset when they repeat one; both show beside the field.
 */
import { useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Environment, FlagConfig, PatchConfigBody, ScheduledChange } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { Field, FormError } from '../components/field';
import { Empty, ErrorState, Skeleton } from '../components/page';
import { formField, formatPercent } from '../model/release';
import type { FieldErrors } from '../model/rules';
import { browserTimeZone, formatInZone, localInputIn, offsetNear, zonesWith } from '../model/time-zones';
import { useResource } from '../use-resource';

type Action = 'enable' | 'disable' | 'rollout';

export interface ScheduledChangesProps {
  flagKey: string;
  environment: Environment | { key: string; name: string };
  config: FlagConfig;
  variants: string[];
}

/** "turn on", "roll on out to 25 %": what a scheduled change does. */
export function describeChange(change: Record<string, unknown>): string {
  const parts: string[] = [];
  if (change.enabled === true) parts.push('turn on');
  if (change.enabled === false) parts.push('turn off');
  const ft = change.fallthrough as { variant?: string; rollout?: { variant: string; weight: number }[] } | undefined;
  if (ft?.rollout && ft.rollout[0]) parts.push(`roll ${ft.rollout[0].variant} out to ${formatPercent(ft.rollout[0].weight / 1000)}`);
  else if (ft?.variant) parts.push(`serve ${ft.variant} to everyone`);
  for (const k of Object.keys(change)) if (k !== 'enabled' && k !== 'fallthrough') parts.push(`change ${k}`);
  return parts.join(', ') || 'change the config';
}

export function ScheduledChanges({ flagKey, environment, config, variants }: ScheduledChangesProps) {
  const { api, toast } = useApp();
  const env = environment.key;
  const list = useResource<ScheduledChange[]>(
    `scheduled:${flagKey}:${env}`,
    async (signal) => (await api.scheduledChanges.list(flagKey, env, {}, { signal })).scheduledChanges,
    { refreshOn: (events) => events.some((e) => e.flagKey === flagKey && e.environment === env) },
  );
  const [cancelling, setCancelling] = useState<ScheduledChange | null>(null);
  const zone = browserTimeZone();

  const cancel = async (c: ScheduledChange) => {
    setCancelling(null);
    try {
      await api.scheduledChanges.cancel(flagKey, env, c.id);
      toast('success', `Cancelled in ${environment.name}: ${describeChange(c.change)} at ${formatInZone(c.runAt, zone)}.`);
    } catch (err) {
      toast('error', errorMessage(err));
    }
    void list.reload();
  };

  return (
    <section className="card" aria-labelledby="scheduled-title">
      <div className="card__head">
        <h2 id="scheduled-title" className="card__title">
          Scheduled changes
        </h2>
        <div className="card__tools">
          <button type="button" className="button button--quiet" onClick={() => void list.reload()}>
            Refresh
          </button>
        </div>
      </div>
      <NewScheduledChange
        flagKey={flagKey}
        environment={environment}
        config={config}
        variants={variants}
        onCreated={() => void list.reload()}
      />
      {list.error && !list.data ? <ErrorState error={list.error} onRetry={() => void list.reload()} /> : null}
      {!list.data && !list.error ? <Skeleton rows={2} label="Loading scheduled changes" /> : null}
      {list.data?.length === 0 ? <Empty>Nothing scheduled in {environment.name}.</Empty> : null}
      {list.data && list.data.length > 0 ? (
        <ul className="scheduled" aria-label="Scheduled changes">
          {list.data.map((c) => (
            <li key={c.id} className={`scheduled__item scheduled__item--${c.status}`}>
              <div className="scheduled__what">
                <span className={`chip scheduled__status scheduled__status--${c.status}`}>{c.status}</span>{' '}
                <strong>{describeChange(c.change)}</strong>
              </div>
              <div className="scheduled__when">
                <time dateTime={c.runAt}>{formatInZone(c.runAt, zone)}</time>
                {c.runAtLocal ? (
                  <span className="muted small">
                    {' '}
                    · typed as {c.runAtLocal.local.replace('T', ' ')} {c.runAtLocal.timeZone}
                    {c.runAtLocal.offset ? ` (UTC${c.runAtLocal.offset})` : ''}
                  </span>
                ) : (
                  <span className="muted small"> · given as {new Date(c.runAt).toISOString().replace('.000Z', 'Z')}</span>
                )}
              </div>
              <div className="muted small">
                by {c.createdBy}
                {c.comment ? ` · ${c.comment}` : ''}
                {c.baseVersion !== null ? ` · only if still version ${c.baseVersion}` : ''}
                {c.appliedVersion !== null ? ` · wrote version ${c.appliedVersion}` : ''}
                {c.error ? ` · ${c.error}` : ''}
              </div>
              {c.status === 'pending' ? (
                <button type="button" className="button button--quiet button--danger-text" onClick={() => setCancelling(c)}>
                  Cancel scheduled change
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      <ConfirmDialog
        open={cancelling !== null}
        title="Cancel this scheduled change?"
        confirm="Cancel change"
        onClose={() => setCancelling(null)}
        onConfirm={() => void cancel(cancelling!)}
      >
        <p>
          {cancelling
            ? `It would ${describeChange(cancelling.change)} ${flagKey} in ${environment.name} at ${formatInZone(cancelling.runAt, zone)}.`
            : ''}{' '}
          Nothing is written to the flag; schedule it again if you need it.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function NewScheduledChange({ flagKey, environment, config, variants, onCreated }: ScheduledChangesProps & { onCreated(): void }) {
  const { api, toast } = useApp();
  const [zone, setZone] = useState(browserTimeZone);
  const [local, setLocal] = useState(() => localInputIn(browserTimeZone(), 60));
  const [action, setAction] = useState<Action>(config.enabled ? 'disable' : 'enable');
  const [percent, setPercent] = useState('25');
  const served = variants.find((v) => v === 'on') ?? variants.find((v) => v !== config.offVariant) ?? '';
  const [variant, setVariant] = useState(served);
  const [comment, setComment] = useState('');
  const [offset, setOffset] = useState('');
  const [ifUnchanged, setIfUnchanged] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const found: FieldErrors = {};
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) found['runAt.local'] = 'Enter a date and time';
    let change: PatchConfigBody = {};
    if (action === 'enable') change = { enabled: true };
    else if (action === 'disable') change = { enabled: false };
    else {
      const p = Number(percent);
      if (percent.trim() === '' || !Number.isFinite(p) || p < 0 || p > 100) found.percent = 'Between 0 and 100';
      if (variant === config.offVariant) found.variant = `Another variant than the off variant (${config.offVariant})`;
      const weight = Math.round(p * 1000);
      const bucketBy = 'rollout' in config.fallthrough ? config.fallthrough.bucketBy : undefined;
      change = {
        fallthrough: {
          rollout: [
            { variant, weight },
            { variant: config.offVariant, weight: 100_000 - weight },
          ],
          ...(bucketBy === undefined ? {} : { bucketBy }),
        },
      };
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const created = await api.scheduledChanges.create(flagKey, environment.key, {
        runAt: { local, timeZone: zone, ...(offset.trim() === '' ? {} : { offset: offset.trim() }) },
        change,
        ...(ifUnchanged ? { baseVersion: config.version } : {}),
        ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
      });
      toast(
        'success',
        `Scheduled in ${environment.name}: ${describeChange(created.change)} at ${formatInZone(created.runAt, browserTimeZone())}.`,
      );
      setComment('');
      onCreated();
    } catch (err) {
      const field = isApiError(err) && err.field ? formField(err.field) : undefined;
      if (field === 'runAt' || field === 'runAt.local') setErrors({ 'runAt.local': errorMessage(err) });
      else if (field === 'runAt.offset') setErrors({ 'runAt.offset': errorMessage(err) });
      else if (field === 'runAt.timeZone') setErrors({ 'runAt.timeZone': errorMessage(err) });
      else setFormError(field ? `${field}: ${errorMessage(err)}` : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form scheduled__form" onSubmit={(e) => void submit(e)} noValidate aria-label="Schedule a change">
      <div className="grid-4">
        <Field label="Change" errors={errors.action}>
          {(p) => (
            <select {...p} value={action} onChange={(e) => setAction(e.target.value as Action)}>
              <option value="enable">Turn on</option>
              <option value="disable">Turn off</option>
              <option value="rollout">Roll out to a percentage</option>
            </select>
          )}
        </Field>
        {action === 'rollout' ? (
          <>
            <Field label="Percentage" errors={errors.percent} className="field--narrow">
              {(p) => <input {...p} inputMode="decimal" value={percent} onChange={(e) => setPercent(e.target.value)} />}
            </Field>
            <Field label="Of variant" errors={errors.variant}>
              {(p) => (
                <select {...p} value={variant} onChange={(e) => setVariant(e.target.value)}>
                  {variants.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </>
        ) : null}
        <Field label="At" errors={errors['runAt.local']} hint={`Wall time in ${zone} (${offsetNear(zone, local)})`}>
          {(p) => <input {...p} type="datetime-local" value={local} onChange={(e) => setLocal(e.target.value)} />}
        </Field>
        <Field label="Time zone" errors={errors['runAt.timeZone']}>
          {(p) => (
            <select {...p} value={zone} onChange={(e) => setZone(e.target.value)}>
              {zonesWith(zone).map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="UTC offset"
          hint="Only for a time the clocks repeat, like +01:00"
          errors={errors['runAt.offset']}
          className="field--narrow"
        >
          {(p) => <input {...p} value={offset} onChange={(e) => setOffset(e.target.value)} placeholder="+01:00" />}
        </Field>
        <Field label="Comment">{(p) => <input {...p} value={comment} onChange={(e) => setComment(e.target.value)} />}</Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={ifUnchanged} onChange={(e) => setIfUnchanged(e.target.checked)} />
        <span>Only if the flag is still at version {config.version} then (otherwise it conflicts and writes nothing)</span>
      </label>
      <FormError>{formError}</FormError>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Scheduling…' : 'Schedule change'}
        </button>
      </div>
    </form>
  );
}
