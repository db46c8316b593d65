/** Stale flags: what SDKs reported a flag serving, per environment, and whether it can be removed from code. */
import { Type, type Static } from 'typebox';
import { Timestamp } from './common.js';

export const STALE_STATUSES = ['new', 'active', 'launched', 'inactive'] as const;
export type StaleStatus = (typeof STALE_STATUSES)[number];

/** The most days a flag's own threshold may be. */
export const STALE_AFTER_DAYS_MAX = 3650;

const StaleAfterDays = Type.Number({
  exclusiveMinimum: 0,
  maximum: STALE_AFTER_DAYS_MAX,
  description: 'days of one variant served everywhere (or of no evaluations) before a temporary flag is stale; fractions allowed',
  examples: [30],
});

export const FlagStaleness = Type.Object(
  {
    stale: Type.Boolean({ description: 'temporary, not archived, and `launched` or `inactive`; permanent flags are never stale' }),
    status: Type.Unsafe<StaleStatus>({
      type: 'string',
      enum: [...STALE_STATUSES],
      description:
        '`new`: under `staleAfterDays` of history; `active`: several variants served recently; `launched`: one variant everywhere for `staleAfterDays`; `inactive`: not evaluated anywhere for `staleAfterDays`',
    }),
    staleAfterDays: StaleAfterDays,
    staleAfterDaysOverride: Type.Union([StaleAfterDays, Type.Null()], { description: "the flag's own threshold; null uses the server's" }),
    staleSince: Type.Union([Timestamp(), Type.Null()], { description: 'when the stale check saw it become stale (and sent `flag.stale`)' }),
    lastEvaluatedAt: Type.Union([Timestamp(), Type.Null()], { description: 'the last minute any SDK reported evaluating it' }),
    environments: Type.Record(
      Type.String(),
      Type.Object(
        {
          lastEvaluatedAt: Timestamp(),
          variantsServed: Type.Array(Type.String(), { description: 'variants served there in the last `staleAfterDays`' }),
        },
        { additionalProperties: false },
      ),
      { description: 'environments where SDKs reported evaluating it, by key' },
    ),
  },
  {
    $id: 'FlagStaleness',
    additionalProperties: false,
    examples: [
      {
        stale: true,
        status: 'launched',
        staleAfterDays: 14,
        staleAfterDaysOverride: null,
        staleSince: '2026-03-30T08:00:12.410Z',
        lastEvaluatedAt: '2026-04-02T16:41:00.000Z',
        environments: {
          production: { lastEvaluatedAt: '2026-04-02T16:41:00.000Z', variantsServed: ['on'] },
          staging: { lastEvaluatedAt: '2026-04-02T16:39:00.000Z', variantsServed: ['on'] },
        },
      },
    ],
  },
);
export type FlagStaleness = Static<typeof FlagStaleness>;

export const StaleAfterBody = Type.Object(
  {
    staleAfterDays: Type.Union([StaleAfterDays, Type.Null()], { description: "this flag's threshold; null returns to the server's" }),
  },
  { additionalProperties: false, examples: [{ staleAfterDays: 30 }] },
);
export type StaleAfterBody = Static<typeof StaleAfterBody>;
