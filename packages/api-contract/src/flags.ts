/**
 * Flags and their per-environment configs. Request bodies refuse unknown properties and
 * bound every size; semantic checks (variants referenced exist, weights add up, regexes
 * are safe, no cycles) are `@switchboard/core/validate`'s job, run by the server.
 */
import { Type, type Static } from 'typebox';
import type { ConditionValue, FlagValue, Operator } from '@switchboard/core';
import { LIMITS, OPERATORS } from '@switchboard/core/validate';
import { Attribute, KEY_PATTERN, Key, Timestamp, Version, ref } from './common.js';
import { FlagStaleness } from './stale-flags.js';

export const Condition = Type.Object(
  {
    attribute: Type.Optional(Attribute),
    operator: Type.Unsafe<Operator>({ type: 'string', enum: [...OPERATORS] }),
    values: Type.Array(Type.Unsafe<ConditionValue>({ type: ['string', 'number', 'boolean'], maxLength: LIMITS.maxStringValueLength }), {
      maxItems: LIMITS.maxValuesPerCondition,
    }),
    negate: Type.Optional(Type.Boolean()),
    caseInsensitive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, examples: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }] },
);
export type Condition = Static<typeof Condition>;

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
  {
    additionalProperties: false,
    description: '{ "variant": "on" } or { "rollout": [{ "variant", "weight" }], "bucketBy"? } with weights out of 100000',
    examples: [
      {
        rollout: [
          { variant: 'on', weight: 25_000 },
          { variant: 'off', weight: 75_000 },
        ],
        bucketBy: 'userId',
      },
    ],
  },
);
export type Serve = Static<typeof Serve>;

export const Rule = Type.Object(
  {
    id: Key,
    conditions: Type.Array(Condition, { maxItems: LIMITS.maxConditionsPerRule }),
    serve: Serve,
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof Rule>;

/** A rule as a write sends it: without `id`, the server names it (`rule-1`, `rule-2`… the first free) and answers it. */
const RuleInput = Type.Object(
  {
    id: Type.Optional(Key),
    conditions: Type.Array(Condition, { maxItems: LIMITS.maxConditionsPerRule }),
    serve: Serve,
  },
  { additionalProperties: false },
);
const RulesInput = Type.Array(RuleInput, { maxItems: LIMITS.maxRules });

export const Prerequisite = Type.Object(
  { flag: Key, variant: Key },
  { additionalProperties: false, examples: [{ flag: 'new-cart', variant: 'on' }] },
);
export type Prerequisite = Static<typeof Prerequisite>;

export const Variants = Type.Record(Key, Type.Unsafe<FlagValue>({}), {
  additionalProperties: false,
  minProperties: 1,
  maxProperties: LIMITS.maxVariants,
  examples: [{ on: true, off: false }],
});

export const FlagType = Type.Unsafe<'boolean' | 'string' | 'number' | 'json'>({
  type: 'string',
  enum: ['boolean', 'string', 'number', 'json'],
});
export type FlagType = Static<typeof FlagType>;

const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['New checkout'] });
const Description = Type.String({ maxLength: 2000, examples: ['One-page checkout with saved cards'] });
const Owner = Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { examples: ['team-payments'] });
const PrivateAttributes = Type.Array(Attribute, {
  maxItems: 50,
  uniqueItems: true,
  description: 'context attributes whose targeting values never reach browsers: client-side flags reading one are evaluated by the server',
  examples: [['email']],
});
const Tags = Type.Array(Type.String({ pattern: KEY_PATTERN, maxLength: 64 }), {
  maxItems: 50,
  uniqueItems: true,
  examples: [['checkout', 'q2']],
});

const configProperties = {
  enabled: Type.Boolean({ description: '`false` is the kill switch: everyone gets the off variant' }),
  offVariant: Key,
  fallthrough: Serve,
  rules: Type.Array(Rule, { maxItems: LIMITS.maxRules }),
  prerequisites: Type.Array(Prerequisite, { maxItems: LIMITS.maxPrerequisites }),
  salt: Type.String({ maxLength: LIMITS.maxSaltLength }),
};

