/**
 * The rules editor's model. Inputs hold text as typed (a half-typed number is not a
 * number yet), so the editor works on drafts and converts them to `@switchboard/core`
 * rules on save. Validation messages are keyed by the same field paths the API uses
 * (`rules[0].conditions[1].values[0]`), so a server error lands beside the same input.
 */
import type { Condition, ConditionValue, Operator, Rule, Serve } from '@switchboard/core';
import { LIMITS, OPERATORS, validateConditions } from '@switchboard/core/validate';
import { formatPercent } from './status';

export type ValueType = 'string' | 'number' | 'boolean';

/** How an operator's values are entered. */
export type ValueInput =
  | 'list' // several values, one per line
  | 'single' // one value of a chosen type
  | 'number'
  | 'date'
  | 'semver'
  | 'none' // `exists`
  | 'segments'; // `inSegment`

export interface OperatorInfo {
  label: string;
  input: ValueInput;
  /** Values may be text, numbers or booleans (equality operators). */
  typed?: boolean;
  /** Compares text, so case-insensitivity applies. */
  text?: boolean;
  hint?: string;
}

export const OPERATOR_INFO: Record<Operator, OperatorInfo> = {
  in: { label: 'is one of', input: 'list', typed: true, text: true },
  notIn: { label: 'is not one of', input: 'list', typed: true, text: true },
  eq: { label: 'equals', input: 'single', typed: true, text: true },
  neq: { label: 'does not equal', input: 'single', typed: true, text: true },
  contains: { label: 'contains', input: 'list', text: true },
  startsWith: { label: 'starts with', input: 'list', text: true },
  endsWith: { label: 'ends with', input: 'list', text: true },
  matches: {
    label: 'matches pattern',
    input: 'list',
    text: true,
    hint: 'Regular expressions, one per line; no backreferences or lookaround',
  },
  lt: { label: 'is less than', input: 'number' },
  lte: { label: 'is at most', input: 'number' },
  gt: { label: 'is greater than', input: 'number' },
  gte: { label: 'is at least', input: 'number' },
  before: { label: 'is before', input: 'date' },
  after: { label: 'is after', input: 'date' },
  semverEq: { label: 'is version', input: 'semver' },
  semverLt: { label: 'is a version below', input: 'semver' },
  semverGt: { label: 'is a version above', input: 'semver' },
  exists: { label: 'is present', input: 'none' },
  inSegment: { label: 'is in segment', input: 'segments' },
};

export { OPERATORS };

export interface ConditionDraft {
  attribute: string;
  operator: Operator;
  negate: boolean;
  caseInsensitive: boolean;
  valueType: ValueType;
  /** What the value input shows: one value, or one per line for lists. */
  text: string;
  /** `inSegment`: the chosen segment keys. */
  segments: string[];
  /** Single-value inputs edit the first value; any further ones are kept as they were. */
  extra: ConditionValue[];
}

export interface ServeDraft {
  mode: 'variant' | 'rollout';
  variant: string;
  /** Percent per variant, as typed. */
  weights: Record<string, string>;
  bucketBy: string;
  /**
   * The variant order of the rollout this draft was read from. Bucketing serves the first
   * variant whose cumulative weight exceeds the user's bucket, so writing the same weights
   * in another order would move users between variants.
   */
  order?: string[];
}

export interface RuleDraft {
  /** React key only; never sent. */
  uid: string;
  id: string;
  conditions: ConditionDraft[];
  serve: ServeDraft;
}

export type FieldErrors = Record<string, string>;

let uidCounter = 0;
export function newUid(): string {
  uidCounter += 1;
  return `r${uidCounter}`;
}

function valueTypeOf(values: readonly ConditionValue[]): ValueType {
  const first = values[0];
  return typeof first === 'number' ? 'number' : typeof first === 'boolean' ? 'boolean' : 'string';
}

/** `datetime-local` text (local time) for an ISO string or epoch millis; '' when unreadable. */
export function toLocalInput(value: ConditionValue | undefined): string {
  if (value === undefined || typeof value === 'boolean') return '';
  const t = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(t)) return typeof value === 'string' ? value : '';
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** ISO-8601 in UTC for `datetime-local` text; undefined when it isn't a date. */
export function fromLocalInput(text: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text.trim())) return undefined;
  const t = new Date(text.trim()).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

export function emptyCondition(operator: Operator = 'in'): ConditionDraft {
  return {
    attribute: operator === 'inSegment' ? '' : '',
    operator,
    negate: false,
    caseInsensitive: false,
    valueType: 'string',
    text: '',
    segments: [],
    extra: [],
  };
}

