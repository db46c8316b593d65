/**
 * Strict validation of flag documents, kept out of the evaluation entry point so SDK
 * bundles don't carry it. The server validates every write with it; SDKs may check
 * what they receive. Each issue names the offending field by path.
 */
import { compileSafeRegex, REGEX_LIMITS } from '../regex.js';
import { compareSemver } from '../semver.js';
import { toInstant } from '../instant.js';
import { valueMatchesType, MAX_PREREQUISITE_DEPTH } from '../evaluate.js';
import { MAX_SEGMENT_DEPTH } from '../conditions.js';
import type { Flag, Operator, Segment } from '../snapshot.js';

export interface ValidationIssue {
  /** Dotted path with indexes, e.g. `rules[0].conditions[1].values`. */
  path: string;
  message: string;
}

export const LIMITS = {
  /** Flag, segment, variant, rule and environment keys. */
  keyPattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
  attributePattern: /^[A-Za-z_$][A-Za-z0-9_$.-]{0,127}$/,
  maxVariants: 50,
  maxRules: 200,
  maxConditionsPerRule: 30,
  maxValuesPerCondition: 1000,
  maxStringValueLength: 1024,
  maxRegexLength: REGEX_LIMITS.pattern,
  maxPrerequisites: 20,
  /** Real chains must stay well inside what evaluation treats as a cycle. */
  maxPrerequisiteDepth: MAX_PREREQUISITE_DEPTH / 2,
  maxSegmentDepth: MAX_SEGMENT_DEPTH / 2,
  maxSegmentMembers: 10_000,
  maxVariantValueBytes: 32_768,
  maxWeightTotal: 0x7fffffff,
  maxSaltLength: 256,
} as const;

export const OPERATORS: readonly Operator[] = [
  'in',
  'notIn',
  'eq',
  'neq',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'lt',
  'lte',
  'gt',
  'gte',
  'before',
  'after',
  'semverEq',
  'semverLt',
  'semverGt',
  'exists',
  'inSegment',
];

const FLAG_FIELDS = new Set([
  'key',
  'version',
  'type',
  'enabled',
  'variants',
  'offVariant',
  'salt',
  'prerequisites',
  'rules',
  'fallthrough',
  'clientSide',
  'privateAttributes',
]);
const RULE_FIELDS = new Set(['id', 'conditions', 'serve']);
const CONDITION_FIELDS = new Set(['attribute', 'operator', 'values', 'negate', 'caseInsensitive']);
const SEGMENT_FIELDS = new Set(['key', 'included', 'excluded', 'conditions']);
const SNAPSHOT_FIELDS = new Set(['schemaVersion', 'environment', 'revision', 'flags', 'segments']);
const STRING_OPS = new Set<string>(['contains', 'startsWith', 'endsWith', 'matches', 'inSegment']);
const NUMBER_OPS = new Set<string>(['lt', 'lte', 'gt', 'gte']);
const DATE_OPS = new Set<string>(['before', 'after']);
const SEMVER_OPS = new Set<string>(['semverEq', 'semverLt', 'semverGt']);
const FLAG_TYPES = new Set(['boolean', 'string', 'number', 'json']);

type Issues = ValidationIssue[];
type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (base: string, field: string): string => (base ? `${base}.${field}` : field);

function objectWith(v: unknown, path: string, fields: Set<string>, issues: Issues): v is Obj {
  if (!isObject(v)) {
    issues.push({ path, message: 'must be an object' });
    return false;
  }
  for (const k of Object.keys(v)) {
    if (!fields.has(k)) issues.push({ path: join(path, k), message: 'is not a known property' });
  }
  return true;
}