const CONFIG_EXAMPLE = {
  flag: 'new-checkout',
  environment: 'production',
  version: 4,
  enabled: true,
  offVariant: 'off',
  fallthrough: {
    rollout: [
      { variant: 'on', weight: 25_000 },
      { variant: 'off', weight: 75_000 },
    ],
  },
  rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } }],
  prerequisites: [],
  salt: 'new-checkout',
  updatedAt: '2026-03-14T09:26:53.589Z',
};

/** A flag's targeting in one environment, at one version (the ETag of its routes). */
export const FlagConfig = Type.Object(
  {
    flag: Key,
    environment: Key,
    version: Version,
    ...configProperties,
    updatedAt: Timestamp(),
  },
  { $id: 'FlagConfig', additionalProperties: false, examples: [CONFIG_EXAMPLE] },
);
export type FlagConfig = Static<typeof FlagConfig>;

/** A flag's state in one environment, for lists: what the flags page shows per row. */
export const FlagSummary = Type.Object(
  {
    environment: Key,
    enabled: Type.Boolean(),
    version: Version,
    offVariant: Key,
    fallthrough: Serve,
    rollout: Type.Union(
      [Type.Object({ variant: Key, percentage: Type.Number({ minimum: 0, maximum: 100 }) }, { additionalProperties: false }), Type.Null()],
      {
        description:
          "set when the fallthrough is a two-way rollout: the share of users served `variant` (the one that isn't the off variant)",
      },
    ),
    ruleCount: Type.Integer({ minimum: 0 }),
    updatedAt: Timestamp(),
    lastChange: Type.Union(
      [Type.Object({ at: Timestamp(), actor: Type.String(), action: Type.String() }, { additionalProperties: false }), Type.Null()],
      { description: 'the newest audit event of this flag in this environment, or of the flag itself (create, edit)' },
    ),
  },
  {
    $id: 'FlagSummary',
    additionalProperties: false,
    examples: [
      {
        environment: 'production',
        enabled: true,
        version: 4,
        offVariant: 'off',
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 25_000 },
            { variant: 'off', weight: 75_000 },
          ],
        },
        rollout: { variant: 'on', percentage: 25 },
        ruleCount: 1,
        updatedAt: '2026-03-14T09:26:53.589Z',
        lastChange: { at: '2026-03-14T09:26:53.589Z', actor: 'alice (admin key)', action: 'config.rollout' },
      },
    ],
  },
);
export type FlagSummary = Static<typeof FlagSummary>;

export const Flag = Type.Object(
  {
    key: Key,
    name: Name,
    description: Description,
    type: FlagType,
    variants: Variants,
    clientSide: Type.Boolean({ description: 'served to browsers (client keys)' }),
    privateAttributes: PrivateAttributes,
    tags: Tags,
    owner: Owner,
    temporary: Type.Boolean({ description: 'expected to be removed once rolled out' }),
    archived: Type.Boolean(),
    version: Version,
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
    environments: Type.Optional(
      Type.Record(Type.String(), ref(FlagConfig), {
        description: 'the config in every environment, by environment key (single-flag answers)',
      }),
    ),
    summary: Type.Optional(ref(FlagSummary)),
    staleness: Type.Optional(ref(FlagStaleness)),
  },
  {
    $id: 'Flag',
    additionalProperties: false,
    description: 'Flag metadata and variants (shared by every environment); ETag: its version',
    examples: [
      {
        key: 'new-checkout',
        name: 'New checkout',
        description: 'One-page checkout with saved cards',
        type: 'boolean',
        variants: { on: true, off: false },
        clientSide: true,
        privateAttributes: ['email'],
        tags: ['checkout'],
        owner: 'team-payments',
        temporary: true,
        archived: false,
        version: 2,
        createdAt: '2026-03-02T14:05:11.204Z',
        updatedAt: '2026-03-14T09:26:53.589Z',
        environments: { production: CONFIG_EXAMPLE },
      },
    ],
  },
);
export type Flag = Static<typeof Flag>;

/** The most flags one page of `GET /api/admin/flags` holds. */
export const FLAG_PAGE_LIMIT_MAX = 500;

