/** What SDKs read: the environment's snapshot (or its client projection), as JSON or as a stream. */
import { Type, type Static } from 'typebox';
import type { Flag as FlagDocument, Segment as SegmentDocument } from '@switchboard/core';
import { Key } from './common.js';

/** Flag and segment documents are @switchboard/core's; its validator, not this schema, checks them. */
export const Snapshot = Type.Object(
  {
    schemaVersion: Type.Integer({ minimum: 1 }),
    environment: Key,
    revision: Type.Integer({ minimum: 0, description: 'the ETag; bumps on every committed change' }),
    flags: Type.Record(
      Type.String(),
      Type.Unsafe<FlagDocument>({ type: 'object', description: 'a flag document (@switchboard/core `Flag`)' }),
    ),
    segments: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Unsafe<SegmentDocument>({ type: 'object', description: 'a segment document (@switchboard/core `Segment`)' }),
      ),
    ),
  },
  {
    $id: 'Snapshot',
    additionalProperties: false,
    description: 'Everything a server key may evaluate, or, for a client key, the client-side flags and the segments they use',
    examples: [
      {
        schemaVersion: 1,
        environment: 'production',
        revision: 129,
        flags: {
          'new-checkout': {
            key: 'new-checkout',
            version: 5,
            type: 'boolean',
            enabled: false,
            variants: { on: true, off: false },
            offVariant: 'off',
            rules: [],
            fallthrough: { variant: 'on' },
            salt: 'new-checkout',
          },
        },
      },
    ],
  },
);
export type Snapshot = Static<typeof Snapshot>;

export const SnapshotHeaders = Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 256, examples: ['"129"'] })) });

/** OpenAPI's description of the stream's answer: events, not a JSON body. */
export const EventStream = {
  description: '`put` (the whole snapshot as JSON) on connect, `patch` per flag change, `: ping` heartbeats',
  content: {
    'text/event-stream': {
      schema: {
        type: 'string',
        examples: ['retry: 1000\n\nevent: put\ndata: {"schemaVersion":1,"environment":"production","revision":129,"flags":{}}\n\n'],
      },
    },
  },
} as const;

/** `POST /api/sdk/evaluate`: the flags a browser may not evaluate itself, for its context. */
export const SdkEvaluationRequest = Type.Object(
  {
    context: Type.Record(Type.String(), Type.Unknown(), { description: "the page's evaluation context, as the SDK holds it" }),
    flags: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      maxItems: 1000,
      uniqueItems: true,
      description: 'keys of the flags to evaluate (the stubs, `"remote": true`, of the client projection)',
    }),
  },
  {
    additionalProperties: false,
    examples: [{ context: { userId: 'user-42', email: 'ann@example.com' }, flags: ['staff-preview'] }],
  },
);
export type SdkEvaluationRequest = Static<typeof SdkEvaluationRequest>;

/**
 * Each asked-for flag the key may see, as a document that serves the server's result (value,
 * variant, reason, rule id) to that context; absent when unknown or when evaluation failed.
 */
export const SdkEvaluation = Type.Object(
  {
    revision: Type.Integer({ minimum: 0, description: 'the snapshot revision evaluated' }),
    flags: Type.Record(
      Type.String(),
      Type.Unsafe<FlagDocument>({
        type: 'object',
        additionalProperties: true,
        description: 'a flag document (@switchboard/core `Flag`) with `"remote": true`',
      }),
    ),
  },
  {
    $id: 'SdkEvaluation',
    additionalProperties: false,
    examples: [
      {
        revision: 129,
        flags: {
          'staff-preview': {
            key: 'staff-preview',
            version: 3,
            type: 'boolean',
            remote: true,
            variants: { on: true },
            enabled: true,
            offVariant: 'on',
            fallthrough: { variant: 'on' },
            rules: [{ id: 'staff', conditions: [], serve: { variant: 'on' } }],
          },
        },
      },
    ],
  },
);
export type SdkEvaluation = Static<typeof SdkEvaluation>;