function key(v: unknown, path: string, issues: Issues): v is string {
  if (typeof v !== 'string' || !LIMITS.keyPattern.test(v)) {
    issues.push({ path, message: 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit' });
    return false;
  }
  return true;
}

function bool(v: unknown, path: string, issues: Issues): void {
  if (v !== undefined && typeof v !== 'boolean') issues.push({ path, message: 'must be true or false' });
}

function jsonSize(v: unknown): number {
  try {
    return JSON.stringify(v)?.length ?? 0;
  } catch {
    return Infinity;
  }
}

function conditionValues(op: string, values: unknown, path: string, caseInsensitive: boolean, issues: Issues): void {
  if (!Array.isArray(values)) {
    issues.push({ path, message: 'must be an array' });
    return;
  }
  if (op !== 'exists' && values.length === 0) issues.push({ path, message: 'must hold at least one value' });
  if (values.length > LIMITS.maxValuesPerCondition) {
    issues.push({ path, message: `must hold at most ${LIMITS.maxValuesPerCondition} values` });
    return;
  }
  values.forEach((value, i) => {
    const p = `${path}[${i}]`;
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      issues.push({ path: p, message: 'must be a string, number or boolean' });
    } else if (t === 'string' && (value as string).length > LIMITS.maxStringValueLength) {
      issues.push({ path: p, message: `must be at most ${LIMITS.maxStringValueLength} characters` });
    } else if (t === 'number' && !Number.isFinite(value)) {
      issues.push({ path: p, message: 'must be a finite number' });
    } else if (STRING_OPS.has(op) && t !== 'string') {
      issues.push({ path: p, message: `must be a string for "${op}"` });
    } else if (NUMBER_OPS.has(op) && t !== 'number') {
      issues.push({ path: p, message: `must be a number for "${op}"` });
    } else if (DATE_OPS.has(op) && Number.isNaN(toInstant(value))) {
      issues.push({ path: p, message: 'must be an ISO-8601 date or epoch milliseconds' });
    } else if (SEMVER_OPS.has(op) && Number.isNaN(compareSemver(value, value))) {
      issues.push({ path: p, message: 'must be a semantic version like 1.2.3' });
    } else if (op === 'matches') {
      if ((value as string).length > LIMITS.maxRegexLength) {
        issues.push({ path: p, message: `must be a pattern of at most ${LIMITS.maxRegexLength} characters` });
      } else if (!compileSafeRegex(value as string, caseInsensitive)) {
        issues.push({ path: p, message: 'must be a supported regular expression (no backreferences or lookaround)' });
      }
    } else if (op === 'inSegment' && !LIMITS.keyPattern.test(value as string)) {
      issues.push({ path: p, message: 'must be a segment key' });
    }
  });
}

function condition(v: unknown, path: string, issues: Issues): void {
  if (!objectWith(v, path, CONDITION_FIELDS, issues)) return;
  const op = v.operator;
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    issues.push({ path: join(path, 'operator'), message: `must be one of ${OPERATORS.join(', ')}` });
    return;
  }
  if (op !== 'inSegment' || v.attribute !== undefined) {
    if (typeof v.attribute !== 'string' || !LIMITS.attributePattern.test(v.attribute)) {
      if (op !== 'inSegment') issues.push({ path: join(path, 'attribute'), message: 'must be an attribute name' });
    }
  }
  bool(v.negate, join(path, 'negate'), issues);
  bool(v.caseInsensitive, join(path, 'caseInsensitive'), issues);
  conditionValues(op, v.values, join(path, 'values'), v.caseInsensitive === true, issues);
}

/** Checks a list of conditions (a rule's or a segment's). */
export function validateConditions(v: unknown, path: string): ValidationIssue[] {
  const issues: Issues = [];
  if (!Array.isArray(v)) return [{ path, message: 'must be an array' }];
  if (v.length > LIMITS.maxConditionsPerRule) {
    issues.push({ path, message: `must hold at most ${LIMITS.maxConditionsPerRule} conditions` });
  }
  v.forEach((c, i) => condition(c, `${path}[${i}]`, issues));
  return issues;
}

