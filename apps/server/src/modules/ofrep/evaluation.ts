/**
 * OFREP evaluation, without HTTP: reading the request's context, evaluating one flag or all
 * of a key's flags with core's `evaluate`, and the bulk ETag. The snapshot evaluated is the
 * one SDK delivery holds in memory (no database read per request); a client key evaluates
 * the client-side flags only, on the server, so private attributes never leave it.
 */
import { createHash } from 'node:crypto';
import type { OfrepEvaluationFailure, OfrepEvaluationSuccess } from '@switchboard/api-contract';
import { evaluate, SCHEMA_VERSION, type EvaluationContext, type Flag, type Snapshot } from '@switchboard/core';
import { fromOpenFeatureContext } from '@switchboard/core/openfeature';
import type { DeliveredEnvironment, Projection } from '../sdk/delivered-environment.js';

/** Bounds on an evaluation context, on top of the body limit. */
export const OFREP_CONTEXT_LIMITS = { maxValues: 1_000, maxDepth: 8 } as const;

export type KeyKind = 'server' | 'client';

/** A refused request: the code OFREP names and a detail naming the field. */
export interface ContextError {
  errorCode: 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT';
  errorDetails: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when a context keeps to OFREP_CONTEXT_LIMITS (values counted at every level, and depth). */
export function contextWithinLimits(context: unknown): boolean {
  return withinLimits(context, 0, { left: OFREP_CONTEXT_LIMITS.maxValues + 1 });
}

/** Counts values and depth; false when either bound is passed. */
function withinLimits(value: unknown, depth: number, budget: { left: number }): boolean {
  if (--budget.left < 0 || depth > OFREP_CONTEXT_LIMITS.maxDepth) return false;
  if (Array.isArray(value)) return value.every((v) => withinLimits(v, depth + 1, budget));
  if (isObject(value)) return Object.values(value).every((v) => withinLimits(v, depth + 1, budget));
  return true;
}

/**
 * The OpenFeature context of a request body (absent body or context: empty). `targetingKey`
 * must be a string when sent; `null` or `""` is a missing targeting key.
 */
export function readContext(body: unknown): { context: Record<string, unknown> } | ContextError {
  if (body === undefined || body === null) return { context: {} };
  if (!isObject(body)) return { errorCode: 'PARSE_ERROR', errorDetails: 'body must be a JSON object' };
  const context = body.context;
  if (context === undefined || context === null) return { context: {} };
  if (!isObject(context)) return { errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be a JSON object' };
  if (!contextWithinLimits(context)) {
    return {
      errorCode: 'INVALID_CONTEXT',
      errorDetails: `context is too large (at most ${OFREP_CONTEXT_LIMITS.maxValues} values, nested ${OFREP_CONTEXT_LIMITS.maxDepth} deep)`,
    };
  }
  const targetingKey = context.targetingKey;
  if (targetingKey === null || targetingKey === '') {
    return { errorCode: 'TARGETING_KEY_MISSING', errorDetails: 'context.targetingKey is empty' };
  }
  if (targetingKey !== undefined && typeof targetingKey !== 'string') {
    return { errorCode: 'INVALID_CONTEXT', errorDetails: 'context.targetingKey must be a string' };
  }
  return { context };
}

/** The same mapping as our OpenFeature providers: `targetingKey` becomes `userId` unless that is set. */
export function toEvaluationContext(context: Record<string, unknown>): EvaluationContext {
  return fromOpenFeatureContext(context);
}

/** A default of the flag's own type, so `evaluate` never answers TYPE_MISMATCH for want of a caller default. */
export function defaultFor(flag: Flag | undefined): unknown {
  switch (flag?.type) {
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'number':
      return 0;
    default:
      return null;
  }
}

// Per projection object: the projections are rebuilt on every change, so an entry is one
// revision's. Flag objects are shared with the view, so core's per-flag compile cache holds.
const snapshots = new WeakMap<Projection, Snapshot>();

/** What `kind` may evaluate in `view`: every flag (server keys) or the client-side ones, with all segments. */
export function ofrepSnapshot(view: DeliveredEnvironment, kind: KeyKind): Snapshot {
  const projection = kind === 'server' ? view.server : view.client;
  let snapshot = snapshots.get(projection);
  if (!snapshot) {
    const flags: Record<string, Flag> = {};
    for (const [key, flag] of view.flags) if (kind === 'server' || flag.clientSide === true) flags[key] = flag;
    snapshot = {
      schemaVersion: SCHEMA_VERSION,
      environment: view.environment,
      revision: view.revision,
      flags,
      segments: Object.fromEntries(view.segments),
    };
    snapshots.set(projection, snapshot);
  }
  return snapshot;
}

export type OfrepResult = ({ ok: true } & OfrepEvaluationSuccess) | ({ ok: false } & OfrepEvaluationFailure);

/** One flag for one context: core's result in OFREP's words (an error keeps core's code, TYPE_MISMATCH as GENERAL). */
export function evaluateFlag(snapshot: Snapshot, key: string, context: EvaluationContext): OfrepResult {
  const flag = Object.prototype.hasOwnProperty.call(snapshot.flags, key) ? snapshot.flags[key] : undefined;
  const result = evaluate(snapshot, key, context, defaultFor(flag));
  if (result.reason === 'ERROR') {
    if (result.errorCode === 'FLAG_NOT_FOUND') {
      return { ok: false, key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `flag ${JSON.stringify(key)} was not found` };
    }
    const errorCode = result.errorCode === 'PARSE_ERROR' ? 'PARSE_ERROR' : 'GENERAL';
    return { ok: false, key, errorCode, errorDetails: `flag ${JSON.stringify(key)} could not be evaluated (${result.errorCode})` };
  }
  const out: { ok: true } & OfrepEvaluationSuccess = { ok: true, key, value: result.value, reason: result.reason };
  if (result.variant !== undefined) out.variant = result.variant;
  if (result.ruleId !== undefined) out.metadata = { ruleId: result.ruleId };
  return out;
}

/** Every flag of the snapshot, sorted by key. */
export function evaluateAll(snapshot: Snapshot, context: EvaluationContext): OfrepResult[] {
  return Object.keys(snapshot.flags)
    .sort()
    .map((key) => evaluateFlag(snapshot, key, context));
}

/** JSON with object keys sorted at every level, so equal contexts hash alike whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The bulk answer's ETag: the revision, and a hash of the key kind and the canonical context,
 * so neither a flag change nor a changed context can be answered 304.
 */
export function bulkEtag(revision: number, kind: KeyKind, context: Record<string, unknown>): string {
  const digest = createHash('sha256')
    .update(`${kind}\n${canonicalJson(context)}`)
    .digest('base64url')
    .slice(0, 22);
  return `"${revision}-${digest}"`;
}

/** The wire form of a result (without the internal `ok`). */
export function wire(result: OfrepResult): OfrepEvaluationSuccess | OfrepEvaluationFailure {
  const { ok: _ok, ...rest } = result;
  return rest;
}
