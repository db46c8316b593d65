/**
 * Scheduled changes: a config edit (any `PATCH …/environments/:env` body) applied once at
 * `runAt`, given as an RFC 3339 instant or as a wall time in an IANA time zone.
 */
import { Type, type Static } from 'typebox';
import { Key, Timestamp, Version, ref } from './common.js';
import { PatchConfigBody } from './flags.js';

export const SCHEDULED_CHANGE_STATUSES = ['pending', 'applied', 'conflicted', 'expired', 'cancelled', 'failed'] as const;
export const ScheduledChangeStatus = Type.Unsafe<(typeof SCHEDULED_CHANGE_STATUSES)[number]>({
  type: 'string',
  enum: [...SCHEDULED_CHANGE_STATUSES],
  description:
    'pending → applied; conflicted: the config moved past baseVersion (nothing written); expired: no server ran within ' +
    'maxLatenessSec of runAt; cancelled; failed: the change could not be written (see error)',
});
export type ScheduledChangeStatus = Static<typeof ScheduledChangeStatus>;

export const WallTime = Type.Object(
  {
    local: Type.String({ maxLength: 19, description: 'wall time without offset: YYYY-MM-DDTHH:mm[:ss]', examples: ['2026-12-08T03:00'] }),
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone', examples: ['Europe/Berlin'] }),
    offset: Type.Optional(
      Type.String({
        maxLength: 6,
        description: 'the UTC offset that picks one of the two instants of a time the clocks repeat (DST fall-back)',
        examples: ['+01:00'],
      }),
    ),
  },
  { additionalProperties: false },
);
export type WallTime = Static<typeof WallTime>;

export const ScheduledChangeParams = Type.Object({ key: Key, env: Key, id: Type.String({ format: 'uuid' }) });

export const ScheduledChangeQuery = Type.Object(
  {
    status: Type.Optional(ScheduledChangeStatus),
    flag: Type.Optional(Key),
    environment: Type.Optional(Key),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);
export type ScheduledChangeQuery = Static<typeof ScheduledChangeQuery>;

const { version: _version, ...patchProperties } = PatchConfigBody.properties;

/** `PATCH …/environments/:env`'s body without `version`: the version to edit is `baseVersion`. */
export const ScheduledConfigChange = Type.Object(patchProperties, {
  additionalProperties: false,
  minProperties: 1,
  examples: [{ enabled: true }],
});

export const CreateScheduledChangeBody = Type.Object(
  {
    runAt: Type.Union([Timestamp('an RFC 3339 instant with its offset'), WallTime], {
      description: 'when to apply: "2026-12-08T02:00:00Z", or { "local", "timeZone", "offset"? }',
    }),
    change: ScheduledConfigChange,
    baseVersion: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: 'the config version the change was made against; if the config moved on, the change conflicts',
      }),
    ),
    maxLatenessSec: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 604_800,
        default: 3600,
        description: 'how late (servers down at runAt) it may still apply; past that it expires',
      }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  {
    additionalProperties: false,
    examples: [
      { runAt: { local: '2026-12-08T03:00', timeZone: 'Europe/Berlin' }, change: { enabled: true }, baseVersion: 4, comment: 'quiet hour' },
      { runAt: '2026-12-08T02:00:00Z', change: { enabled: false } },
    ],
  },
);
export type CreateScheduledChangeBody = Static<typeof CreateScheduledChangeBody>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

export const ScheduledChange = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    flag: Key,
    environment: Key,
    status: ScheduledChangeStatus,
    runAt: Timestamp('when it applies, in UTC'),
    runAtLocal: Nullable(WallTime, 'the wall time and zone as given (offset: the one in force then); null when runAt was an instant'),
    change: Type.Record(Type.String(), Type.Unknown(), { description: 'the PATCH body it applies' }),
    baseVersion: Nullable(Version, 'the config version it was made against; null: applies on top of any'),
    maxLatenessSec: Type.Integer({ minimum: 1 }),
    comment: Nullable(Type.String(), 'why'),
    createdBy: Type.String({ examples: ['alice (admin key)'] }),
    createdAt: Timestamp(),
    resolvedAt: Nullable(Timestamp(), 'when it left pending'),
    appliedVersion: Nullable(Version, 'the config version it wrote'),
    error: Nullable(Type.String(), 'why it conflicted, expired or failed'),
  },
  {
    $id: 'ScheduledChange',
    additionalProperties: false,
    examples: [
      {
        id: '7d7a1c0e-3b7e-4a52-9c1e-2f0d4b8a6e11',
        flag: 'new-checkout',
        environment: 'production',
        status: 'applied',
        runAt: '2026-12-08T02:00:00.000Z',
        runAtLocal: { local: '2026-12-08T03:00', timeZone: 'Europe/Berlin', offset: '+01:00' },
        change: { enabled: true },
        baseVersion: 4,
        maxLatenessSec: 3600,
        comment: 'turn the fixed build on at a quiet hour',
        createdBy: 'alice (admin key)',
        createdAt: '2026-12-07T16:12:03.120Z',
        resolvedAt: '2026-12-08T02:00:00.004Z',
        appliedVersion: 5,
        error: null,
      },
    ],
  },
);
export type ScheduledChange = Static<typeof ScheduledChange>;

export const ScheduledChangeList = Type.Object(
  { scheduledChanges: Type.Array(ref(ScheduledChange), { description: 'by runAt, earliest first' }) },
  { $id: 'ScheduledChangeList', additionalProperties: false },
);
export type ScheduledChangeList = Static<typeof ScheduledChangeList>;
