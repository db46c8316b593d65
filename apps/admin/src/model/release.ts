/**
 * Release plans and scheduled changes as the forms edit them: stage and guard rows as
 * typed, turned into the API's bodies with messages keyed by the field path the server
 * uses too (`stages.1.percent`), plus the time and number formatting the live view needs.
 */
import type { PutReleasePlanBody, ReleaseGuard, ReleasePlan } from '@switchboard/api-client';
import type { FieldErrors } from './rules';

export type DurationUnit = 's' | 'min' | 'h';

export interface StageRow {
  percent: string;
  duration: string;
  unit: DurationUnit;
}

export interface GuardRow {
  event: string;
  metric: ReleaseGuard['metric'];
  worseWhen: ReleaseGuard['worseWhen'];
  /** Relative change allowed, in percent (10 = 10 %). */
  tolerancePct: string;
  minUnits: string;
  action: ReleaseGuard['action'];
}

export interface PlanForm {
  variant: string;
  control: string;
  stages: StageRow[];
  guards: GuardRow[];
  /** Empty: start now. Otherwise a wall time `YYYY-MM-DDTHH:mm` in `timeZone`. */
  startLocal: string;
  timeZone: string;
}

export const PRESETS: { id: string; label: string; stages: StageRow[] }[] = [
  {
    id: 'standard',
    label: '1 → 5 → 25 → 50 → 100 % (an hour each)',
    stages: [1, 5, 25, 50, 100].map((p) => ({ percent: String(p), duration: p === 100 ? '' : '1', unit: 'h' })),
  },
  {
    id: 'quick',
    label: '10 → 50 → 100 % (10 minutes each)',
    stages: [10, 50, 100].map((p) => ({ percent: String(p), duration: p === 100 ? '' : '10', unit: 'min' })),
  },
  {
    id: 'careful',
    label: '0.1 → 1 → 5 → 25 → 100 % (a day each)',
    stages: [0.1, 1, 5, 25, 100].map((p) => ({ percent: String(p), duration: p === 100 ? '' : '24', unit: 'h' })),
  },
];

export const DEFAULT_GUARD: GuardRow = {
  event: '$error',
  metric: 'rate',
  worseWhen: 'higher',
  tolerancePct: '10',
  minUnits: '1000',
  action: 'rollback',
};

const UNIT_SECONDS: Record<DurationUnit, number> = { s: 1, min: 60, h: 3600 };

/** The form as it opens: the first preset, the `$error` guard, start now. */
export function initialPlanForm(variants: string[], offVariant: string, timeZone: string): PlanForm {
  const variant = variants.includes('on') ? 'on' : (variants.find((v) => v !== offVariant) ?? variants[0] ?? '');
  return {
    variant,
    control: '',
    stages: PRESETS[0]!.stages.map((s) => ({ ...s })),
    guards: [{ ...DEFAULT_GUARD }],
    startLocal: '',
    timeZone,
  };
}

const num = (text: string): number | undefined => {
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  return Number(t);
};

/** The PUT body, or the messages beside the fields that keep it from being sent. */
export function planBody(form: PlanForm): { body: PutReleasePlanBody; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (form.variant === '') errors.variant = 'Choose the variant to release';
  if (form.control !== '' && form.control === form.variant) errors.control = 'The control must be another variant';
  if (form.stages.length === 0) errors.stages = 'Add at least one stage';
  let previous = 0;
  const stages = form.stages.map((row, i) => {
    const percent = num(row.percent);
    if (percent === undefined) errors[`stages.${i}.percent`] = 'Enter a percentage';
    else if (percent < 0.001 || percent > 100) errors[`stages.${i}.percent`] = 'Between 0.001 and 100';
    else if (Math.abs(Math.round(percent * 1000) - percent * 1000) > 1e-6) errors[`stages.${i}.percent`] = 'At most 3 decimals';
    else if (percent <= previous) errors[`stages.${i}.percent`] = `More than the stage before (${previous} %)`;
    if (percent !== undefined) previous = Math.max(previous, percent);
    const last = i === form.stages.length - 1;
    const amount = num(row.duration);
    let minDurationSec: number | undefined;
    if (row.duration.trim() === '') {
      if (!last) errors[`stages.${i}.minDurationSec`] = 'How long this stage runs before the next';
    } else if (amount === undefined || amount < 0) errors[`stages.${i}.minDurationSec`] = 'Enter a duration';
    else {
      minDurationSec = Math.round(amount * UNIT_SECONDS[row.unit]);
      if (minDurationSec > 2_592_000) errors[`stages.${i}.minDurationSec`] = 'At most 30 days';
    }
    return { percent: percent ?? 0, ...(minDurationSec === undefined ? {} : { minDurationSec }) };
  });
  const guards = form.guards.map((row, i): ReleaseGuard => {
    const event = row.event.trim();
    if (event === '') errors[`guards.${i}.event`] = 'Enter an event name, like $error';
    const tolerancePct = row.tolerancePct.trim() === '' ? 0 : num(row.tolerancePct);
    if (tolerancePct === undefined || tolerancePct < 0 || tolerancePct > 1000) errors[`guards.${i}.tolerance`] = 'Between 0 and 1000 %';
    const minUnits = row.minUnits.trim() === '' ? undefined : num(row.minUnits);
    if (row.minUnits.trim() !== '' && (minUnits === undefined || !Number.isInteger(minUnits) || minUnits < 10))
      errors[`guards.${i}.minUnits`] = 'A whole number, at least 10';
    return {
      event,
      metric: row.metric,
      worseWhen: row.worseWhen,
      tolerance: Math.round((tolerancePct ?? 0) * 1000) / 100_000,
      ...(minUnits === undefined ? {} : { minUnits }),
      action: row.action,
    };
  });
  if (form.startLocal !== '' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(form.startLocal)) errors.startAt = 'Enter a date and time';
  const body: PutReleasePlanBody = {
    variant: form.variant,
    ...(form.control === '' ? {} : { control: form.control }),
    stages,
    guards,
    ...(form.startLocal === '' ? {} : { startAt: { local: form.startLocal, timeZone: form.timeZone } }),
  };
  return { body, errors };
}

