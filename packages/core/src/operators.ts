/**
 * `@switchboard/core/operators`: the operators that need a parser — `matches` (the
 * linear-time regex engine), `before`/`after` (ISO-8601 dates) and `semver*` (strict
 * SemVer 2.0.0). `evaluate` from the main entry always has them; an evaluator made with
 * `createEvaluator()` has them only when given `extendedOperators`, so a browser bundle
 * can load this module on demand, when a snapshot first uses one of these operators.
 */
import type { ExtendedOperators } from './conditions.js';
import { compileSafeRegex, type SafeRegex } from './regex.js';
import { compareSemver } from './semver.js';
import { toInstant } from './instant.js';
import type { Condition } from './snapshot.js';

export type { ExtendedOperators };

// Compiled patterns are memoised per condition object. A WeakMap holds no state a
// caller can observe and lets a snapshot's conditions be garbage-collected with it.
const compiled = new WeakMap<Condition, (SafeRegex | undefined)[]>();

function regexesOf(condition: Condition): (SafeRegex | undefined)[] {
  let list = compiled.get(condition);
  if (!list) {
    const ci = condition.caseInsensitive === true;
    list = condition.values.map((v) => (typeof v === 'string' ? compileSafeRegex(v, ci) : undefined));
    compiled.set(condition, list);
  }
  return list;
}

/** Every extended operator; pass it to `createEvaluator` for the same results as `evaluate`. */
export const extendedOperators: ExtendedOperators = {
  matches: (condition, index, input) => regexesOf(condition)[index]?.test(input),
  compareSemver,
  toInstant,
};
