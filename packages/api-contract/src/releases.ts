/**
 * Release plans: a flag's fallthrough rolled out to a variant in stages (1 → 5 → 25 → 100 %),
 * each stage an ordinary versioned config write, with guards that compare the treatment and
 * control arms of the running stage in distinct units and roll back, kill, pause or notify.
 */
import { Type, type Static } from 'typebox';
import { Attribute, Key, Timestamp, Version } from './common.js';
import { WallTime } from './scheduled-changes.js';

export const RELEASE_PLAN_STATUSES = ['scheduled', 'running', 'paused', 'completed', 'rolled_back', 'cancelled'] as const;
export const ReleasePlanStatus = Type.Unsafe<(typeof RELEASE_PLAN_STATUSES)[number]>({
  type: 'string',
  enum: [...RELEASE_PLAN_STATUSES],
  description:
    'scheduled (waits for startAt) → running → completed; paused (by an operator, a manual edit, the kill switch, a guard or a ' +
    'sample-ratio mismatch) → running again on resume; rolled_back (a guard rolled back or killed the flag); cancelled',
});
export type ReleasePlanStatus = Static<typeof ReleasePlanStatus>;

export const ReleaseStage = Type.Object(
  {
    percent: Type.Number({
      minimum: 0.001,
      maximum: 100,
      multipleOf: 0.001,
      description: 'share of units served the variant',
      examples: [5],
    }),
    minDurationSec: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_592_000, description: 'how long the stage runs before the next; the last may omit it' }),
    ),
  },
  { additionalProperties: false },
);
export type ReleaseStage = Static<typeof ReleaseStage>;

export const ReleaseGuard = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 200, description: '`$error` or any track() name', examples: ['$error'] }),
    metric: Type.Union([Type.Literal('rate'), Type.Literal('mean')], {
      description: 'rate: share of units with at least one event; mean: average per-unit value among units that reported one',
    }),
    worseWhen: Type.Union([Type.Literal('higher'), Type.Literal('lower')]),
    tolerance: Type.Optional(
      Type.Number({ minimum: 0, maximum: 10, description: 'relative change allowed before it is a regression (0.1 = 10%)', default: 0 }),
    ),
    minUnits: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 100_000_000, default: 1000, description: 'units per arm before a verdict' }),
    ),
    action: Type.Union([Type.Literal('rollback'), Type.Literal('kill'), Type.Literal('pause'), Type.Literal('notify')], {
      description: 'rollback: everyone on control; kill: the flag off; pause: hold the stage; notify: log and webhook only',
    }),
  },
  { additionalProperties: false },
);
export type ReleaseGuard = Static<typeof ReleaseGuard>;

export const PutReleasePlanBody = Type.Object(
  {
    variant: Type.String({ minLength: 1, maxLength: 128, description: 'the variant being released (treatment)', examples: ['on'] }),
    control: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "what everyone else gets; default the config's offVariant" }),
    ),
    bucketBy: Type.Optional(Attribute),
    stages: Type.Array(ReleaseStage, { minItems: 1, maxItems: 20, description: 'percentages must grow' }),
    guards: Type.Optional(Type.Array(ReleaseGuard, { maxItems: 10 })),
    startAt: Type.Optional(
      Type.Union([Timestamp('an RFC 3339 instant with its offset'), WallTime], {
        description: "start later; as a scheduled change's runAt",
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        variant: 'on',
        stages: [
          { percent: 1, minDurationSec: 600 },
          { percent: 5, minDurationSec: 1800 },
          { percent: 25, minDurationSec: 3600 },
          { percent: 100 },
        ],
        guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', tolerance: 0.1, minUnits: 1000, action: 'rollback' }],
      },
    ],
  },
);
export type PutReleasePlanBody = Static<typeof PutReleasePlanBody>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const ArmView = Type.Object(
  {
    variant: Type.String(),
    exposures: Type.Integer({ minimum: 0, description: 'distinct units served this arm in the running stage (sampled: see sampling)' }),
    events: Type.Record(
      Type.String(),
      Type.Object(
        {
          units: Type.Integer({ minimum: 0, description: 'units with at least one event' }),
          rate: Nullable(Type.Number(), 'units with the event / units'),
          mean: Nullable(Type.Number(), 'average per-unit value among units with the event'),
        },
        { additionalProperties: false },
      ),
      { description: 'per guard event' },
    ),
  },
  { additionalProperties: false },
);

