/** Liveness and readiness (no key needed). */
import { Type, type Static } from 'typebox';

export const Liveness = Type.Object({ status: Type.Literal('ok') }, { $id: 'Liveness', additionalProperties: false });
export type Liveness = Static<typeof Liveness>;

export const Readiness = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
    failing: Type.Array(Type.String(), { description: 'the dependencies keeping this instance from serving' }),
    checks: Type.Object(
      {
        database: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('not ready')]),
        snapshots: Type.Union([Type.Literal('loaded'), Type.Literal('missing')]),
        redis: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('disabled')]),
        shutdown: Type.Union([Type.Literal('no'), Type.Literal('in progress')]),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'Readiness',
    additionalProperties: false,
    description: '200 when this instance can serve and write; 503 naming what fails',
    examples: [{ status: 'ready', failing: [], checks: { database: 'up', snapshots: 'loaded', redis: 'up', shutdown: 'no' } }],
  },
);
export type Readiness = Static<typeof Readiness>;
