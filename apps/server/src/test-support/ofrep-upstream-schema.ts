/**
 * Test support: the request and response schemas of OFREP as the protocol states them, for
 * checking our answers against upstream rather than against our own contract. Transcribed to
 * JSON Schema from the `components/schemas` of `service/openapi.yaml` in open-feature/protocol
 * (commit 05d5b22c33bd51c6ec7820338598d5b734a3f04a; Apache-2.0, © the OpenFeature authors),
 * since this machine can't fetch the file itself. Names and fields are upstream's.
 *
 * Two deliberate deviations, both where the upstream schema can't be met by any server:
 * - the value branch of `evaluationSuccess` is `anyOf`, not `oneOf`: an integer value matches
 *   both `integerFlag` and `floatFlag`, so `oneOf` refuses every integer;
 * - `objectFlag` takes any JSON value: a JSON flag may serve an array or `null`, and OFREP
 *   carries no flag types (its ADR-0003), so providers take whatever JSON arrives.
 */
const key = { type: 'string' };
const errorDetails = { type: 'string' };
const context = { type: 'object' };

const evaluationSuccess = {
  allOf: [
    {
      properties: {
        key,
        reason: { type: 'string' },
        variant: { type: 'string' },
        metadata: { type: 'object', additionalProperties: { oneOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'number' }] } },
      },
    },
    {
      anyOf: [
        { properties: { value: { type: 'boolean' } }, required: ['value'] },
        { properties: { value: { type: 'string' } }, required: ['value'] },
        { properties: { value: { type: 'integer' } }, required: ['value'] },
        { properties: { value: { type: 'number' } }, required: ['value'] },
        { properties: { value: true }, required: ['value'] },
      ],
    },
  ],
};

const evaluationFailure = {
  properties: {
    key,
    errorCode: { type: 'string', enum: ['PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL'] },
    errorDetails,
  },
  required: ['key', 'errorCode'],
};

export const UPSTREAM_OFREP = {
  evaluationRequest: { properties: { context } },
  bulkEvaluationRequest: { properties: { context } },
  serverEvaluationSuccess: { allOf: [evaluationSuccess, { properties: { cacheable: { type: 'boolean' } } }] },
  evaluationFailure,
  flagNotFound: {
    properties: { key, errorCode: { type: 'string', enum: ['FLAG_NOT_FOUND'] }, errorDetails },
    required: ['key', 'errorCode'],
  },
  bulkEvaluationSuccess: {
    type: 'object',
    required: ['flags'],
    properties: { flags: { type: 'array', items: { oneOf: [evaluationSuccess, evaluationFailure] } } },
  },
  bulkEvaluationFailure: { properties: { errorCode: { type: 'string' }, errorDetails: { type: 'string' } }, required: ['errorCode'] },
  generalErrorResponse: { properties: { errorDetails } },
} as const;
