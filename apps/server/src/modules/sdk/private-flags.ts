/**
 * Client-side flags that read a private attribute are evaluated on the server: the client
 * projection carries a stub in their place and the browser asks `POST /api/sdk/evaluate`
 * for them with its context. Why, and what exactly is "private": docs/decisions/private-attributes.md.
 */
import type { Condition, EvaluationResult, Flag, Segment } from '@switchboard/core';

/** What the client projection holds for a flag evaluated on the server: nothing its rules say. */
export interface RemoteStub {
  key: string;
  version: number;
  type: Flag['type'];
  remote: true;
}

/** Every attribute some flag of the environment declares private: none of them may reach a browser. */
export function privateAttributesOf(flags: Iterable<Flag>): Set<string> {
  const out = new Set<string>();
  for (const flag of flags) for (const a of flag.privateAttributes ?? []) out.add(a);
  return out;
}

/** True when a condition, or a segment it reaches (segments nest), reads one of `attributes`. */
function readsAny(
  conditions: readonly Condition[] | undefined,
  attributes: Set<string>,
  segments: Map<string, Segment>,
  seen: Set<string>,
): boolean {
  for (const c of conditions ?? []) {
    if (c.operator !== 'inSegment') {
      if (c.attribute !== undefined && attributes.has(c.attribute)) return true;
      continue;
    }
    for (const ref of c.values) {
      if (typeof ref !== 'string' || seen.has(ref)) continue;
      seen.add(ref);
      if (readsAny(segments.get(ref)?.conditions, attributes, segments, seen)) return true;
    }
  }
  return false;
}

/**
 * The client-side flags to evaluate on the server: those whose rules or segments read a
 * private attribute, and those whose prerequisites (at any depth) are such flags, so a
 * browser never evaluates a flag against a result computed for another context.
 */
export function serverEvaluatedFlags(flags: Map<string, Flag>, segments: Map<string, Segment>): Set<string> {
  const attributes = privateAttributesOf(flags.values());
  const out = new Set<string>();
  if (attributes.size === 0) return out;
  const memo = new Map<string, boolean>();
  const remote = (key: string, depth: number): boolean => {
    const known = memo.get(key);
    if (known !== undefined) return known;
    const flag = flags.get(key);
    // A cycle or a missing flag: the evaluator fails such a prerequisite the same way anywhere.
    if (!flag || depth > 32) return false;
    memo.set(key, false);
    const result =
      flag.rules?.some((rule) => readsAny(rule.conditions, attributes, segments, new Set())) === true ||
      (flag.prerequisites ?? []).some((p) => remote(p.flag, depth + 1));
    memo.set(key, result);
    return result;
  };
  for (const [key, flag] of flags) if (flag.clientSide === true && remote(key, 0)) out.add(key);
  return out;
}

export function remoteStub(flag: Flag): RemoteStub {
  return { key: flag.key, version: flag.version, type: flag.type, remote: true };
}

/**
 * A flag document that serves `result` (value, variant, reason and rule id) to the context it
 * was evaluated for, so the browser keeps it in its snapshot and evaluates it like any other.
 * Null for an error: the browser then answers the caller's default.
 */
export function resolvedFlag(flag: Flag, result: EvaluationResult<unknown>): Flag | null {
  const { variant, reason, ruleId } = result;
  if (variant === undefined || reason === 'ERROR') return null;
  const base = { key: flag.key, version: flag.version, type: flag.type, remote: true, variants: { [variant]: result.value } };
  const fixed = { variant };
  // One variant at full weight: SPLIT whatever the bucket, bucketed on what the flag buckets by.
  const split = (bucketBy: string | undefined) => ({ rollout: [{ variant, weight: 1 }], ...(bucketBy !== undefined && { bucketBy }) });
  const doc = (rest: Partial<Flag>): Flag => ({ ...base, enabled: true, offVariant: variant, fallthrough: fixed, ...rest }) as Flag;
  switch (reason) {
    case 'DISABLED':
      return doc({ enabled: false });
    case 'PREREQUISITE_FAILED':
      // A prerequisite no snapshot has fails.
      return doc({ prerequisites: [{ flag: '', variant: '' }] });
    case 'TARGETING_MATCH':
      return doc({ rules: [{ id: ruleId ?? '', conditions: [], serve: fixed }] });
    case 'SPLIT': {
      const rule = ruleId === undefined ? undefined : flag.rules?.find((r) => r.id === ruleId);
      if (rule) return doc({ rules: [{ id: rule.id, conditions: [], serve: split(bucketByOf(rule.serve)) }] });
      return doc({ fallthrough: split(bucketByOf(flag.fallthrough)) });
    }
    case 'DEFAULT':
      // A rule that never matches makes the fallthrough DEFAULT rather than STATIC.
      return doc({ rules: [{ id: '', conditions: [{ attribute: 'userId', operator: 'in', values: [] }], serve: fixed }] });
    default:
      return doc({});
  }
}

function bucketByOf(serve: unknown): string | undefined {
  const bucketBy = (serve as { bucketBy?: unknown } | undefined)?.bucketBy;
  return typeof bucketBy === 'string' ? bucketBy : undefined;
}