export const FlagList = Type.Object(
  {
    flags: Type.Array(ref(Flag)),
    nextCursor: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: 'paged answers (`limit` given): pass as `cursor` for the next page; null on the last page',
      }),
    ),
    total: Type.Optional(Type.Integer({ minimum: 0, description: 'paged answers: how many flags match the query, across all pages' })),
  },
  {
    $id: 'FlagList',
    additionalProperties: false,
    examples: [
      {
        flags: [
          {
            key: 'new-checkout',
            name: 'New checkout',
            description: 'One-page checkout with saved cards',
            type: 'boolean',
            variants: { on: true, off: false },
            clientSide: true,
            privateAttributes: [],
            tags: ['checkout'],
            owner: 'team-payments',
            temporary: true,
            archived: false,
            version: 2,
            createdAt: '2026-03-02T14:05:11.204Z',
            updatedAt: '2026-03-14T09:26:53.589Z',
          },
        ],
        nextCursor: 'eyJrIjoibmV3LWNoZWNrb3V0In0',
        total: 1375,
      },
    ],
  },
);
export type FlagList = Static<typeof FlagList>;

/** `GET /flags/:key/environments`: the `environments` of `GET /flags/:key`, without the flag's metadata. */
export const FlagConfigList = Type.Object(
  {
    flag: Key,
    environments: Type.Record(Type.String(), ref(FlagConfig), {
      description: 'the config in every environment, by environment key, in environment order (as in `GET /flags/:key`)',
    }),
  },
  {
    $id: 'FlagConfigList',
    additionalProperties: false,
    examples: [{ flag: 'new-checkout', environments: { production: CONFIG_EXAMPLE } }],
  },
);
export type FlagConfigList = Static<typeof FlagConfigList>;

/** An earlier version of a config, as stored. */
export const ConfigVersion = Type.Object(
  {
    version: Version,
    createdAt: Timestamp(),
    ...configProperties,
    actor: Type.Union([Type.String(), Type.Null()], {
      description: 'who wrote this version; null for versions written before it was recorded',
      examples: ['alice (admin key)'],
    }),
    reason: Type.Union([Type.String(), Type.Null()], { description: "the write's X-Change-Reason, when it gave one" }),
  },
  {
    $id: 'ConfigVersion',
    additionalProperties: false,
    examples: [
      {
        version: 3,
        createdAt: '2026-03-12T16:40:02.117Z',
        enabled: true,
        offVariant: 'off',
        fallthrough: { variant: 'off' },
        rules: [],
        prerequisites: [],
        salt: 'new-checkout',
        actor: 'alice (admin key)',
        reason: 'Back to the control while INC-2231 is investigated',
      },
    ],
  },
);
export type ConfigVersion = Static<typeof ConfigVersion>;

export const ConfigVersionList = Type.Object(
  { versions: Type.Array(ref(ConfigVersion), { description: 'newest first' }) },
  { $id: 'ConfigVersionList', additionalProperties: false },
);
export type ConfigVersionList = Static<typeof ConfigVersionList>;

// Requests

export const CreateFlagBody = Type.Object(
  {
    key: Key,
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    type: FlagType,
    variants: Type.Optional(Variants),
    clientSide: Type.Optional(Type.Boolean()),
    privateAttributes: Type.Optional(PrivateAttributes),
    tags: Type.Optional(Tags),
    owner: Type.Optional(Owner),
    temporary: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, examples: [{ key: 'new-checkout', type: 'boolean', name: 'New checkout', clientSide: true }] },
);
export type CreateFlagBody = Static<typeof CreateFlagBody>;

export const UpdateFlagBody = Type.Object(
  {
    version: Type.Optional(Version),
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    variants: Type.Optional(Variants),
    clientSide: Type.Optional(Type.Boolean()),
    privateAttributes: Type.Optional(PrivateAttributes),
    tags: Type.Optional(Tags),
    owner: Type.Optional(Owner),
    temporary: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ version: 2, archived: true }] },
);
export type UpdateFlagBody = Static<typeof UpdateFlagBody>;