function serve(v: unknown, path: string, variants: Obj, issues: Issues): void {
  if (!isObject(v)) {
    issues.push({ path, message: 'must be an object' });
    return;
  }
  const hasVariant = 'variant' in v;
  const hasRollout = 'rollout' in v;
  if (hasVariant === hasRollout) {
    issues.push({ path, message: 'must have exactly one of "variant" or "rollout"' });
    return;
  }
  for (const k of Object.keys(v)) {
    const allowed = hasVariant ? k === 'variant' : k === 'rollout' || k === 'bucketBy';
    if (!allowed) issues.push({ path: join(path, k), message: 'is not a known property' });
  }
  if (hasVariant) {
    if (typeof v.variant !== 'string' || !Object.hasOwn(variants, v.variant)) {
      issues.push({ path: join(path, 'variant'), message: "must name one of the flag's variants" });
    }
    return;
  }
  if (v.bucketBy !== undefined && (typeof v.bucketBy !== 'string' || !LIMITS.attributePattern.test(v.bucketBy))) {
    issues.push({ path: join(path, 'bucketBy'), message: 'must be an attribute name' });
  }
  const rollout = v.rollout;
  const rp = join(path, 'rollout');
  if (!Array.isArray(rollout) || rollout.length === 0 || rollout.length > LIMITS.maxVariants) {
    issues.push({ path: rp, message: `must be a list of 1-${LIMITS.maxVariants} weighted variants` });
    return;
  }
  let total = 0;
  const seen = new Set<string>();
  rollout.forEach((entry, i) => {
    const p = `${rp}[${i}]`;
    if (!objectWith(entry, p, new Set(['variant', 'weight']), issues)) return;
    if (typeof entry.variant !== 'string' || !Object.hasOwn(variants, entry.variant)) {
      issues.push({ path: join(p, 'variant'), message: "must name one of the flag's variants" });
    } else if (seen.has(entry.variant)) {
      issues.push({ path: join(p, 'variant'), message: 'appears twice in the rollout' });
    } else seen.add(entry.variant);
    if (typeof entry.weight !== 'number' || !Number.isInteger(entry.weight) || entry.weight < 0) {
      issues.push({ path: join(p, 'weight'), message: 'must be a non-negative integer' });
    } else total += entry.weight;
  });
  if (total <= 0 || total > LIMITS.maxWeightTotal) {
    issues.push({ path: rp, message: `weights must add up to between 1 and ${LIMITS.maxWeightTotal} (100000 for percentages)` });
  }
}

function privateAttributes(v: Obj, path: string, issues: Issues): void {
  const list = v.privateAttributes;
  if (list === undefined) return;
  if (!Array.isArray(list) || list.length > 50 || list.some((a) => typeof a !== 'string' || !LIMITS.attributePattern.test(a))) {
    issues.push({ path: join(path, 'privateAttributes'), message: 'must be a list of at most 50 attribute names' });
  }
}

