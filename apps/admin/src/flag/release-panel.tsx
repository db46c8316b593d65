/**
 * The Release panel of one flag in one environment: start a release plan (stages, guards,
 * an optional start time in a named zone), then watch it live (stage and time left, the arms'
 * units and event rates with confidence intervals, each guard's verdict, the decision log)
 * and pause, resume, advance or cancel it. A live plan is polled every few seconds, since
 * it moves on its own.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { errorMessage, isApiError } from '../api/client';
import type { Environment, FlagConfig, ReleasePlan } from '@switchboard/api-client';
import { useApp } from '../app-context';
import { ConfirmDialog } from '../components/dialog';
import { Field, FormError, GroupError } from '../components/field';
import { ErrorState, Skeleton } from '../components/page';
import {
  DEFAULT_GUARD,
  durationText,
  formatDuration,
  formatPercent,
  formatValue,
  formField,
  guardChecks,
  initialPlanForm,
  isLive,
  planBody,
  PRESETS,
  STATUS_TEXT,
  VERDICT_TEXT,
  type DurationUnit,
  type GuardCheck,
  type PlanForm,
} from '../model/release';
import { isProtected, type EnvironmentRef } from '../model/environment';
import type { FieldErrors } from '../model/rules';
import { browserTimeZone, formatInZone, offsetNear, zonesWith } from '../model/time-zones';
import { useResource } from '../use-resource';
import { IntervalChart } from './release-chart';

/** How often a live plan is read again: stages last seconds in tests and demos, minutes in real use. */
export const RELEASE_POLL_MS = 2000;

const TREATMENT_COLOR = '#2f5bd3';
const CONTROL_COLOR = '#868e96';

export interface ReleasePanelProps {
  flagKey: string;
  environment: Environment | EnvironmentRef;
  config: FlagConfig;
  variants: string[];
}

export function ReleasePanel({ flagKey, environment, config, variants }: ReleasePanelProps) {
  const { api } = useApp();
  const env = environment.key;
  const plan = useResource<ReleasePlan | null>(
    `release:${flagKey}:${env}`,
    async (signal) => {
      try {
        return await api.releasePlans.get(flagKey, env, { signal });
      } catch (err) {
        // No plan yet is a 404 naming the plan; a server without the routes answers 404 too: both mean "start one".
        if (isApiError(err) && err.status === 404 && !/flag ".*" does not exist|has no config/i.test(err.message)) return null;
        throw err;
      }
    },
    { refreshOn: (events) => events.some((e) => e.flagKey === flagKey && e.environment === env) },
  );
  const [starting, setStarting] = useState(false);
  const live = plan.data ? isLive(plan.data.status) : false;

  const reload = plan.reload;
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => void reload(), RELEASE_POLL_MS);
    return () => clearInterval(timer);
  }, [live, reload]);

  return (
    <section className="card release" aria-labelledby="release-title">
      <div className="card__head">
        <h2 id="release-title" className="card__title">
          Release in {environment.name}
        </h2>
        {plan.data ? <PlanStatus status={plan.data.status} /> : null}
      </div>
      {plan.error && plan.data === undefined ? <ErrorState error={plan.error} onRetry={() => void plan.reload()} /> : null}
      {plan.data === undefined && !plan.error ? <Skeleton rows={3} label="Loading release plan" /> : null}
      {plan.data && live ? <LiveView plan={plan.data} onChanged={plan.set} /> : null}
      {plan.data && !live && !starting ? (
        <>
          <LiveView plan={plan.data} onChanged={plan.set} />
          <button type="button" className="button button--primary" onClick={() => setStarting(true)}>
            New release plan
          </button>
        </>
      ) : null}
      {plan.data === null && !starting ? (
        <div className="release__empty">
          <p className="muted">
            Roll a variant out in stages while guards compare its users with everyone else&apos;s, and roll back on their own if it does
            worse.
          </p>
          <button type="button" className="button button--primary" onClick={() => setStarting(true)}>
            Plan a release
          </button>
        </div>
      ) : null}
      {starting && (plan.data === null || (plan.data && !live)) ? (
        <StartForm
          flagKey={flagKey}
          environment={environment}
          config={config}
          variants={variants}
          onCancel={() => setStarting(false)}
          onStarted={(p) => {
            setStarting(false);
            plan.set(p);
          }}
        />
      ) : null}
    </section>
  );
}

