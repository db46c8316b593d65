import { describe, expect, it } from 'vitest';
import { fromOpenFeatureContext, toResolutionDetails } from './openfeature.js';

describe('OpenFeature mapping shared by the providers', () => {
  it('maps targetingKey to userId unless userId is set, and valid Dates to ISO strings', () => {
    expect(fromOpenFeatureContext({ targetingKey: 't', plan: 'pro', at: new Date(0) })).toEqual({ userId: 't', plan: 'pro', at: '1970-01-01T00:00:00.000Z' });
    expect(fromOpenFeatureContext({ targetingKey: 't', userId: 'u' })).toEqual({ userId: 'u' });
    expect(fromOpenFeatureContext({ targetingKey: 42 })).toEqual({});
    const invalid = new Date(Number.NaN);
    expect(fromOpenFeatureContext({ at: invalid }).at).toBe(invalid);
  });

  it('turns results into resolution details: variant, rule id as metadata, error code and message', () => {
    expect(toResolutionDetails('f', { value: true, variant: 'on', reason: 'STATIC' })).toEqual({ value: true, variant: 'on', reason: 'STATIC' });
    expect(toResolutionDetails('f', { value: 'b', variant: 'b', reason: 'TARGETING_MATCH', ruleId: 'r1' })).toEqual({
      value: 'b',
      variant: 'b',
      reason: 'TARGETING_MATCH',
      flagMetadata: { ruleId: 'r1' },
    });
    for (const [code, message] of [
      ['FLAG_NOT_FOUND', 'flag "f" not found'],
      ['TYPE_MISMATCH', 'flag "f" has a different type from the default value'],
      ['PARSE_ERROR', 'flag "f" is malformed'],
      ['GENERAL', 'flag "f" could not be evaluated'],
    ] as const) {
      expect(toResolutionDetails('f', { value: 0, reason: 'ERROR', errorCode: code })).toEqual({ value: 0, reason: 'ERROR', errorCode: code, errorMessage: message });
    }
  });
});