/** Checks one flag on its own (references to other flags and segments are checked by `validateSnapshot`). */
export function validateFlag(v: unknown, path = ''): ValidationIssue[] {
  const issues: Issues = [];
  if (!objectWith(v, path, FLAG_FIELDS, issues)) return issues;
  key(v.key, join(path, 'key'), issues);
  if (v.version !== undefined && (typeof v.version !== 'number' || !Number.isInteger(v.version) || v.version < 0)) {
    issues.push({ path: join(path, 'version'), message: 'must be a non-negative integer' });
  }
  const type = v.type;
  if (typeof type !== 'string' || !FLAG_TYPES.has(type)) {
    issues.push({ path: join(path, 'type'), message: 'must be one of boolean, string, number, json' });
  }
  if (typeof v.enabled !== 'boolean') issues.push({ path: join(path, 'enabled'), message: 'must be true or false' });
  bool(v.clientSide, join(path, 'clientSide'), issues);
  privateAttributes(v, path, issues);
  const variants = v.variants;
  const vp = join(path, 'variants');
  if (!isObject(variants) || Object.keys(variants).length === 0) {
    issues.push({ path: vp, message: 'must be an object with at least one variant' });
    return issues;
  }
  const names = Object.keys(variants);
  if (names.length > LIMITS.maxVariants) issues.push({ path: vp, message: `must have at most ${LIMITS.maxVariants} variants` });
  for (const name of names) {
    const p = join(vp, name);
    key(name, p, issues);
    if (typeof type === 'string' && FLAG_TYPES.has(type) && !valueMatchesType(variants[name], type as Flag['type'])) {
      issues.push({ path: p, message: `must be a ${type === 'json' ? 'JSON object, array or null' : type} value` });
    } else if (jsonSize(variants[name]) > LIMITS.maxVariantValueBytes) {
      issues.push({ path: p, message: `must serialize to at most ${LIMITS.maxVariantValueBytes} bytes` });
    }
  }
  if (typeof v.offVariant !== 'string' || !Object.hasOwn(variants, v.offVariant)) {
    issues.push({ path: join(path, 'offVariant'), message: "must name one of the flag's variants" });
  }
  if (v.salt !== undefined && (typeof v.salt !== 'string' || v.salt.length > LIMITS.maxSaltLength)) {
    issues.push({ path: join(path, 'salt'), message: `must be a string of at most ${LIMITS.maxSaltLength} characters` });
  }
  const pp = join(path, 'prerequisites');
  if (v.prerequisites !== undefined) {
    if (!Array.isArray(v.prerequisites) || v.prerequisites.length > LIMITS.maxPrerequisites) {
      issues.push({ path: pp, message: `must be a list of at most ${LIMITS.maxPrerequisites} prerequisites` });
    } else {
      v.prerequisites.forEach((p, i) => {
        const ip = `${pp}[${i}]`;
        if (!objectWith(p, ip, new Set(['flag', 'variant']), issues)) return;
        if (key(p.flag, join(ip, 'flag'), issues) && p.flag === v.key) {
          issues.push({ path: join(ip, 'flag'), message: 'a flag cannot be its own prerequisite' });
        }
        key(p.variant, join(ip, 'variant'), issues);
      });
    }
  }
  const rp = join(path, 'rules');
  if (v.rules !== undefined) {
    if (!Array.isArray(v.rules) || v.rules.length > LIMITS.maxRules) {
      issues.push({ path: rp, message: `must be a list of at most ${LIMITS.maxRules} rules` });
    } else {
      const ids = new Set<string>();
      v.rules.forEach((rule, i) => {
        const p = `${rp}[${i}]`;
        if (!objectWith(rule, p, RULE_FIELDS, issues)) return;
        if (key(rule.id, join(p, 'id'), issues)) {
          if (ids.has(rule.id)) issues.push({ path: join(p, 'id'), message: 'must be unique within the flag' });
          ids.add(rule.id);
        }
        issues.push(...validateConditions(rule.conditions, join(p, 'conditions')));
        serve(rule.serve, join(p, 'serve'), variants, issues);
      });
    }
  }
  serve(v.fallthrough, join(path, 'fallthrough'), variants, issues);
  return issues;
}

/** Checks one segment on its own. */
export function validateSegment(v: unknown, path = ''): ValidationIssue[] {
  const issues: Issues = [];
  if (!objectWith(v, path, SEGMENT_FIELDS, issues)) return issues;
  key(v.key, join(path, 'key'), issues);
  for (const list of ['included', 'excluded'] as const) {
    const value = v[list];
    if (value === undefined) continue;
    if (
      !Array.isArray(value) ||
      value.length > LIMITS.maxSegmentMembers ||
      value.some((x) => typeof x !== 'string' || x.length > LIMITS.maxStringValueLength)
    ) {
      issues.push({ path: join(path, list), message: `must be a list of at most ${LIMITS.maxSegmentMembers} user ids` });
    }
  }
  issues.push(...validateConditions(v.conditions, join(path, 'conditions')));
  return issues;
}

function segmentRefs(conditions: unknown): string[] {
  if (!Array.isArray(conditions)) return [];
  return conditions.flatMap((c) =>
    isObject(c) && c.operator === 'inSegment' && Array.isArray(c.values) ? c.values.filter((x): x is string => typeof x === 'string') : [],
  );
}

// Longest path from `start` through `edges`; Infinity when a cycle is reachable.
function depthFrom(start: string, edges: (node: string) => string[], memo: Map<string, number>, visiting = new Set<string>()): number {
  const known = memo.get(start);
  if (known !== undefined) return known;
  if (visiting.has(start)) return Infinity;
  visiting.add(start);
  let depth = 0;
  for (const next of edges(start)) depth = Math.max(depth, 1 + depthFrom(next, edges, memo, visiting));
  visiting.delete(start);
  memo.set(start, depth);
  return depth;
}

/**
 * Checks a whole environment document: every flag and segment, that each flag and
 * segment sits under its own key, that references resolve, and that prerequisites
 * and segments form no cycle and no chain deeper than the limits.
 */