function PlanStatus({ status }: { status: ReleasePlan['status'] }) {
  return (
    <span className={`badge release-status release-status--${status}`} data-status={status}>
      <span className="badge__dot" aria-hidden="true" />
      {STATUS_TEXT[status]}
    </span>
  );
}

/* ---------------------------------------------------------------- start form */

function StartForm({
  flagKey,
  environment,
  config,
  variants,
  onCancel,
  onStarted,
}: ReleasePanelProps & { onCancel(): void; onStarted(plan: ReleasePlan): void }) {
  const { api, toast } = useApp();
  const [form, setForm] = useState<PlanForm>(() => initialPlanForm(variants, config.offVariant, browserTimeZone()));
  const [preset, setPreset] = useState(PRESETS[0]!.id);
  const [later, setLater] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // In a protected environment a valid plan waits here for the operator's confirmation.
  const [confirming, setConfirming] = useState(false);
  const update = (patch: Partial<PlanForm>) => setForm((f) => ({ ...f, ...patch }));
  const setStage = (i: number, patch: Partial<PlanForm['stages'][number]>) =>
    setForm((f) => ({ ...f, stages: f.stages.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const setGuard = (i: number, patch: Partial<PlanForm['guards'][number]>) =>
    setForm((f) => ({ ...f, guards: f.guards.map((g, j) => (j === i ? { ...g, ...patch } : g)) }));

  const submit = async (e: FormEvent | undefined, confirmed = false) => {
    e?.preventDefault();
    setFormError(undefined);
    const { body, errors: found } = planBody(later ? form : { ...form, startLocal: '' });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (isProtected(environment) && !confirmed) return setConfirming(true);
    setBusy(true);
    try {
      const created = await api.releasePlans.put(flagKey, environment.key, body);
      toast('success', `Release plan for ${flagKey} in ${environment.name} ${created.status === 'scheduled' ? 'scheduled' : 'started'}.`);
      onStarted(created);
    } catch (err) {
      const field = isApiError(err) && err.field ? formField(err.field) : undefined;
      if (field && FORM_FIELDS.test(field)) setErrors({ [field]: err instanceof Error ? err.message : String(err) });
      else setFormError(field ? `${field}: ${errorMessage(err)}` : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const zone = form.timeZone;
  return (
    <form className="form release__form" onSubmit={(e) => void submit(e)} noValidate aria-label="New release plan">
      {!config.enabled ? (
        <p className="notice notice--warn">
          {flagKey} is off in {environment.name}: turn it on first, or start the plan later (it pauses if the flag is still off then).
        </p>
      ) : null}
      <div className="grid-3">
        <Field label="Variant to release" errors={errors.variant}>
          {(p) => (
            <select {...p} value={form.variant} onChange={(e) => update({ variant: e.target.value })}>
              {variants.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Everyone else gets" errors={errors.control}>
          {(p) => (
            <select {...p} value={form.control} onChange={(e) => update({ control: e.target.value })}>
              <option value="">{config.offVariant} (the off variant)</option>
              {variants
                .filter((v) => v !== config.offVariant)
                .map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
            </select>
          )}
        </Field>
        <Field label="Stages" hint="Pick a preset, then edit the rows">
          {(p) => (
            <select
              {...p}
              value={preset}
              onChange={(e) => {
                setPreset(e.target.value);
                const chosen = PRESETS.find((x) => x.id === e.target.value);
                if (chosen) update({ stages: chosen.stages.map((s) => ({ ...s })) });
              }}
            >
              {PRESETS.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.label}
                </option>
              ))}
              <option value="custom">Custom</option>
            </select>
          )}
        </Field>
      </div>

      <fieldset className="release__rows">
        <legend>Stages</legend>
        <GroupError errors={errors.stages ? [errors.stages] : []} />
        <ol className="release__list">
          {form.stages.map((s, i) => {
            const last = i === form.stages.length - 1;
            return (
              <li key={i} className="release__row" role="group" aria-label={`Stage ${i + 1}`}>
                <Field label={`Stage ${i + 1} percent`} errors={errors[`stages.${i}.percent`]} className="field--narrow">
                  {(p) => (
                    <input
                      {...p}
                      inputMode="decimal"
                      value={s.percent}
                      onChange={(e) => {
                        setPreset('custom');
                        setStage(i, { percent: e.target.value });
                      }}
                    />
                  )}
                </Field>
                <Field
                  label={`Stage ${i + 1} runs at least`}
                  hint={last ? 'Empty: the plan completes here' : undefined}
                  errors={errors[`stages.${i}.minDurationSec`]}
                  className="field--narrow"
                >
                  {(p) => (
                    <input
                      {...p}
                      inputMode="decimal"
                      value={s.duration}
                      onChange={(e) => {
                        setPreset('custom');
                        setStage(i, { duration: e.target.value });
                      }}
                    />
                  )}
                </Field>
                <Field label={`Stage ${i + 1} unit`} hideLabel>
                  {(p) => (
                    <select {...p} value={s.unit} onChange={(e) => setStage(i, { unit: e.target.value as DurationUnit })}>
                      <option value="s">seconds</option>
                      <option value="min">minutes</option>
                      <option value="h">hours</option>
                    </select>
                  )}
                </Field>
                <button
                  type="button"
                  className="button button--quiet"
                  disabled={form.stages.length === 1}
                  onClick={() => {
                    setPreset('custom');
                    setForm((f) => ({ ...f, stages: f.stages.filter((_, j) => j !== i) }));
                  }}
                >
                  Remove stage {i + 1}
                </button>
              </li>
            );
          })}
        </ol>
        <button
          type="button"
          className="button"
          disabled={form.stages.length >= 20}
          onClick={() => {
            setPreset('custom');
            setForm((f) => ({ ...f, stages: [...f.stages, { percent: '', duration: '', unit: 'min' }] }));
          }}
        >
          Add stage
        </button>
      </fieldset>

      <fieldset className="release__rows">
        <legend>Guards</legend>
        <p className="muted small">
          Each guard compares the users on the released variant with the rest in the running stage, per user, and acts once the difference
          is clear (a test that stays valid however often it is checked).
        </p>
        {form.guards.length === 0 ? <p className="muted">No guards: the plan only advances on time.</p> : null}
        <ol className="release__list">
          {form.guards.map((g, i) => (
            <li key={i} className="release__row release__row--guard" role="group" aria-label={`Guard ${i + 1}`}>
              <Field label="Event" errors={errors[`guards.${i}.event`]} hint="$error or a track() name">
                {(p) => <input {...p} value={g.event} onChange={(e) => setGuard(i, { event: e.target.value })} />}
              </Field>
              <Field label="Compare" errors={errors[`guards.${i}.metric`]}>
                {(p) => (
                  <select {...p} value={g.metric} onChange={(e) => setGuard(i, { metric: e.target.value as typeof g.metric })}>
                    <option value="rate">rate (share of users with it)</option>
                    <option value="mean">mean (its value per user)</option>
                  </select>
                )}
              </Field>
              <Field label="Worse when" errors={errors[`guards.${i}.worseWhen`]}>
                {(p) => (
                  <select {...p} value={g.worseWhen} onChange={(e) => setGuard(i, { worseWhen: e.target.value as typeof g.worseWhen })}>
                    <option value="higher">higher</option>
                    <option value="lower">lower</option>
                  </select>
                )}
              </Field>
              <Field label="Tolerance %" errors={errors[`guards.${i}.tolerance`]} className="field--narrow">
                {(p) => (
                  <input
                    {...p}
                    inputMode="decimal"
                    value={g.tolerancePct}
                    onChange={(e) => setGuard(i, { tolerancePct: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Min users per arm" errors={errors[`guards.${i}.minUnits`]} className="field--narrow">
                {(p) => <input {...p} inputMode="numeric" value={g.minUnits} onChange={(e) => setGuard(i, { minUnits: e.target.value })} />}
              </Field>
              <Field label="Then" errors={errors[`guards.${i}.action`]}>
                {(p) => (
                  <select {...p} value={g.action} onChange={(e) => setGuard(i, { action: e.target.value as typeof g.action })}>
                    <option value="rollback">roll back (everyone on control)</option>
                    <option value="kill">kill (flag off)</option>
                    <option value="pause">pause the plan</option>
                    <option value="notify">notify only</option>
                  </select>
                )}
              </Field>
              <button
                type="button"
                className="button button--quiet"
                onClick={() => setForm((f) => ({ ...f, guards: f.guards.filter((_, j) => j !== i) }))}
              >
                Remove guard {i + 1}
              </button>
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="button"
          disabled={form.guards.length >= 10}
          onClick={() => setForm((f) => ({ ...f, guards: [...f.guards, { ...DEFAULT_GUARD, event: '' }] }))}
        >
          Add guard
        </button>
      </fieldset>

      <fieldset className="release__rows">
        <legend>Start</legend>
        <label className="check">
          <input type="checkbox" checked={later} onChange={(e) => setLater(e.target.checked)} />
          <span>Start later</span>
        </label>
        {later ? (
          <div className="grid-3">
            <Field
              label="Start at"
              errors={errors.startAt ?? errors['startAt.local']}
              hint={`Wall time in ${zone} (${offsetNear(zone, form.startLocal)})`}
            >
              {(p) => (
                <input {...p} type="datetime-local" value={form.startLocal} onChange={(e) => update({ startLocal: e.target.value })} />
              )}
            </Field>
            <Field label="Time zone" errors={errors['startAt.timeZone']}>
              {(p) => (
                <select {...p} value={zone} onChange={(e) => update({ timeZone: e.target.value })}>
                  {zonesWith(zone).map((z) => (
                    <option key={z} value={z}>
                      {z}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        ) : null}
      </fieldset>

      <FormError>{formError}</FormError>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Starting…' : later ? 'Schedule release plan' : 'Start release plan'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        tone="default"
        title={`${later ? 'Schedule' : 'Start'} the release of ${flagKey} in ${environment.name}?`}
        confirm={`${later ? 'Schedule' : 'Start'} in ${environment.name}`}
        onClose={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          void submit(undefined, true);
        }}
      >
        <p>
          {environment.name} is protected. {later ? 'At the time set, the' : 'The'} first stage serves {form.variant} to{' '}
          {form.stages[0]?.percent || '?'} % of users in {environment.name}, and the plan moves on by itself.
        </p>
      </ConfirmDialog>
    </form>
  );
}

/** Fields the form has an input for; an error naming another (`enabled`, `status`) is shown for the whole form. */
const FORM_FIELDS = /^(variant|control|stages(\.\d+\.(percent|minDurationSec))?|guards\.\d+\.\w+|startAt(\.\w+)?)$/;

/* ---------------------------------------------------------------- live view */

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function LiveView({ plan, onChanged }: { plan: ReleasePlan; onChanged(plan: ReleasePlan): void }) {
  const { api, toast } = useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const now = useNow(plan.status === 'running' || plan.status === 'scheduled');
  const stage = plan.stages[plan.stage];
  const checks = guardChecks(plan);

  const act = async (op: 'pause' | 'resume' | 'advance' | 'cancel') => {
    setBusy(op);
    setError(undefined);
    try {
      const next = await api.releasePlans[op](plan.flag, plan.environment);
      onChanged(next);
      toast(
        'success',
        `Release plan for ${plan.flag} in ${plan.environment} ${op === 'advance' ? 'advanced' : op === 'cancel' ? 'cancelled' : `${op}d`}.`,
      );
    } catch (err) {
      const field = isApiError(err) && err.field ? formField(err.field) : undefined;
      setError(field ? `${field}: ${errorMessage(err)}` : errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  // The server holds a guarded stage past its time until each arm has the users its guards need.
  const needed = plan.guards.reduce((m, g) => Math.max(m, g.minUnits ?? 1000), 0);
  const fewest = Math.min(plan.arms.treatment.exposures, plan.arms.control.exposures);
  const holding = plan.status === 'running' && plan.guards.length > 0 && fewest < needed;
  const holdText = `waiting for ${needed.toLocaleString()} users per arm (now ${plan.arms.treatment.exposures.toLocaleString()} and ${plan.arms.control.exposures.toLocaleString()})`;
  const timeLeft =
    plan.status === 'running' && plan.nextStageAt
      ? Date.parse(plan.nextStageAt) - now
      : plan.status === 'scheduled' && plan.startAt
        ? Date.parse(plan.startAt) - now
        : undefined;

  return (
    <div className="release__live">
      <dl className="release__facts">
        <div>
          <dt>Stage</dt>
          <dd data-testid="release-stage">
            {plan.stage < 0
              ? 'Not started'
              : `${plan.stage + 1} of ${plan.stages.length}: ${formatPercent(stage?.percent ?? 0)} get ${plan.variant}`}
          </dd>
        </div>
        <div>
          <dt>{plan.status === 'scheduled' ? 'Starts in' : 'Next stage in'}</dt>
          <dd>
            {timeLeft !== undefined
              ? timeLeft > 0
                ? formatDuration(timeLeft)
                : holding
                  ? 'holding'
                  : 'any moment'
              : plan.status === 'running' && stage && stage.minDurationSec === undefined
                ? 'last stage'
                : '—'}
          </dd>
        </div>
        {holding && stage?.minDurationSec !== undefined ? (
          <div className="release__reason release__reason--hold">
            <dt>{timeLeft !== undefined && timeLeft > 0 ? 'Then' : 'Holding'}</dt>
            <dd>{holdText}: a guarded stage only moves on once its guards can judge it</dd>
          </div>
        ) : null}
        <div>
          <dt>Control</dt>
          <dd>{plan.control}</dd>
        </div>
        {plan.pausedReason && plan.status === 'paused' ? (
          <div className="release__reason">
            <dt>Paused because</dt>
            <dd>{plan.pausedReason}</dd>
          </div>
        ) : null}
      </dl>
      <ol className="release__stages" aria-label="Stages">
        {plan.stages.map((s, i) => (
          <li
            key={i}
            className={`release__stage${i === plan.stage ? ' release__stage--current' : i < plan.stage ? ' release__stage--done' : ''}`}
            aria-current={i === plan.stage ? 'step' : undefined}
          >
            <span className="release__stage-percent">{formatPercent(s.percent)}</span>
            <span className="muted small">{durationText(s.minDurationSec)}</span>
          </li>
        ))}
      </ol>
      {isLive(plan.status) ? (
        <div className="release__actions">
          {plan.status === 'running' || plan.status === 'scheduled' ? (
            <button type="button" className="button" disabled={busy !== null} onClick={() => void act('pause')}>
              {busy === 'pause' ? 'Pausing…' : 'Pause'}
            </button>
          ) : null}
          {plan.status === 'paused' ? (
            <button type="button" className="button button--primary" disabled={busy !== null} onClick={() => void act('resume')}>
              {busy === 'resume' ? 'Resuming…' : 'Resume'}
            </button>
          ) : null}
          {plan.stage < plan.stages.length - 1 && plan.status !== 'scheduled' ? (
            <button type="button" className="button" disabled={busy !== null} onClick={() => void act('advance')}>
              {busy === 'advance' ? 'Advancing…' : 'Advance to the next stage'}
            </button>
          ) : null}
          <button type="button" className="button button--danger-text" disabled={busy !== null} onClick={() => setConfirmCancel(true)}>
            Cancel plan
          </button>
        </div>
      ) : null}
      <FormError>{error}</FormError>

      {plan.stage >= 0 ? <Arms plan={plan} checks={checks} /> : null}
      <DecidingStatistics plan={plan} />

      <DecisionLog plan={plan} />
      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this release plan?"
        confirm="Cancel plan"
        onClose={() => setConfirmCancel(false)}
        onConfirm={() => {
          setConfirmCancel(false);
          void act('cancel');
        }}
      >
        <p>
          The plan stops and its guards stop watching. The flag keeps what it serves now ({stage ? formatPercent(stage.percent) : 'nothing'}{' '}
          on {plan.variant}); change it by hand afterwards.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function Arms({ plan, checks }: { plan: ReleasePlan; checks: GuardCheck[] }) {
  const { treatment, control } = plan.arms;
  const events = [...new Set([...plan.guards.map((g) => g.event), ...Object.keys(treatment.events), ...Object.keys(control.events)])];
  return (
    <div className="release__arms">
      <h3 className="release__subtitle">This stage, per arm</h3>
      {plan.sampling < 1 ? <p className="muted small">Counting a {formatPercent(plan.sampling * 100)} sample of users by hash.</p> : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col">Users</th>
              {events.map((e) => (
                <th key={e} scope="col">
                  {e} rate
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[
              { label: `Treatment (${treatment.variant})`, arm: treatment },
              { label: `Control (${control.variant})`, arm: control },
            ].map(({ label, arm }) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td>{arm.exposures.toLocaleString()}</td>
                {events.map((e) => (
                  <td key={e}>
                    {formatValue(arm.events[e]?.rate ?? (arm.exposures > 0 ? 0 : null), 'rate')}{' '}
                    <span className="muted small">({(arm.events[e]?.units ?? 0).toLocaleString()})</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {checks.length > 0 ? (
        <ul className="release__guards" aria-label="Guards">
          {checks.map((c, i) => {
            const guard = plan.guards[i];
            const metric = c.stats?.metric ?? guard?.metric ?? 'rate';
            const rel = c.stats?.relativeChange;
            return (
              <li key={i} className={`release__guard release__guard--${c.verdict}`}>
                <div className="release__guard-head">
                  <strong>
                    {c.event} {metric}
                  </strong>{' '}
                  <span className={`chip release__verdict release__verdict--${c.verdict}`}>{VERDICT_TEXT[c.verdict] ?? c.verdict}</span>
                  {guard ? (
                    <span className="muted small">
                      {' '}
                      worse when {guard.worseWhen}, then {guard.action}
                    </span>
                  ) : null}
                </div>
                {c.reason ? <p className="small">{c.reason}</p> : null}
                {c.stats?.treatment && c.stats.control ? (
                  <IntervalChart
                    title={`${c.event} ${metric}`}
                    metric={metric}
                    arms={[
                      { label: plan.variant, color: TREATMENT_COLOR, estimate: c.stats.treatment },
                      { label: plan.control, color: CONTROL_COLOR, estimate: c.stats.control },
                    ]}
                  />
                ) : null}
                {rel !== null && rel !== undefined ? (
                  <p className="muted small">
                    Relative change {signed(rel * 100)} %
                    {c.stats?.relativeChangeCiLow !== null &&
                    c.stats?.relativeChangeCiLow !== undefined &&
                    c.stats.relativeChangeCiHigh !== null &&
                    c.stats.relativeChangeCiHigh !== undefined
                      ? ` (${signed(c.stats.relativeChangeCiLow * 100)} to ${signed(c.stats.relativeChangeCiHigh * 100)} %)`
                      : ''}
                    {c.stats?.srmPValue !== null && c.stats?.srmPValue !== undefined
                      ? `; sample ratio p = ${c.stats.srmPValue.toPrecision(2)}`
                      : ''}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : plan.guards.length > 0 && plan.status === 'running' ? (
        <p className="muted small">Guards report once the stage has data.</p>
      ) : null}
    </div>
  );
}

const signed = (v: number): string => `${v > 0 ? '+' : ''}${Number(v.toPrecision(3))}`;

/**
 * The statistics behind the last guard action (rollback, kill, pause, notify), from the
 * decision log: once a plan stops, its guards no longer report, but why it stopped should
 * stay on screen.
 */
function DecidingStatistics({ plan }: { plan: ReleasePlan }) {
  const decision = [...plan.decisions].reverse().find((d) => typeof d.stats === 'object' && d.stats !== null);
  if (!decision || plan.status === 'running') return null;
  const stats = decision.stats as GuardCheck['stats'];
  if (!stats?.treatment || !stats.control) return null;
  const metric = stats.metric ?? 'rate';
  const guard = /guard (\S+)/.exec(decision.reason)?.[1] ?? 'guard';
  return (
    <div className="release__deciding">
      <h3 className="release__subtitle">What decided the {decision.action}</h3>
      <IntervalChart
        title={`${guard} ${metric}`}
        metric={metric}
        arms={[
          { label: plan.variant, color: TREATMENT_COLOR, estimate: stats.treatment },
          { label: plan.control, color: CONTROL_COLOR, estimate: stats.control },
        ]}
      />
      {stats.relativeChange !== null && stats.relativeChange !== undefined ? (
        <p className="muted small">
          Relative change {signed(stats.relativeChange * 100)} %
          {stats.relativeChangeCiLow != null && stats.relativeChangeCiHigh != null
            ? ` (${signed(stats.relativeChangeCiLow * 100)} to ${signed(stats.relativeChangeCiHigh * 100)} %)`
            : ''}
          , at {new Date(decision.at).toLocaleTimeString()}.
        </p>
      ) : null}
    </div>
  );
}

function DecisionLog({ plan }: { plan: ReleasePlan }) {
  const zone = browserTimeZone();
  if (plan.decisions.length === 0) return null;
  return (
    <div className="release__log">
      <h3 className="release__subtitle">Decision log</h3>
      <div className="table-wrap">
        <table className="table" aria-label="Decision log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Stage</th>
              <th scope="col">Action</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {[...plan.decisions].reverse().map((d, i) => (
              <tr key={`${d.at}-${i}`}>
                <td data-label="Time">
                  <time dateTime={d.at} title={formatInZone(d.at, zone)}>
                    {new Date(d.at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })}
                  </time>
                </td>
                <td data-label="Stage">{d.stage >= 0 ? `${d.stage + 1} (${formatPercent(plan.stages[d.stage]?.percent ?? 0)})` : '—'}</td>
                <td data-label="Action">
                  <span className={`chip release__action release__action--${d.action}`}>{d.action}</span>
                </td>
                <td data-label="Reason">
                  {d.reason}
                  {d.configVersion !== null ? <span className="muted small"> (version {d.configVersion})</span> : null}
                </td>
                <td data-label="By" className="small">
                  {d.actor}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
