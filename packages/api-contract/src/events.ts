/**
 * `POST /api/sdk/events` (exactly what the SDKs send: see @switchboard/core's
 * events-payload.ts) and the admin reads of what it stored. Every string, array, object
 * and number is bounded; unknown properties are refused. The server validates the
 * envelope; each entry is checked on its own, so one bad entry is refused without the
 * rest of its batch.
 */
import { Type, type Static } from 'typebox';
import { EVENT_BATCH_LIMITS, EVENT_CONTEXT_LIMITS, EVENT_LIMITS, UNIT_LIMITS } from '@switchboard/core';
import { Key, Timestamp as DateTime } from './common.js';

export const EVENT_INGEST_LIMITS = {
  /** Flag × variant summaries per batch (an SDK sends one per pair counted in its window). */
  maxEvaluations: EVENT_BATCH_LIMITS.evaluations,
  /** Tracked events per batch (the Node SDK's default `maxBatch` is 1 000). */
  maxEvents: EVENT_BATCH_LIMITS.events,
  /** Flags an event is attributed to (the Node SDK sends at most 50). */
  maxVariantsPerEvent: EVENT_BATCH_LIMITS.variantsPerEvent,
  // The SDKs leave out of an event's context whatever these refuse (core's eventContext).
  maxContextAttributes: EVENT_CONTEXT_LIMITS.attributes,
  maxContextString: EVENT_CONTEXT_LIMITS.string,
  maxContextArray: EVENT_CONTEXT_LIMITS.array,
  /** 2020-01-01 and 2100-01-01: anything outside is a unit or clock bug. */
  minTimestamp: Date.UTC(2020, 0, 1),
  maxTimestamp: Date.UTC(2100, 0, 1),
  /** How far ahead of this server's clock an SDK's clock may run. */
  maxClockSkewMs: 5 * 60_000,
  maxCount: EVENT_LIMITS.count,
  maxValue: EVENT_LIMITS.value,
  /** Refused entries listed in an answer (all are counted). */
  maxRejections: 20,
  /** Unit summaries per batch (one per variant of each rolling-out flag in the SDK's window). */
  maxUnitSummaries: UNIT_LIMITS.summaries,
  /** Units listed in one summary (distinct units past it are only counted, in `more`). */
  maxUnitsPerSummary: UNIT_LIMITS.perVariant,
} as const;