export const ReleaseDecision = Type.Object(
  {
    at: Timestamp(),
    stage: Type.Integer({ minimum: -1 }),
    action: Type.String({ description: 'start, advance, complete, pause, resume, rollback, kill, notify, cancel', examples: ['advance'] }),
    reason: Type.String({ examples: ['stage 1 ran 600 s with no guard regression'] }),
    actor: Type.String({ examples: ['release plan 3f1c… (by alice)'] }),
    stats: Type.Union([Type.Unknown(), Type.Null()], { description: 'the guard statistics that decided it, when a guard did' }),
    configVersion: Nullable(Version, 'the config version the action wrote'),
  },
  { additionalProperties: false },
);

export const ReleasePlan = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    flag: Key,
    environment: Key,
    status: ReleasePlanStatus,
    variant: Type.String(),
    control: Type.String(),
    bucketBy: Type.String(),
    stages: Type.Array(ReleaseStage),
    guards: Type.Array(ReleaseGuard),
    stage: Type.Integer({ minimum: -1, description: 'index of the running stage; -1 before the start' }),
    stageStartedAt: Nullable(Timestamp(), 'when the running stage began'),
    nextStageAt: Nullable(Timestamp(), 'when the running stage may advance (its minDurationSec)'),
    startAt: Nullable(Timestamp(), 'when a scheduled plan starts, UTC'),
    pausedReason: Nullable(Type.String(), 'why it is paused'),
    configVersion: Nullable(Version, 'the config version the plan last wrote; another version means someone else edited the flag'),
    sampling: Type.Number({ description: 'share of units the arms keep (1: all); halves when a stage passes RELEASE_MAX_UNITS_PER_STAGE' }),
    arms: Type.Object({ treatment: ArmView, control: ArmView }, { additionalProperties: false }),
    guardStats: Type.Array(Type.Unknown(), { description: 'the last check of each guard: verdict, reason and statistics' }),
    decisions: Type.Array(ReleaseDecision, { description: 'newest last' }),
    createdBy: Type.String(),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  {
    $id: 'ReleasePlan',
    additionalProperties: false,
    examples: [
      {
        id: '61d6da41-0b81-461b-a00b-75a73f831b24',
        flag: 'new-checkout',
        environment: 'production',
        status: 'rolled_back',
        variant: 'on',
        control: 'off',
        bucketBy: 'userId',
        stages: [{ percent: 5, minDurationSec: 1800 }, { percent: 25, minDurationSec: 3600 }, { percent: 100 }],
        guards: [{ event: '$error', metric: 'rate', worseWhen: 'higher', tolerance: 0, minUnits: 1000, action: 'rollback' }],
        stage: 1,
        stageStartedAt: '2026-12-07T10:30:00.118Z',
        nextStageAt: null,
        startAt: null,
        pausedReason: null,
        configVersion: 7,
        sampling: 1,
        arms: {
          treatment: { variant: 'on', exposures: 4210, events: { $error: { units: 231, rate: 0.0549, mean: null } } },
          control: { variant: 'off', exposures: 12_630, events: { $error: { units: 139, rate: 0.011, mean: null } } },
        },
        guardStats: [],
        decisions: [
          {
            at: '2026-12-07T10:00:00.102Z',
            stage: 0,
            action: 'start',
            reason: 'started by alice (admin key)',
            actor: 'release plan 61d6da41-0b81-461b-a00b-75a73f831b24 (by alice (admin key))',
            stats: null,
            configVersion: 5,
          },
          {
            at: '2026-12-07T10:30:00.118Z',
            stage: 1,
            action: 'advance',
            reason: 'stage 1 ran its 1800 s and its guards passed',
            actor: 'release plan 61d6da41-0b81-461b-a00b-75a73f831b24 (by alice (admin key))',
            stats: null,
            configVersion: 6,
          },
          {
            at: '2026-12-07T10:41:12.530Z',
            stage: 1,
            action: 'rollback',
            reason:
              'guard $error (rate, worse when higher): "$error" rate is worse in treatment: +399.1% vs control, beyond the 99% always-valid bound',
            actor: 'release plan 61d6da41-0b81-461b-a00b-75a73f831b24 (by alice (admin key))',
            stats: { relativeChange: 3.991, relativeChangeCiLow: 2.9, relativeChangeCiHigh: 5.3 },
            configVersion: 7,
          },
        ],
        createdBy: 'alice (admin key)',
        createdAt: '2026-12-07T10:00:00.080Z',
        updatedAt: '2026-12-07T10:41:12.530Z',
      },
    ],
  },
);
export type ReleasePlan = Static<typeof ReleasePlan>;
export type ReleaseDecision = Static<typeof ReleaseDecision>;
