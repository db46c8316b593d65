/**
 * HTTP shapes of `POST /api/sdk/events` (exactly what the SDKs send: see
 * packages/core/src/events-payload.ts) and of the admin reads of what it stored.
 * Every string, array, object and number is bounded; unknown properties are refused.
 * The route validates the envelope; each entry is checked on its own (entries.ts), so one
 * bad entry is refused without the rest of its batch.
 */
import { Type, type Static } from '@fastify/type-provider-typebox';
import { EVENT_BATCH_LIMITS, EVENT_CONTEXT_LIMITS, EVENT_LIMITS } from '@switchboard/core';
import { Key } from '../flags/schemas.js';

export const LIMITS = {
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
} as const;

/** Printable text: no control characters (NUL can't be stored in Postgres text). */
const Text = (maxLength: number, minLength = 1) => Type.String({ minLength, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Timestamp = Type.Integer({ minimum: LIMITS.minTimestamp, maximum: LIMITS.maxTimestamp, description: 'epoch milliseconds' });
const Count = Type.Integer({ minimum: 0, maximum: LIMITS.maxCount });

const ContextScalar = Type.Union([Type.String({ maxLength: LIMITS.maxContextString }), Type.Number(), Type.Boolean(), Type.Null()]);
const ContextValue = Type.Union([ContextScalar, Type.Array(ContextScalar, { maxItems: LIMITS.maxContextArray })]);

export const EvaluationSummary = Type.Object(
  {
    flag: Text(EVENT_LIMITS.flag),
    variant: Type.Union([Key, Type.Null()], { description: 'the served variant; null when the caller\'s default was returned' }),
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
        maxProperties: LIMITS.maxContextAttributes,
        propertyNames: { maxLength: EVENT_CONTEXT_LIMITS.name },
        description: 'attributes (strings, numbers, booleans, null, or arrays of those); validated, not stored',
      }),
    ),
    value: Type.Optional(Type.Number({ minimum: -LIMITS.maxValue, maximum: LIMITS.maxValue })),
    timestamp: Timestamp,
    variants: Type.Optional(Type.Record(Key, Key, { maxProperties: LIMITS.maxVariantsPerEvent, additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const EventsBody = Type.Object(
  {
    sdk: Type.Object({ name: Text(100), version: Text(50) }, { additionalProperties: false }),
    evaluations: Type.Array(Type.Unknown({ description: 'an EvaluationSummary; checked one by one (see `rejected`)' }), { maxItems: LIMITS.maxEvaluations }),
    events: Type.Array(Type.Unknown({ description: 'a TrackedEvent; checked one by one (see `rejected`)' }), { maxItems: LIMITS.maxEvents }),
    dropped: Type.Optional(Type.Object({ events: Count, evaluations: Count }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type EventsBody = Static<typeof EventsBody>;
export type EvaluationSummary = Static<typeof EvaluationSummary>;
export type TrackedEvent = Static<typeof TrackedEvent>;

const Tally = (description: string) => Type.Object({ evaluations: Type.Integer(), events: Type.Integer() }, { description });

export const EventsAccepted = Type.Object({
  accepted: Tally('entries stored'),
  expired: Tally('older than the retention: not stored'),
  dropped: Tally('valid, but not stored: a flag or variant the environment doesn\'t have or the key can\'t see, or an event name past the environment\'s limit; added to the environment\'s dropped count'),
  invalid: Tally('refused entries (see `rejected`); added to the environment\'s dropped count'),
  rejected: Type.Array(
    Type.Object({
      path: Type.String({ description: 'JSON pointer to what is wrong, e.g. `/evaluations/3/flag`' }),
      reason: Type.String(),
    }),
    { maxItems: LIMITS.maxRejections, description: `the first ${LIMITS.maxRejections} refused entries` },
  ),
});
export type EventsAccepted = Static<typeof EventsAccepted>;

const DateTime = (description: string) => Type.String({ format: 'date-time', description });

export const MetricsQuery = Type.Object(
  {
    from: Type.Optional(DateTime('ISO-8601, inclusive; default `to` minus 24 hours; rounded down to `step`')),
    to: Type.Optional(DateTime('ISO-8601, exclusive; default now; rounded up to `step`')),
    step: Type.Optional(Type.Integer({ minimum: 1, maximum: 44_640, description: 'minutes per point; default: the smallest of 1, 5, 15, 30, 60, 180, 360, 720, 1440 giving at most 500 points' })),
  },
  { additionalProperties: false },
);
export type MetricsQuery = Static<typeof MetricsQuery>;

export const EventsQuery = Type.Object(
  {
    from: Type.Optional(DateTime('ISO-8601, inclusive; default `to` minus 24 hours; rounded down to the minute')),
    to: Type.Optional(DateTime('ISO-8601, exclusive; default now; rounded up to the minute')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'most event names, the most frequent first' })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;
