/**
 * OFREP, the OpenFeature Remote Evaluation Protocol (open-feature/protocol, `service/openapi.yaml`):
 * what `POST /ofrep/v1/evaluate/flags/{key}` and `POST /ofrep/v1/evaluate/flags` take and answer.
 * Field names and error codes are the protocol's; the schemas are ours. 401, 403 and 429 answer
 * with the API's usual error body (the protocol defines none for them).
 */
import { Type, type Static } from 'typebox';
import { ref } from './common.js';

/** A flag key as the caller sent it (unknown keys answer FLAG_NOT_FOUND, so no pattern here). */
const FlagKey = Type.String({ maxLength: 256, description: 'the flag key', examples: ['new-checkout'] });
const ErrorDetails = Type.String({ description: 'what went wrong, for logs', examples: ['flag "new-checkout" was not found'] });

/** Request body of both endpoints: an OpenFeature evaluation context; `targetingKey` becomes `userId`. */
export const OfrepEvaluationRequest = Type.Object(
  {
    context: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'OpenFeature evaluation context; `targetingKey` is the user id unless `userId` is set',
      }),
    ),
  },
  { examples: [{ context: { targetingKey: 'user-42', country: 'NL', plan: 'pro' } }] },
);
export type OfrepEvaluationRequest = Static<typeof OfrepEvaluationRequest>;

const SUCCESS_EXAMPLE = {
  key: 'new-checkout',
  value: true,
  reason: 'TARGETING_MATCH',
  variant: 'on',
  metadata: { ruleId: 'beta-testers' },
};

/** One evaluated flag. `reason` is core's (OpenFeature's, plus DEFAULT and PREREQUISITE_FAILED). */
export const OfrepEvaluationSuccess = Type.Object(
  {
    key: FlagKey,
    value: Type.Unknown({ description: "the served variant's value (boolean, string, number or JSON)" }),
    reason: Type.String({ examples: ['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'SPLIT', 'DISABLED', 'PREREQUISITE_FAILED'] }),
    variant: Type.Optional(Type.String({ examples: ['on'] })),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String(), Type.Number()]), {
        description: '`ruleId`: the rule that matched (TARGETING_MATCH and rule-level SPLIT)',
      }),
    ),
  },
  { $id: 'OfrepEvaluationSuccess', additionalProperties: false, examples: [SUCCESS_EXAMPLE] },
);
export type OfrepEvaluationSuccess = Static<typeof OfrepEvaluationSuccess>;

/** A request or a flag that could not be evaluated (400, or an entry of a bulk answer). */
export const OfrepEvaluationFailure = Type.Object(
  {
    key: FlagKey,
    errorCode: Type.Union([
      Type.Literal('PARSE_ERROR'),
      Type.Literal('TARGETING_KEY_MISSING'),
      Type.Literal('INVALID_CONTEXT'),
      Type.Literal('GENERAL'),
      Type.Literal('FLAG_NOT_FOUND'),
    ]),
    errorDetails: Type.Optional(ErrorDetails),
  },
  {
    $id: 'OfrepEvaluationFailure',
    additionalProperties: false,
    examples: [{ key: 'new-checkout', errorCode: 'INVALID_CONTEXT', errorDetails: 'context.targetingKey must be a string' }],
  },
);
export type OfrepEvaluationFailure = Static<typeof OfrepEvaluationFailure>;

/** 404 of the single-flag endpoint: no such flag for this key (a client key sees client-side flags only). */
export const OfrepFlagNotFound = Type.Object(
  { key: FlagKey, errorCode: Type.Literal('FLAG_NOT_FOUND'), errorDetails: Type.Optional(ErrorDetails) },
  {
    $id: 'OfrepFlagNotFound',
    additionalProperties: false,
    examples: [{ key: 'new-checkout', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'flag "new-checkout" was not found' }],
  },
);
export type OfrepFlagNotFound = Static<typeof OfrepFlagNotFound>;

/** Every flag the key may see, evaluated for one context, sorted by key. */
export const OfrepBulkEvaluationSuccess = Type.Object(
  {
    flags: Type.Array(Type.Union([ref(OfrepEvaluationSuccess), ref(OfrepEvaluationFailure)])),
  },
  { $id: 'OfrepBulkEvaluationSuccess', additionalProperties: false, examples: [{ flags: [SUCCESS_EXAMPLE] }] },
);
export type OfrepBulkEvaluationSuccess = Static<typeof OfrepBulkEvaluationSuccess>;

/** 400 of the bulk endpoint: the request itself was refused. */
export const OfrepBulkEvaluationFailure = Type.Object(
  {
    errorCode: Type.Union([Type.Literal('PARSE_ERROR'), Type.Literal('TARGETING_KEY_MISSING'), Type.Literal('INVALID_CONTEXT')]),
    errorDetails: Type.Optional(ErrorDetails),
  },
  {
    $id: 'OfrepBulkEvaluationFailure',
    additionalProperties: false,
    examples: [{ errorCode: 'PARSE_ERROR', errorDetails: 'the body is not valid JSON' }],
  },
);
export type OfrepBulkEvaluationFailure = Static<typeof OfrepBulkEvaluationFailure>;

export const OfrepFlagParams = Type.Object({ key: Type.String() });
export const OfrepBulkHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ maxLength: 256, examples: ['"129-3f9a0c1b2d4e5f60"'] })),
});
