import type { Flag, Serve, Snapshot } from '@switchboard/core';
import { murmur3Utf8 } from './murmur3-reference.js';

/**
 * The floor: the least work a correct evaluator of these flags can do. The flag
 * document is compiled ahead of time into plain records; evaluating is a Map lookup,
 * a few comparisons per rule, and for a rollout one allocation-free murmur3 over
 * UTF-8(salt + userId) and a compare against the cumulative weight. It returns the
 * bare value (no result object, no reason) and supports only what the scenarios use.
 */

const OP_IN = 0;
const OP_EQ = 1;
const OP_ENDS_WITH = 2;
const OPERATORS: Record<string, number> = { in: OP_IN, eq: OP_EQ, endsWith: OP_ENDS_WITH };

interface FloorRule {
  attribute: string;
  op: number;
  values: string[];
  value: boolean;
}

interface FloorServe {
  /** Fixed value when `total` is 0. */
  value: boolean;
  /** Sum of rollout weights; 0 for a fixed serve. */
  total: number;
  /** Bucket below this serves `true`. */
  onBelow: number;
  bucketBy: string;
}

interface FloorFlag {
  enabled: boolean;
  offValue: boolean;
  salt: string;
  rules: FloorRule[];
  fallthrough: FloorServe;
}

export type FloorStore = Map<string, FloorFlag>;

function booleanOf(flag: Flag, variant: string): boolean {
  const value = flag.variants[variant];
  if (typeof value !== 'boolean') throw new Error(`floor: ${flag.key} variant ${variant} is not boolean`);
  return value;
}

function compileServe(flag: Flag, serve: Serve): FloorServe {
  if ('variant' in serve) return { value: booleanOf(flag, serve.variant), total: 0, onBelow: 0, bucketBy: '' };
  let total = 0;
  let onBelow = 0;
  for (const { variant, weight } of serve.rollout) {
    total += weight;
    if (booleanOf(flag, variant)) {
      if (onBelow !== 0 || total !== weight) throw new Error(`floor: ${flag.key} must list its on variant first`);
      onBelow = total;
    }
  }
  return { value: false, total, onBelow, bucketBy: serve.bucketBy ?? 'userId' };
}

export function compileFloor(snapshot: Snapshot): FloorStore {
  const store: FloorStore = new Map();
  for (const flag of Object.values(snapshot.flags)) {
    if (flag.type !== 'boolean' || flag.prerequisites?.length) throw new Error(`floor: unsupported flag ${flag.key}`);
    const rules = (flag.rules ?? []).map((rule): FloorRule => {
      const [condition, ...rest] = rule.conditions;
      if (!condition || rest.length > 0 || condition.negate || !('variant' in rule.serve)) {
        throw new Error(`floor: unsupported rule ${flag.key}/${rule.id}`);
      }
      const op = OPERATORS[condition.operator];
      if (op === undefined) throw new Error(`floor: unsupported operator ${condition.operator}`);
      return {
        attribute: condition.attribute,
        op,
        values: condition.values.map(String),
        value: booleanOf(flag, rule.serve.variant),
      };
    });
    store.set(flag.key, {
      enabled: flag.enabled,
      offValue: booleanOf(flag, flag.offVariant),
      salt: flag.salt ?? flag.key,
      rules,
      fallthrough: compileServe(flag, flag.fallthrough),
    });
  }
  return store;
}

function ruleMatches(rule: FloorRule, context: Record<string, unknown>): boolean {
  const actual = context[rule.attribute];
  if (typeof actual !== 'string') return false;
  const values = rule.values;
  for (let i = 0; i < values.length; i++) {
    const expected = values[i]!;
    if (rule.op === OP_ENDS_WITH ? actual.endsWith(expected) : actual === expected) return true;
  }
  return false;
}

export function floorEvaluate(store: FloorStore, flagKey: string, context: Record<string, unknown>, defaultValue: boolean): boolean {
  const flag = store.get(flagKey);
  if (flag === undefined) return defaultValue;
  if (!flag.enabled) return flag.offValue;
  const rules = flag.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (ruleMatches(rule, context)) return rule.value;
  }
  const serve = flag.fallthrough;
  if (serve.total === 0) return serve.value;
  const unit = context[serve.bucketBy];
  if (typeof unit !== 'string') return flag.offValue;
  const bucket = Math.floor((murmur3Utf8(flag.salt, unit) * serve.total) / 4294967296);
  return bucket < serve.onBelow;
}
