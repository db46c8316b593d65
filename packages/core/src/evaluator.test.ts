import { describe, expect, it } from 'vitest';
import operators from '@switchboard/spec/operators.json' with { type: 'json' };
import evaluation from '@switchboard/spec/evaluation.json' with { type: 'json' };
import { operatorSnapshot } from '@switchboard/spec/harness';
import { createEvaluator } from './evaluator.js';
import { extendedOperators } from './operators.js';
import { evaluate } from './evaluate.js';
import type { Condition, EvaluationContext, Snapshot } from './snapshot.js';

const EXTENDED = new Set(['matches', 'before', 'after', 'semverEq', 'semverLt', 'semverGt']);
const uses = (c: { condition: unknown; segments?: unknown }): boolean =>
  /"operator":"(matches|before|after|semver(Eq|Lt|Gt))"/.test(JSON.stringify(c));

describe('createEvaluator', () => {
  const full = createEvaluator(extendedOperators);
  const base = createEvaluator();

  it('with extendedOperators gives exactly what evaluate gives, on every spec case', () => {
    for (const c of evaluation.cases) {
      const args = [c.snapshot as unknown as Snapshot, c.flag, c.context as EvaluationContext, c.default] as const;
      expect(full(...args)).toStrictEqual(evaluate(...args));
    }
    for (const c of operators.cases) {
      const snapshot = operatorSnapshot(c) as Snapshot;
      expect(full(snapshot, 'f', c.context as EvaluationContext, false)).toStrictEqual(
        evaluate(snapshot, 'f', c.context as EvaluationContext, false),
      );
    }
  });

  it('without them agrees on every other operator, and treats theirs like a bad value: false even when negated', () => {
    let checked = 0;
    for (const c of operators.cases) {
      const snapshot = operatorSnapshot(c) as Snapshot;
      const ctx = c.context as EvaluationContext;
      if (!uses(c)) {
        expect(base(snapshot, 'f', ctx, false).value).toBe(c.expected);
        continue;
      }
      const condition = c.condition as Condition;
      if (!EXTENDED.has(condition.operator)) continue; // used inside a segment: covered by the spec run below
      const negated = operatorSnapshot({ ...c, condition: { ...condition, negate: !condition.negate } }) as Snapshot;
      const actual = ctx[condition.attribute];
      if (actual === undefined || actual === null) {
        // A missing attribute is a plain non-match whatever the operator, with or without them.
        expect(base(snapshot, 'f', ctx, false)).toStrictEqual(evaluate(snapshot, 'f', ctx, false));
        expect(base(negated, 'f', ctx, false)).toStrictEqual(evaluate(negated, 'f', ctx, false));
      } else {
        expect(base(snapshot, 'f', ctx, false).value).toBe(false);
        expect(base(negated, 'f', ctx, false).value).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