/** PUT: the whole config. `rules`, `prerequisites` and `salt` keep their defaults when omitted. */
export const PutConfigBody = Type.Object(
  {
    version: Type.Optional(Version),
    enabled: configProperties.enabled,
    offVariant: configProperties.offVariant,
    fallthrough: configProperties.fallthrough,
    rules: Type.Optional(RulesInput),
    prerequisites: Type.Optional(configProperties.prerequisites),
    salt: Type.Optional(configProperties.salt),
  },
  { additionalProperties: false, examples: [{ version: 4, enabled: true, offVariant: 'off', fallthrough: { variant: 'on' } }] },
);
export type PutConfigBody = Static<typeof PutConfigBody>;

/** PATCH: any subset. `{"enabled": false}` is the kill switch. */
export const PatchConfigBody = Type.Object(
  {
    version: Type.Optional(Version),
    enabled: Type.Optional(configProperties.enabled),
    offVariant: Type.Optional(configProperties.offVariant),
    fallthrough: Type.Optional(configProperties.fallthrough),
    rules: Type.Optional(RulesInput),
    prerequisites: Type.Optional(configProperties.prerequisites),
    salt: Type.Optional(configProperties.salt),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ enabled: false }] },
);
export type PatchConfigBody = Static<typeof PatchConfigBody>;

export const RolloutBody = Type.Object(
  {
    version: Type.Optional(Version),
    percentage: Type.Number({
      minimum: 0,
      maximum: 100,
      multipleOf: 0.001,
      description:
        'share of users served `variant`, in 0.001 % steps; the other variants served keep their proportions, ' +
        'and `bucketBy` stays unless given',
    }),
    variant: Type.Optional(Key),
    bucketBy: Type.Optional(Attribute),
  },
  { additionalProperties: false, examples: [{ percentage: 25, variant: 'on', bucketBy: 'userId' }] },
);
export type RolloutBody = Static<typeof RolloutBody>;

/** The version to bring back; the current one goes in `If-Match` (a body `version` is refused: it was ambiguous). */
export const RestoreBody = Type.Object(
  {
    restoreVersion: Type.Integer({
      minimum: 1,
      maximum: 2_147_483_647,
      description: 'the earlier version whose content is written again, as a new version',
    }),
  },
  { additionalProperties: false, examples: [{ restoreVersion: 3 }] },
);
export type RestoreBody = Static<typeof RestoreBody>;

/** What `status=` selects, in the query's `environment`. */
export const FLAG_STATUSES = ['on', 'off', 'rolling-out', 'archived'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

export const FlagListQuery = Type.Object(
  {
    archived: Type.Optional(Type.Boolean({ description: 'include archived flags' })),
    environment: Type.Optional(Key),
    stale: Type.Optional(Type.Boolean({ description: 'only stale flags (true) or only flags not stale (false); see `staleness`' })),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: FLAG_PAGE_LIMIT_MAX,
        description: 'page size; without it every matching flag is returned in one answer (kept for existing clients)',
      }),
    ),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: "the previous page's `nextCursor` (opaque; stable under inserts)" }),
    ),
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'words that each start a word of the key, name or description (case-insensitive)',
        examples: ['checkout'],
      }),
    ),
    tag: Type.Optional(Type.String({ pattern: KEY_PATTERN, maxLength: 64, description: 'only flags with this tag' })),
    status: Type.Optional(
      Type.Unsafe<FlagStatus>({
        type: 'string',
        enum: [...FLAG_STATUSES],
        description:
          'needs `environment`: `off` disabled there, `rolling-out` enabled with a fallthrough rollout, `on` enabled otherwise (all three unarchived); `archived` archived flags',
      }),
    ),
  },
  { additionalProperties: false },
);
export type FlagListQuery = Static<typeof FlagListQuery>;

export const ConfigVersionsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) },
  { additionalProperties: false },
);
export type ConfigVersionsQuery = Static<typeof ConfigVersionsQuery>;

export const FlagParams = Type.Object({ key: Key });
export const ConfigParams = Type.Object({ key: Key, env: Key });