export function validateSnapshot(v: unknown): ValidationIssue[] {
  const issues: Issues = [];
  if (!objectWith(v, '', SNAPSHOT_FIELDS, issues)) return issues;
  if (v.schemaVersion !== 1) issues.push({ path: 'schemaVersion', message: 'must be 1' });
  if (typeof v.environment !== 'string' || !LIMITS.keyPattern.test(v.environment)) {
    issues.push({ path: 'environment', message: 'must be an environment key' });
  }
  if (typeof v.revision !== 'number' || !Number.isInteger(v.revision) || v.revision < 0) {
    issues.push({ path: 'revision', message: 'must be a non-negative integer' });
  }
  const flags = v.flags;
  if (!isObject(flags)) {
    issues.push({ path: 'flags', message: 'must be an object' });
    return issues;
  }
  const segments = v.segments === undefined ? {} : v.segments;
  if (!isObject(segments)) {
    issues.push({ path: 'segments', message: 'must be an object' });
    return issues;
  }
  for (const [k, seg] of Object.entries(segments)) {
    const p = `segments.${k}`;
    const found = validateSegment(seg, p);
    issues.push(...found);
    if (found.length === 0 && (seg as Segment).key !== k) issues.push({ path: `${p}.key`, message: 'must equal its key in segments' });
    segmentRefs((seg as Segment | undefined)?.conditions).forEach((ref) => {
      if (!Object.hasOwn(segments, ref)) issues.push({ path: `${p}.conditions`, message: `refers to unknown segment "${ref}"` });
    });
  }
  for (const [k, flag] of Object.entries(flags)) {
    const p = `flags.${k}`;
    const found = validateFlag(flag, p);
    issues.push(...found);
    if (found.length > 0) continue;
    const f = flag as Flag;
    if (f.key !== k) issues.push({ path: `${p}.key`, message: 'must equal its key in flags' });
    (f.prerequisites ?? []).forEach((pre, i) => {
      const parent = Object.hasOwn(flags, pre.flag) ? (flags[pre.flag] as Flag) : undefined;
      if (!parent) issues.push({ path: `${p}.prerequisites[${i}].flag`, message: `refers to unknown flag "${pre.flag}"` });
      else if (!isObject(parent.variants) || !Object.hasOwn(parent.variants, pre.variant)) {
        issues.push({ path: `${p}.prerequisites[${i}].variant`, message: `is not a variant of "${pre.flag}"` });
      }
    });
    (f.rules ?? []).forEach((rule, i) => {
      segmentRefs(rule.conditions).forEach((ref) => {
        if (!Object.hasOwn(segments, ref))
          issues.push({ path: `${p}.rules[${i}].conditions`, message: `refers to unknown segment "${ref}"` });
      });
    });
  }
  const flagEdges = (key: string): string[] => {
    const f = flags[key];
    return isObject(f) && Array.isArray(f.prerequisites)
      ? f.prerequisites.flatMap((pre) =>
          isObject(pre) && typeof pre.flag === 'string' && Object.hasOwn(flags, pre.flag) ? [pre.flag] : [],
        )
      : [];
  };
  const flagMemo = new Map<string, number>();
  for (const k of Object.keys(flags)) {
    const depth = depthFrom(k, flagEdges, flagMemo);
    if (depth === Infinity) issues.push({ path: `flags.${k}.prerequisites`, message: 'form a cycle' });
    else if (depth > LIMITS.maxPrerequisiteDepth) {
      issues.push({ path: `flags.${k}.prerequisites`, message: `chain deeper than ${LIMITS.maxPrerequisiteDepth}` });
    }
  }
  const segEdges = (key: string): string[] => {
    const s = segments[key];
    return isObject(s) ? segmentRefs(s.conditions).filter((ref) => Object.hasOwn(segments, ref)) : [];
  };
  const segMemo = new Map<string, number>();
  for (const k of Object.keys(segments)) {
    const depth = depthFrom(k, segEdges, segMemo);
    if (depth === Infinity) issues.push({ path: `segments.${k}.conditions`, message: 'segments refer to each other in a cycle' });
    else if (depth > LIMITS.maxSegmentDepth) {
      issues.push({ path: `segments.${k}.conditions`, message: `segments nest deeper than ${LIMITS.maxSegmentDepth}` });
    }
  }
  return issues;
}