/** Printable text: no control characters (NUL can't be stored in Postgres text). */
const Text = (maxLength: number, minLength = 1) => Type.String({ minLength, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Timestamp = Type.Integer({
  minimum: EVENT_INGEST_LIMITS.minTimestamp,
  maximum: EVENT_INGEST_LIMITS.maxTimestamp,
  description: 'epoch milliseconds',
});
const Count = Type.Integer({ minimum: 0, maximum: EVENT_INGEST_LIMITS.maxCount });
/** A unit: murmur3 (x86 32-bit, seed 0) of the bucketing attribute's value as a string, in UTF-8, as 8 lowercase hex digits. */
const Unit = Type.String({ pattern: '^[0-9a-f]{8}$', examples: ['b972dad0'] });

const ContextScalar = Type.Union([
  Type.String({ maxLength: EVENT_INGEST_LIMITS.maxContextString }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);
const ContextValue = Type.Union([ContextScalar, Type.Array(ContextScalar, { maxItems: EVENT_INGEST_LIMITS.maxContextArray })]);

export const EvaluationSummary = Type.Object(
  {
    flag: Text(EVENT_LIMITS.flag),
    variant: Type.Union([Key, Type.Null()], { description: "the served variant; null when the caller's default was returned" }),
    count: Count,
    windowStart: Timestamp,
    windowEnd: Timestamp,
  },
  { additionalProperties: false },
);

export const TrackedEvent = Type.Object(
  {
    name: Text(EVENT_LIMITS.name),
    userId: Type.Optional(Type.String({ maxLength: EVENT_LIMITS.userId })),
    context: Type.Optional(
      Type.Record(Type.String(), ContextValue, {
        maxProperties: EVENT_INGEST_LIMITS.maxContextAttributes,
        propertyNames: { maxLength: EVENT_CONTEXT_LIMITS.name },
        description: 'attributes (strings, numbers, booleans, null, or arrays of those); validated, not stored',
      }),
    ),
    value: Type.Optional(Type.Number({ minimum: -EVENT_INGEST_LIMITS.maxValue, maximum: EVENT_INGEST_LIMITS.maxValue })),
    timestamp: Timestamp,
    variants: Type.Optional(Type.Record(Key, Key, { maxProperties: EVENT_INGEST_LIMITS.maxVariantsPerEvent, additionalProperties: false })),
    units: Type.Optional(
      Type.Record(Key, Unit, {
        maxProperties: EVENT_INGEST_LIMITS.maxVariantsPerEvent,
        additionalProperties: false,
        description: "per flag in `variants`, the context's unit for that flag's bucketing attribute (when it has one)",
      }),
    ),
  },
  { additionalProperties: false },
);

export const UnitSummary = Type.Object(
  {
    flag: Text(EVENT_LIMITS.flag),
    variant: Key,
    units: Type.Array(Unit, {
      maxItems: EVENT_INGEST_LIMITS.maxUnitsPerSummary,
      description: "distinct units the flag's fallthrough rollout served this variant in the window",
    }),
    more: Type.Optional(
      Type.Integer({ minimum: 0, maximum: EVENT_INGEST_LIMITS.maxCount, description: 'distinct units past the list, not listed' }),
    ),
    windowStart: Timestamp,
    windowEnd: Timestamp,
  },
  {
    additionalProperties: false,
    examples: [
      {
        flag: 'new-checkout',
        variant: 'on',
        units: ['b972dad0', '038ace61'],
        windowStart: 1_773_478_800_000,
        windowEnd: 1_773_478_810_000,
      },
    ],
  },
);

export const EventsBody = Type.Object(
  {
    sdk: Type.Object({ name: Text(100), version: Text(50) }, { additionalProperties: false }),
    evaluations: Type.Array(Type.Unknown({ description: 'an EvaluationSummary; checked one by one (see `rejected`)' }), {
      maxItems: EVENT_INGEST_LIMITS.maxEvaluations,
    }),
    events: Type.Array(Type.Unknown({ description: 'a TrackedEvent; checked one by one (see `rejected`)' }), {
      maxItems: EVENT_INGEST_LIMITS.maxEvents,
    }),
    dropped: Type.Optional(Type.Object({ events: Count, evaluations: Count }, { additionalProperties: false })),
    units: Type.Optional(
      Type.Array(Type.Unknown({ description: 'a UnitSummary; checked one by one (see `rejected`)' }), {
        maxItems: EVENT_INGEST_LIMITS.maxUnitSummaries,
      }),
    ),
  },
  { additionalProperties: false },
);
export type EventsBody = Static<typeof EventsBody>;
export type EvaluationSummary = Static<typeof EvaluationSummary>;
export type TrackedEvent = Static<typeof TrackedEvent>;
export type UnitSummary = Static<typeof UnitSummary>;

const Tally = (description: string) =>
  Type.Object(
    {
      evaluations: Type.Integer({ minimum: 0 }),
      events: Type.Integer({ minimum: 0 }),
      units: Type.Optional(Type.Integer({ minimum: 0, description: 'unit summaries; present when the batch had any' })),
    },
    { description, additionalProperties: false },
  );

export const EventsAccepted = Type.Object(
  {
    accepted: Tally('entries stored (unit summaries: passed on to the release plans)'),
    expired: Tally('older than the retention: not stored'),
    dropped: Tally(
      "valid, but not stored: a flag or variant the environment doesn't have or the key can't see, or an event name past the environment's limit; added to the environment's dropped count",
    ),
    invalid: Tally("refused entries (see `rejected`); added to the environment's dropped count"),
    rejected: Type.Array(
      Type.Object(
        {
          path: Type.String({ description: 'JSON pointer to what is wrong, e.g. `/evaluations/3/flag`' }),
          reason: Type.String({ examples: ['must be an integer'] }),
        },
        { additionalProperties: false },
      ),
      { maxItems: EVENT_INGEST_LIMITS.maxRejections, description: `the first ${EVENT_INGEST_LIMITS.maxRejections} refused entries` },
    ),
  },
  {
    $id: 'EventsAccepted',
    additionalProperties: false,
    examples: [
      {
        accepted: { evaluations: 12, events: 40 },
        expired: { evaluations: 0, events: 0 },
        dropped: { evaluations: 1, events: 0 },
        invalid: { evaluations: 0, events: 1 },
        rejected: [{ path: '/events/7/timestamp', reason: 'must be an integer' }],
      },
    ],
  },
);
export type EventsAccepted = Static<typeof EventsAccepted>;

export const MetricsQuery = Type.Object(
  {
    from: Type.Optional(DateTime('ISO-8601, inclusive; default `to` minus 24 hours; rounded down to `step`')),
    to: Type.Optional(DateTime('ISO-8601, exclusive; default now; rounded up to `step`')),
    step: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 44_640,
        description: 'minutes per point; default: the smallest of 1, 5, 15, 30, 60, 180, 360, 720, 1440 giving at most 500 points',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MetricsQuery = Static<typeof MetricsQuery>;

export const EventsQuery = Type.Object(
  {
    from: Type.Optional(DateTime('ISO-8601, inclusive; default `to` minus 24 hours; rounded down to the minute')),
    to: Type.Optional(DateTime('ISO-8601, exclusive; default now; rounded up to the minute')),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'most event names, the most frequent first' }),
    ),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;

const Dropped = Type.Object(
  { events: Type.Integer({ minimum: 0 }), evaluations: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false, description: 'entries SDKs reported dropping, or that this server refused, in the range (all flags)' },
);

/** Evaluations of a flag by variant over time: `times[i]` starts the point `counts[i]` of every series. */
export const EvaluationMetrics = Type.Object(
  {
    flag: Type.String({ examples: ['new-checkout'] }),
    environment: Key,
    from: DateTime(),
    to: DateTime(),
    step: Type.Integer({ minimum: 1, description: 'minutes per point' }),
    times: Type.Array(DateTime()),
    series: Type.Array(
      Type.Object(
        {
          variant: Type.Union([Type.String(), Type.Null()], { description: "null: the caller's default was returned" }),
          total: Type.Integer({ minimum: 0 }),
          counts: Type.Array(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    total: Type.Integer({ minimum: 0 }),
    dropped: Dropped,
  },
  {
    $id: 'EvaluationMetrics',
    additionalProperties: false,
    examples: [
      {
        flag: 'new-checkout',
        environment: 'production',
        from: '2026-03-14T09:00:00.000Z',
        to: '2026-03-14T09:02:00.000Z',
        step: 1,
        times: ['2026-03-14T09:00:00.000Z', '2026-03-14T09:01:00.000Z'],
        series: [
          { variant: 'off', total: 310, counts: [150, 160] },
          { variant: 'on', total: 104, counts: [49, 55] },
        ],
        total: 414,
        dropped: { events: 0, evaluations: 0 },
      },
    ],
  },
);
export type EvaluationMetrics = Static<typeof EvaluationMetrics>;

const statsProperties = {
  count: Type.Integer({ minimum: 0 }),
  valueCount: Type.Integer({ minimum: 0, description: 'events that carried a value; `sum`, `mean` and `stddev` are over these' }),
  sum: Type.Number(),
  mean: Type.Union([Type.Number(), Type.Null()]),
  stddev: Type.Union([Type.Number(), Type.Null()], { description: 'sample standard deviation; null below two values' }),
};
export const EventStats = Type.Object(statsProperties, { additionalProperties: false });
export type EventStats = Static<typeof EventStats>;

/** Tracked events by name, and by the variant of this flag their users had. */
export const EventMetrics = Type.Object(
  {
    flag: Type.String({ examples: ['new-checkout'] }),
    environment: Key,
    from: DateTime(),
    to: DateTime(),
    events: Type.Array(
      Type.Object(
        {
          name: Type.String({ examples: ['checkout-completed'] }),
          total: EventStats,
          variants: Type.Array(Type.Object({ variant: Type.String(), ...statsProperties }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    more: Type.Boolean({ description: 'more event names than `limit`' }),
  },
  {
    $id: 'EventMetrics',
    additionalProperties: false,
    examples: [
      {
        flag: 'new-checkout',
        environment: 'production',
        from: '2026-03-13T09:27:00.000Z',
        to: '2026-03-14T09:27:00.000Z',
        events: [
          {
            name: 'checkout-completed',
            total: { count: 120, valueCount: 120, sum: 10_440, mean: 87, stddev: 21.5 },
            variants: [
              { variant: 'off', count: 80, valueCount: 80, sum: 6_640, mean: 83, stddev: 20.1 },
              { variant: 'on', count: 40, valueCount: 40, sum: 3_800, mean: 95, stddev: 22.9 },
            ],
          },
        ],
        more: false,
      },
    ],
  },
);
export type EventMetrics = Static<typeof EventMetrics>;