export function conditionToDraft(c: Condition): ConditionDraft {
  const info = OPERATOR_INFO[c.operator] ?? OPERATOR_INFO.eq;
  const values = Array.isArray(c.values) ? c.values : [];
  const draft: ConditionDraft = {
    attribute: c.attribute ?? '',
    operator: c.operator,
    negate: c.negate === true,
    caseInsensitive: c.caseInsensitive === true,
    valueType: valueTypeOf(values),
    text: '',
    segments: [],
    extra: [],
  };
  switch (info.input) {
    case 'list':
      draft.text = values.map(String).join('\n');
      break;
    case 'segments':
      draft.segments = values.map(String);
      break;
    case 'none':
      break;
    case 'date':
      draft.text = toLocalInput(values[0]);
      draft.extra = values.slice(1);
      break;
    default:
      draft.text = values[0] === undefined ? '' : String(values[0]);
      draft.extra = values.slice(1);
  }
  return draft;
}

/** Changing the operator keeps what still makes sense (the attribute, the typed text). */
export function withOperator(d: ConditionDraft, operator: Operator): ConditionDraft {
  const from = OPERATOR_INFO[d.operator].input;
  const to = OPERATOR_INFO[operator].input;
  const next: ConditionDraft = { ...d, operator };
  if (from !== to) {
    if (to === 'list' && (from === 'single' || from === 'semver' || from === 'number')) next.text = d.text;
    else if ((to === 'single' || to === 'semver' || to === 'number') && from === 'list') next.text = d.text.split('\n')[0] ?? '';
    else if (!((to === 'single' || to === 'semver' || to === 'number') && (from === 'single' || from === 'semver' || from === 'number')))
      next.text = '';
    next.extra = [];
  }
  if (to === 'number') next.valueType = 'number';
  else if (!OPERATOR_INFO[operator].typed) next.valueType = 'string';
  if (!OPERATOR_INFO[operator].text) next.caseInsensitive = false;
  return next;
}

function parseTyped(text: string, type: ValueType): { value?: ConditionValue; error?: string } {
  if (type === 'number') {
    const t = text.trim();
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) return { error: `"${text}" is not a number` };
    return { value: n };
  }
  if (type === 'boolean') {
    const t = text.trim().toLowerCase();
    if (t === 'true') return { value: true };
    if (t === 'false') return { value: false };
    return { error: `"${text}" is not true or false` };
  }
  return { value: text };
}

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** A draft as a condition, with messages keyed by field path under `path`. */
export function draftToCondition(d: ConditionDraft, path: string, errors: FieldErrors): Condition {
  const info = OPERATOR_INFO[d.operator];
  const values: ConditionValue[] = [];
  const valuesPath = `${path}.values`;
  const add = (text: string, type: ValueType, index: number) => {
    const parsed = parseTyped(text, type);
    if (parsed.error !== undefined) errors[`${valuesPath}[${index}]`] ??= parsed.error;
    else values.push(parsed.value!);
  };
  switch (info.input) {
    case 'list': {
      const lines = d.text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (lines.length === 0) errors[valuesPath] = 'Enter at least one value';
      else if (lines.length > LIMITS.maxValuesPerCondition) errors[valuesPath] = `At most ${LIMITS.maxValuesPerCondition} values`;
      lines.forEach((l, i) => add(l, info.typed ? d.valueType : 'string', i));
      break;
    }
    case 'single':
    case 'semver':
    case 'number': {
      const type: ValueType = info.input === 'number' ? 'number' : info.input === 'semver' ? 'string' : d.valueType;
      if (d.text.trim() === '')
        errors[valuesPath] =
          info.input === 'number' ? 'Enter a number' : info.input === 'semver' ? 'Enter a version like 1.2.3' : 'Enter a value';
      else add(type === 'string' ? d.text.trim() : d.text, type, 0);
      values.push(...d.extra);
      break;
    }
    case 'date': {
      if (d.text.trim() === '') errors[valuesPath] = 'Enter a date and time';
      else {
        const iso = fromLocalInput(d.text);
        if (iso === undefined) errors[`${valuesPath}[0]`] = 'Enter a date and time';
        else values.push(iso);
      }
      values.push(...d.extra);
      break;
    }
    case 'segments':
      if (d.segments.length === 0) errors[valuesPath] = 'Choose at least one segment';
      values.push(...d.segments);
      break;
    case 'none':
      break;
  }
  const condition: Condition = { attribute: d.attribute.trim(), operator: d.operator, values };
  if (d.operator === 'inSegment') delete (condition as Partial<Condition>).attribute;
  else if (condition.attribute === '') errors[`${path}.attribute`] = 'Enter an attribute, like country or email';
  else if (!LIMITS.attributePattern.test(condition.attribute)) {
    errors[`${path}.attribute`] = 'Attributes start with a letter, _ or $ and use letters, digits, _ $ . or -';
  }
  if (d.negate) condition.negate = true;
  if (d.caseInsensitive && info.text) condition.caseInsensitive = true;
  return condition;
}

