/**
 * Explain: what a context gets for a flag in an environment, and why, from core's own
 * evaluator with its trace (`explain` in `@switchboard/core`). Segments hold conditions and
 * prerequisites hold explanations, so those two schemas refer to themselves by `$id`.
 */
import { Type, type Static, type TUnsafe } from 'typebox';
import type { ConditionTrace, FlagExplanation as CoreFlagExplanation } from '@switchboard/core';
import { Key, ref } from './common.js';

/** A `$ref` to a schema by its id, for the two self-referring shapes below. */
const refTo = <T>(id: string): TUnsafe<T> => Type.Unsafe<T>(Type.Ref(id));

const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]);

/** A context as evaluation reads it: `userId` plus any attributes to target on. */
export const ExplainContext = Type.Object(
  { userId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, examples: ['u-1842'] })) },
  {
    additionalProperties: Type.Union([Scalar, Type.Null(), Type.Array(Scalar, { maxItems: 100 })]),
    maxProperties: 100,
    description: 'userId (the default bucketing attribute) and attributes: strings, numbers, booleans, null or lists of those',
    examples: [{ userId: 'u-1842', country: 'DE', plan: 'pro' }],
  },
);
type AttributeValue = string | number | boolean | null | (string | number | boolean)[];
/** Written out: the schema's static type leaves out what `additionalProperties` allows. */
export type ExplainContext = { userId?: string } & { [attribute: string]: AttributeValue | undefined };

export const ExplainBody = Type.Object(
  { context: ExplainContext },
  { additionalProperties: false, examples: [{ context: { userId: 'u-1842', country: 'DE', plan: 'pro' } }] },
);
export type ExplainBody = { context: ExplainContext };

export const ExplainParams = Type.Object({ key: Key, env: Key });
export const ExplainEnvironmentParams = Type.Object({ env: Key });

const Outcome = Type.Union([Type.Literal('match'), Type.Literal('noMatch'), Type.Literal('invalid')], {
  description: '`invalid`: a bad value (wrong type for the operator, unparseable date or version); false even when negated',
});

export const ExplainSegment = Type.Object(
  {
    key: Type.String(),
    outcome: Outcome,
    decidedBy: Type.Union([Type.Literal('excluded'), Type.Literal('included'), Type.Literal('conditions'), Type.Literal('missing')]),
    conditions: Type.Array(refTo<ConditionTrace>('ExplainCondition')),
  },
  {
    $id: 'ExplainSegment',
    additionalProperties: false,
    description: "A segment's membership for the context and what decided it",
    examples: [
      {
        key: 'beta-testers',
        outcome: 'match',
        decidedBy: 'conditions',
        conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'AT'], actual: 'DE', outcome: 'match' }],
      },
    ],
  },
);

export const ExplainCondition = Type.Object(
  {
    attribute: Type.Optional(Type.String()),
    operator: Type.String({ examples: ['in'] }),
    values: Type.Array(Type.Unknown()),
    negate: Type.Optional(Type.Literal(true)),
    actual: Type.Optional(Type.Unknown({ description: "the context's value; absent when the context doesn't have the attribute" })),
    outcome: Outcome,
    segments: Type.Optional(Type.Array(ref(ExplainSegment))),
  },
  {
    $id: 'ExplainCondition',
    additionalProperties: false,
    description: "One condition's outcome for the context",
    examples: [{ attribute: 'country', operator: 'in', values: ['DE', 'AT'], actual: 'DE', outcome: 'match' }],
  },
);

const Rule = Type.Object(
  {
    index: Type.Integer({ minimum: 0 }),
    id: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    matched: Type.Boolean(),
    conditions: Type.Array(ref(ExplainCondition), { description: 'every condition in order, even after one fails' }),
  },
  { additionalProperties: false },
);

const ServeTrace = Type.Object(
  {
    from: Type.Union([Type.Literal('off'), Type.Literal('rule'), Type.Literal('fallthrough')]),
    ruleId: Type.Optional(Type.String()),
    bucketBy: Type.Optional(Type.String({ description: "a rollout's bucketing attribute" })),
    bucket: Type.Optional(
      Type.Integer({ minimum: 0, description: 'absent when the context lacks the bucketing attribute: then the off variant is served' }),
    ),
    total: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

const Result = Type.Object(
  {
    value: Type.Unknown(),
    variant: Type.Optional(Type.String()),
    reason: Type.String({ examples: ['TARGETING_MATCH'] }),
    errorCode: Type.Optional(Type.String({ examples: ['FLAG_NOT_FOUND'] })),
    ruleId: Type.Optional(Type.String()),
  },
  { additionalProperties: false, description: 'exactly what an SDK evaluating the same snapshot gets' },
);

const explanationExample = {
  flag: 'new-checkout',
  result: { value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'eu-pro' },
  found: true,
  enabled: true,
  prerequisites: [],
  rules: [
    {
      index: 0,
      id: 'eu-pro',
      matched: true,
      conditions: [
        { attribute: 'country', operator: 'in', values: ['DE', 'AT'], actual: 'DE', outcome: 'match' },
        { attribute: 'plan', operator: 'eq', values: ['pro'], actual: 'pro', outcome: 'match' },
      ],
    },
  ],
  serve: { from: 'rule', ruleId: 'eu-pro' },
};

export const FlagExplanation = Type.Object(
  {
    flag: Type.String(),
    result: Result,
    found: Type.Boolean(),
    enabled: Type.Boolean(),
    prerequisites: Type.Array(
      Type.Object(
        {
          flag: Type.String(),
          variant: Type.String({ description: 'the variant the prerequisite must serve' }),
          met: Type.Boolean(),
          explanation: Type.Optional(refTo<CoreFlagExplanation>('FlagExplanation')),
        },
        { additionalProperties: false },
      ),
      { description: 'in order; the walk stops at the first unmet one' },
    ),
    rules: Type.Array(Rule, { description: 'rules reached, in order; the walk stops at the first that matches' }),
    serve: Type.Optional(ServeTrace),
  },
  {
    $id: 'FlagExplanation',
    additionalProperties: false,
    description: "A flag's result for a context and each step that led to it",
    examples: [explanationExample],
  },
);
/** The core type: the schema's static type can't follow its self-references. */
export type FlagExplanation = CoreFlagExplanation;

export const Explanation = Type.Object(
  {
    environment: Key,
    revision: Type.Integer({ minimum: 0, description: 'the snapshot revision evaluated' }),
    explanation: refTo<FlagExplanation>('FlagExplanation'),
  },
  {
    $id: 'Explanation',
    additionalProperties: false,
    examples: [{ environment: 'production', revision: 128, explanation: explanationExample }],
  },
);
export type Explanation = Static<typeof Explanation>;

export const ExplanationList = Type.Object(
  { environment: Key, revision: Type.Integer({ minimum: 0 }), explanations: Type.Array(refTo<FlagExplanation>('FlagExplanation')) },
  {
    $id: 'ExplanationList',
    additionalProperties: false,
    description: 'Every flag of the environment, by key',
    examples: [{ environment: 'production', revision: 128, explanations: [explanationExample] }],
  },
);
export type ExplanationList = Static<typeof ExplanationList>;
