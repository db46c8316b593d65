/**
 * OFREP's schemas as upstream states them, transcribed from open-feature/protocol `service/openapi.yaml`
 * @ 05d5b22 (Apache-2.0, © the OpenFeature authors). Two stated deviations (value `anyOf`, `objectFlag`
 * any JSON) are explained in docs/decisions/ofrep.md.
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