/** A serve as a draft. Weights become percentages. */
export function serveToDraft(serve: Serve, variants: string[]): ServeDraft {
  if ('rollout' in serve) {
    const total = serve.rollout.reduce((n, w) => n + w.weight, 0);
    const weights: Record<string, string> = {};
    for (const v of variants) weights[v] = '0';
    // In 0.001 % units; rounding is settled on the largest share so the draft adds up to 100.
    const units = new Map<string, number>();
    for (const w of serve.rollout)
      units.set(w.variant, (units.get(w.variant) ?? 0) + (total > 0 ? Math.round((w.weight * WEIGHT_TOTAL) / total) : 0));
    const sum = [...units.values()].reduce((n, u) => n + u, 0);
    if (total > 0 && sum !== WEIGHT_TOTAL && units.size > 0) {
      const largest = [...units.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      units.set(largest, units.get(largest)! + WEIGHT_TOTAL - sum);
    }
    for (const [v, u] of units) weights[v] = formatPercent(u / 1000);
    return {
      mode: 'rollout',
      variant: serve.rollout.find((w) => w.weight > 0)?.variant ?? variants[0] ?? '',
      weights,
      bucketBy: serve.bucketBy ?? '',
      order: [...new Set(serve.rollout.map((w) => w.variant))],
    };
  }
  const weights: Record<string, string> = {};
  for (const v of variants) weights[v] = v === serve.variant ? '100' : '0';
  return { mode: 'variant', variant: serve.variant, weights, bucketBy: '' };
}

/** 100 % = this many weight units: 0.001 % steps. */
export const WEIGHT_TOTAL = 100_000;

/** Percent text as weight units, or undefined when it isn't 0-100 in 0.001 steps. */
export function percentToWeight(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,3}(\.\d{1,3})?$/.test(t)) return undefined;
  const n = Number(t);
  if (n < 0 || n > 100) return undefined;
  return Math.round(n * 1000);
}

export function draftToServe(d: ServeDraft, variants: string[], path: string, errors: FieldErrors): Serve {
  if (d.mode === 'variant') {
    if (!variants.includes(d.variant)) errors[`${path}.variant`] = 'Choose a variant';
    return { variant: d.variant };
  }
  const rollout: { variant: string; weight: number }[] = [];
  let total = 0;
  // The order the rollout had (so users keep their variant), then any other variants.
  const ordered = [...(d.order ?? []).filter((v) => variants.includes(v)), ...variants.filter((v) => !d.order?.includes(v))];
  ordered.forEach((v) => {
    const text = d.weights[v] ?? '0';
    const w = percentToWeight(text === '' ? '0' : text);
    if (w === undefined) errors[`${path}.rollout.${v}`] = 'Enter a percentage from 0 to 100, at most 3 decimals';
    else {
      total += w;
      if (w > 0) rollout.push({ variant: v, weight: w });
    }
  });
  if (!Object.keys(errors).some((k) => k.startsWith(`${path}.rollout.`)) && total !== WEIGHT_TOTAL) {
    errors[`${path}.rollout`] = `Percentages must add up to 100 (now ${formatPercent(total / 1000)})`;
  }
  const serve: Serve = { rollout: rollout.length > 0 ? rollout : [{ variant: variants[0] ?? '', weight: WEIGHT_TOTAL }] };
  const bucketBy = d.bucketBy.trim();
  if (bucketBy !== '') {
    if (!LIMITS.attributePattern.test(bucketBy))
      errors[`${path}.bucketBy`] = 'Attributes start with a letter, _ or $ and use letters, digits, _ $ . or -';
    serve.bucketBy = bucketBy;
  }
  return serve;
}

export function ruleToDraft(rule: Rule, variants: string[]): RuleDraft {
  return { uid: newUid(), id: rule.id, conditions: rule.conditions.map(conditionToDraft), serve: serveToDraft(rule.serve, variants) };
}

