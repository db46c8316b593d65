/**
 * Flags as code: one environment's flags (with that environment's config), and the shared
 * segments, as a document to keep in a repository, and the import that writes such a
 * document back in one transaction. Versions are the ones read at export: an import
 * refuses (412) when the server has moved on since, so nothing is overwritten blind.
 */
import { Type, type Static } from 'typebox';
import { Key, Version, ref } from './common.js';
import { Flag, FlagConfig } from './flags.js';
import { Segment } from './segments.js';

const f = Flag.properties;
const c = FlagConfig.properties;
const s = Segment.properties;

export const ExportedConfig = Type.Object(
  {
    version: Type.Optional(Version),
    enabled: c.enabled,
    offVariant: c.offVariant,
    fallthrough: c.fallthrough,
    rules: c.rules,
    prerequisites: c.prerequisites,
    salt: c.salt,
  },
  { additionalProperties: false },
);
export type ExportedConfig = Static<typeof ExportedConfig>;

export const ExportedFlag = Type.Object(
  {
    key: Key,
    version: Type.Optional(Version),
    name: f.name,
    description: f.description,
    type: f.type,
    variants: f.variants,
    clientSide: f.clientSide,
    privateAttributes: f.privateAttributes,
    tags: f.tags,
    owner: f.owner,
    temporary: f.temporary,
    config: ExportedConfig,
  },
  { additionalProperties: false },
);
export type ExportedFlag = Static<typeof ExportedFlag>;

export const ExportedSegment = Type.Object(
  {
    key: Key,
    version: Type.Optional(Version),
    name: s.name,
    description: s.description,
    included: s.included,
    excluded: s.excluded,
    conditions: s.conditions,
  },
  { additionalProperties: false },
);
export type ExportedSegment = Static<typeof ExportedSegment>;

const EXAMPLE = {
  environment: 'production',
  segments: [
    {
      key: 'beta-testers',
      version: 2,
      name: 'Beta testers',
      description: 'Customers who opted into early features',
      included: ['user-1842'],
      excluded: [],
      conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }],
    },
  ],
  flags: [
    {
      key: 'new-checkout',
      version: 1,
      name: 'New checkout',
      description: 'One-page checkout with saved cards',
      type: 'boolean',
      variants: { on: true, off: false },
      clientSide: false,
      privateAttributes: [],
      tags: ['checkout'],
      owner: 'team-payments',
      temporary: true,
      config: {
        version: 4,
        enabled: true,
        offVariant: 'off',
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 25_000 },
            { variant: 'off', weight: 75_000 },
          ],
          bucketBy: 'userId',
        },
        rules: [{ id: 'beta', conditions: [{ operator: 'inSegment', values: ['beta-testers'] }], serve: { variant: 'on' } }],
        prerequisites: [],
        salt: 'new-checkout',
      },
    },
  ],
};

/** `GET /api/admin/environments/:env/export`: sorted by key, archived flags left out, no timestamps (diff-friendly). */
export const EnvironmentExport = Type.Object(
  {
    environment: Key,
    segments: Type.Array(ExportedSegment),
    flags: Type.Array(ExportedFlag),
  },
  { $id: 'EnvironmentExport', additionalProperties: false, examples: [EXAMPLE] },
);
export type EnvironmentExport = Static<typeof EnvironmentExport>;

export const ImportBody = Type.Object(
  {
    environment: Type.Optional(Key),
    dryRun: Type.Optional(Type.Boolean({ description: 'validate and return the changes without writing anything' })),
    segments: Type.Array(ExportedSegment, { maxItems: 10_000 }),
    flags: Type.Array(ExportedFlag, { maxItems: 10_000 }),
  },
  {
    additionalProperties: false,
    description: 'An export (its `environment`, when given, must be the one imported into). Flags and segments not listed are left alone',
    examples: [{ ...EXAMPLE, dryRun: true }],
  },
);
export type ImportBody = Static<typeof ImportBody>;

export const ImportChange = Type.Object(
  {
    kind: Type.Union([Type.Literal('segment'), Type.Literal('flag'), Type.Literal('config')]),
    key: Key,
    action: Type.Union([Type.Literal('create'), Type.Literal('update')]),
    fields: Type.Array(Type.String(), { description: 'the fields that differ (every field for a create)' }),
    before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    after: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type ImportChange = Static<typeof ImportChange>;

export const ImportResult = Type.Object(
  {
    environment: Key,
    dryRun: Type.Boolean(),
    changes: Type.Array(ImportChange),
  },
  {
    $id: 'ImportResult',
    additionalProperties: false,
    description: 'What the import changed (or, with dryRun, would change), in the order it writes: segments, new flags, configs',
    examples: [
      {
        environment: 'production',
        dryRun: true,
        changes: [
          {
            kind: 'config',
            key: 'new-checkout',
            action: 'update',
            fields: ['enabled'],
            before: { version: 4, enabled: false },
            after: { version: 5, enabled: true },
          },
        ],
      },
    ],
  },
);
export type ImportResult = Static<typeof ImportResult>;

export const EnvironmentExportParams = Type.Object({ env: Key });
export const EnvironmentExportQuery = Type.Object(
  {
    versions: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'false leaves versions out, to compare what two servers serve rather than their histories',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PromoteBody = Type.Object(
  {
    from: Key,
    to: Key,
    fromVersion: Type.Optional(Version),
    toVersion: Type.Optional(Version),
    dryRun: Type.Optional(Type.Boolean({ description: 'return what would change without writing' })),
  },
  {
    additionalProperties: false,
    description: "Copies the flag's config (targeting, rollout, bucketBy, salt, kill switch) from one environment to another",
    examples: [{ from: 'staging', to: 'production', fromVersion: 7, toVersion: 4 }],
  },
);
export type PromoteBody = Static<typeof PromoteBody>;

export const PromoteResult = Type.Object(
  {
    flag: Key,
    from: Key,
    to: Key,
    dryRun: Type.Boolean(),
    fromVersion: Version,
    fields: Type.Array(Type.String(), { description: 'the config fields that differed (empty: nothing to promote, nothing written)' }),
    before: Type.Record(Type.String(), Type.Unknown()),
    after: Type.Record(Type.String(), Type.Unknown()),
    config: ref(FlagConfig),
  },
  {
    $id: 'PromoteResult',
    additionalProperties: false,
    description:
      "`config` is the target's config after the promotion (with dryRun, as it is now); `before`/`after` hold the fields that differed",
    examples: [
      {
        flag: 'new-checkout',
        from: 'staging',
        to: 'production',
        dryRun: false,
        fromVersion: 7,
        fields: ['enabled'],
        before: { version: 4, enabled: false },
        after: { version: 5, enabled: true },
        config: {
          flag: 'new-checkout',
          environment: 'production',
          version: 5,
          enabled: true,
          offVariant: 'off',
          fallthrough: { variant: 'on' },
          rules: [],
          prerequisites: [],
          salt: 'new-checkout',
          updatedAt: '2026-03-14T09:26:53.589Z',
        },
      },
    ],
  },
);
export type PromoteResult = Static<typeof PromoteResult>;
