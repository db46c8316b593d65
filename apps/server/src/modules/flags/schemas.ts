/**
 * HTTP shapes of flags and their per-environment configs. These give validation at the
 * edge (unknown properties refused, no coercion, sizes bounded), the handler types and
 * the OpenAPI document. Semantic checks (variants referenced exist, weights add up,
 * regexes are safe, no cycles) are `@switchboard/core/validate`'s job, run by the service.
 */
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import type { ConditionValue, FlagValue, Operator } from '@switchboard/core';
import { LIMITS, OPERATORS } from '@switchboard/core/validate';

export const KEY_PATTERN = LIMITS.keyPattern.source;

export const Key = Type.String({ pattern: KEY_PATTERN, maxLength: 128, description: 'letters, digits, ".", "_" or "-"; starts with a letter or digit' });
const Attribute = Type.String({ pattern: LIMITS.attributePattern.source, maxLength: 128 });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
      requestId: Type.String(),
    }),
  },
  { $id: 'Error' },
);

export const Condition = Type.Object(
  {
    attribute: Type.Optional(Attribute),
    operator: Type.Unsafe<Operator>({ type: 'string', enum: [...OPERATORS] }),
    values: Type.Array(
      Type.Unsafe<ConditionValue>({ type: ['string', 'number', 'boolean'], maxLength: LIMITS.maxStringValueLength }),
      { maxItems: LIMITS.maxValuesPerCondition },
    ),
    negate: Type.Optional(Type.Boolean()),
    caseInsensitive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const WeightedVariant = Type.Object(
  { variant: Key, weight: Type.Integer({ minimum: 0, maximum: LIMITS.maxWeightTotal }) },
  { additionalProperties: false },
);

/** Exactly one of `variant` or `rollout` (checked by the core validator, which names the field). */
export const Serve = Type.Object(
  {
    variant: Type.Optional(Key),
    rollout: Type.Optional(Type.Array(WeightedVariant, { minItems: 1, maxItems: LIMITS.maxVariants })),
    bucketBy: Type.Optional(Attribute),
  },
  { additionalProperties: false, description: '{ "variant": "on" } or { "rollout": [{ "variant", "weight" }], "bucketBy"? } with weights out of 100000' },
);

export const Rule = Type.Object(
  {
    id: Key,
    conditions: Type.Array(Condition, { maxItems: LIMITS.maxConditionsPerRule }),
    serve: Serve,
  },
  { additionalProperties: false },
);

export const Prerequisite = Type.Object({ flag: Key, variant: Key }, { additionalProperties: false });

export const Variants = Type.Record(Key, Type.Unsafe<FlagValue>({}), {
  additionalProperties: false,
  minProperties: 1,
  maxProperties: LIMITS.maxVariants,
});

export const FlagType = Type.Unsafe<'boolean' | 'string' | 'number' | 'json'>({ type: 'string', enum: ['boolean', 'string', 'number', 'json'] });

const PrivateAttributes = Type.Array(Attribute, {
  maxItems: 50,
  uniqueItems: true,
  description: 'context attributes whose targeting values browsers receive only as salted SHA-256 hashes',
});
const Tags = Type.Array(Type.String({ pattern: KEY_PATTERN, maxLength: 64 }), { maxItems: 50, uniqueItems: true });
const Text = (maxLength: number) => Type.String({ maxLength });
/** Versions are Postgres integers: a larger one would be a database error, not a 400. */
export const Version = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const CreateFlagBody = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Text(2000)),
    type: FlagType,
    variants: Type.Optional(Variants),
    clientSide: Type.Optional(Type.Boolean()),
    privateAttributes: Type.Optional(PrivateAttributes),
    tags: Type.Optional(Tags),
    owner: Type.Optional(Type.Union([Text(200), Type.Null()])),
    temporary: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateFlagBody = Static<typeof CreateFlagBody>;

export const UpdateFlagBody = Type.Object(
  {
    version: Type.Optional(Version),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Text(2000)),
    variants: Type.Optional(Variants),
    clientSide: Type.Optional(Type.Boolean()),
    privateAttributes: Type.Optional(PrivateAttributes),
    tags: Type.Optional(Tags),
    owner: Type.Optional(Type.Union([Text(200), Type.Null()])),
    temporary: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateFlagBody = Static<typeof UpdateFlagBody>;

const configProperties = {
  enabled: Type.Boolean(),
  offVariant: Key,
  fallthrough: Serve,
  rules: Type.Array(Rule, { maxItems: LIMITS.maxRules }),
  prerequisites: Type.Array(Prerequisite, { maxItems: LIMITS.maxPrerequisites }),
  salt: Type.String({ maxLength: LIMITS.maxSaltLength }),
};

/** PUT: the whole config. `rules`, `prerequisites` and `salt` keep their defaults when omitted. */
export const PutConfigBody = Type.Object(
  {
    version: Type.Optional(Version),
    enabled: configProperties.enabled,
    offVariant: configProperties.offVariant,
    fallthrough: configProperties.fallthrough,
    rules: Type.Optional(configProperties.rules),
    prerequisites: Type.Optional(configProperties.prerequisites),
    salt: Type.Optional(configProperties.salt),
  },
  { additionalProperties: false },
);
export type PutConfigBody = Static<typeof PutConfigBody>;

/** PATCH: any subset. `{"enabled": false}` is the kill switch. */
export const PatchConfigBody = Type.Object(
  {
    version: Type.Optional(Version),
    enabled: Type.Optional(configProperties.enabled),
    offVariant: Type.Optional(configProperties.offVariant),
    fallthrough: Type.Optional(configProperties.fallthrough),
    rules: Type.Optional(configProperties.rules),
    prerequisites: Type.Optional(configProperties.prerequisites),
    salt: Type.Optional(configProperties.salt),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchConfigBody = Static<typeof PatchConfigBody>;

export const RolloutBody = Type.Object(
  {
    version: Type.Optional(Version),
    percentage: Type.Number({ minimum: 0, maximum: 100, multipleOf: 0.001, description: 'share of users served `variant`, in 0.001 % steps' }),
    variant: Type.Optional(Key),
    bucketBy: Type.Optional(Attribute),
  },
  { additionalProperties: false },
);
export type RolloutBody = Static<typeof RolloutBody>;

export const RestoreBody = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'the version to restore; the result is a new version' }) },
  { additionalProperties: false },
);

export const FlagParams = Type.Object({ key: Key });
export const ConfigParams = Type.Object({ key: Key, env: Key });

/** Headers used for optimistic concurrency and idempotent creates. */
export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) });
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' })),
});

export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')]));
}