export function newRule(existing: readonly RuleDraft[], variants: string[], offVariant: string): RuleDraft {
  const ids = new Set(existing.map((r) => r.id));
  let n = existing.length + 1;
  while (ids.has(`rule-${n}`)) n += 1;
  const serveVariant = variants.find((v) => v !== offVariant) ?? variants[0] ?? '';
  return {
    uid: newUid(),
    id: `rule-${n}`,
    conditions: [emptyCondition()],
    serve: serveToDraft({ variant: serveVariant }, variants),
  };
}

export interface RulesContext {
  variants: string[];
  /** Known segment keys: `inSegment` values must be among them. */
  segments?: string[];
}

/**
 * Rules for the API and every problem found, keyed by field path. Uses the server's own
 * validator (`@switchboard/core/validate`) for what it checks (regexes, versions, dates)
 * so the editor and the API never disagree.
 */
export function draftsToRules(drafts: readonly RuleDraft[], ctx: RulesContext): { rules: Rule[]; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const seen = new Map<string, number>();
  const rules = drafts.map((d, i) => {
    const path = `rules[${i}]`;
    const id = d.id.trim();
    if (id === '') errors[`${path}.id`] = 'Enter a rule id';
    else if (!LIMITS.keyPattern.test(id)) errors[`${path}.id`] = 'Use letters, digits, ".", "_" or "-", starting with a letter or digit';
    else if (seen.has(id)) errors[`${path}.id`] = `Rule ${seen.get(id)! + 1} already uses this id`;
    else seen.set(id, i);
    if (d.conditions.length > LIMITS.maxConditionsPerRule)
      errors[`${path}.conditions`] = `At most ${LIMITS.maxConditionsPerRule} conditions`;
    const conditions = d.conditions.map((c, j) => draftToCondition(c, `${path}.conditions[${j}]`, errors));
    conditions.forEach((c, j) => {
      if (c.operator !== 'inSegment' || !ctx.segments) return;
      c.values.forEach((v, k) => {
        if (!ctx.segments!.includes(String(v))) errors[`${path}.conditions[${j}].values[${k}]`] ??= `Segment "${String(v)}" does not exist`;
      });
    });
    for (const issue of validateConditions(conditions, `${path}.conditions`)) {
      // Only report what the draft conversion didn't already explain.
      if (Object.keys(errors).some((k) => issue.path === k || issue.path.startsWith(`${k}[`) || k.startsWith(`${issue.path}[`))) continue;
      if (/\.attribute$/.test(issue.path) && errors[issue.path]) continue;
      errors[issue.path] ??= capitalize(issue.message);
    }
    const serve = draftToServe(d.serve, ctx.variants, `${path}.serve`, errors);
    return { id, conditions, serve };
  });
  if (drafts.length > LIMITS.maxRules) errors.rules = `At most ${LIMITS.maxRules} rules`;
  return { rules, errors };
}

/** Messages for the input at `path`, and for its items (a list input shows its values' messages). */
export function errorsAt(errors: FieldErrors, path: string): string[] {
  const out: string[] = [];
  for (const [k, msg] of Object.entries(errors)) {
    if (k === path) out.push(msg);
    else {
      // A list's items (`values[2]`), not deeper fields (`conditions[0].attribute`).
      const m = /^\[(\d+)\]$/.exec(k.slice(path.length));
      if (m) out.push(`Value ${Number(m[1]) + 1}: ${msg}`);
    }
  }
  return out;
}

/** Every message at `path` or anywhere below it. */
export function errorsUnder(errors: FieldErrors, path: string): string[] {
  return Object.entries(errors)
    .filter(([k]) => k === path || k.startsWith(`${path}.`) || k.startsWith(`${path}[`))
    .map(([, msg]) => msg);
}

/** A segment's (or any standalone) condition list, with problems keyed under `path`. */
export function draftsToConditions(
  drafts: readonly ConditionDraft[],
  path: string,
  segments?: string[],
): { conditions: Condition[]; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const conditions = drafts.map((c, j) => draftToCondition(c, `${path}[${j}]`, errors));
  conditions.forEach((c, j) => {
    if (c.operator !== 'inSegment' || !segments) return;
    c.values.forEach((v, k) => {
      if (!segments.includes(String(v))) errors[`${path}[${j}].values[${k}]`] ??= `Segment "${String(v)}" does not exist`;
    });
  });
  for (const issue of validateConditions(conditions, path)) {
    if (Object.keys(errors).some((k) => issue.path === k || issue.path.startsWith(`${k}[`) || k.startsWith(`${issue.path}[`))) continue;
    errors[issue.path] ??= capitalize(issue.message);
  }
  return { conditions, errors };
}