/**
 * The server names fields as `stages.1.percent`, `stages[1].percent` or `/stages/1/percent`
 * depending on which check refused them; the forms key their messages one way.
 */
export function formField(field: string): string {
  return field
    .replace(/^\/+/, '')
    .replace(/\//g, '.')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^body\./, '');
}

/** "1 h 5 min", "45 s": a duration for people. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 || m >= 10 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} days` : `${d} days ${h % 24} h`;
}

/** A stage's length as typed back in the form's units. */
export function durationText(sec: number | undefined): string {
  if (sec === undefined) return 'until done';
  return formatDuration(sec * 1000);
}

/** "0.1 %", "25 %", "0.5 %": a percentage without float noise. */
export function formatPercent(p: number): string {
  return `${Number(p.toFixed(3))} %`;
}

/** A rate or mean with a sensible number of digits; rates as percentages. */
export function formatValue(v: number | null | undefined, metric: 'rate' | 'mean'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (metric === 'rate') return `${Number((v * 100).toPrecision(3))} %`;
  return Number(v.toPrecision(4)).toLocaleString();
}

/** Live plans change on their own (stages, guards), so the panel polls them; finished ones don't. */
export function isLive(status: ReleasePlan['status']): boolean {
  return status === 'running' || status === 'scheduled' || status === 'paused';
}

export const STATUS_TEXT: Record<ReleasePlan['status'], string> = {
  scheduled: 'Scheduled',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  rolled_back: 'Rolled back',
  cancelled: 'Cancelled',
};

/** One guard's last check, as the server reports it in `guardStats` (a free-form object in the contract). */
export interface GuardCheck {
  event: string;
  verdict: 'wait' | 'ok' | 'regression' | 'srm' | string;
  reason: string;
  stats?: {
    metric?: 'rate' | 'mean';
    treatment?: ArmEstimate;
    control?: ArmEstimate;
    relativeChange?: number | null;
    relativeChangeCiLow?: number | null;
    relativeChangeCiHigh?: number | null;
    srmPValue?: number | null;
    minUnits?: number;
    tolerance?: number;
  };
}

export interface ArmEstimate {
  units: number;
  value: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** Reads `guardStats` defensively: it is typed unknown, and a server may add fields. */
export function guardChecks(plan: Pick<ReleasePlan, 'guardStats'>): GuardCheck[] {
  return plan.guardStats.flatMap((g): GuardCheck[] => {
    if (typeof g !== 'object' || g === null) return [];
    const o = g as Record<string, unknown>;
    return [
      {
        event: typeof o.event === 'string' ? o.event : '?',
        verdict: typeof o.verdict === 'string' ? o.verdict : 'wait',
        reason: typeof o.reason === 'string' ? o.reason : '',
        ...(typeof o.stats === 'object' && o.stats !== null ? { stats: o.stats as GuardCheck['stats'] } : {}),
      },
    ];
  });
}

export const VERDICT_TEXT: Record<string, string> = {
  wait: 'Collecting',
  ok: 'Healthy',
  regression: 'Regression',
  srm: 'Sample ratio mismatch',
};
