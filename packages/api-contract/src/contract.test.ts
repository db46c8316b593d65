import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as contract from './index.js';

const addFormats = ((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (ajv: Ajv) => Ajv;

function ajvWithNamedSchemas(): Ajv {
  const ajv = addFormats(new Ajv({ strict: false, allowUnionTypes: true }));
  for (const schema of contract.NAMED_SCHEMAS) ajv.addSchema(schema);
  return ajv;
}

describe('the contract', () => {
  it('names every schema once', () => {
    const ids = contract.NAMED_SCHEMAS.map((s) => s.$id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'Flag',
        'FlagConfig',
        'FlagSummary',
        'ConfigVersion',
        'Segment',
        'Environment',
        'ApiKey',
        'ApiKeyCreated',
        'AuditEvent',
        'AuditPage',
        'Error',
      ]),
    );
  });

  it('lists every exported schema with a $id among the named ones', () => {
    const named = new Set<unknown>(contract.NAMED_SCHEMAS);
    const withId = Object.entries(contract).filter(
      ([, v]) => typeof v === 'object' && v !== null && typeof (v as { $id?: unknown }).$id === 'string',
    );
    expect(withId.filter(([, v]) => !named.has(v)).map(([k]) => k)).toEqual([]);
  });

  it('gives every response schema examples that it accepts', () => {
    const ajv = ajvWithNamedSchemas();
    for (const schema of contract.NAMED_SCHEMAS) {
      const validate = ajv.getSchema(schema.$id)!;
      for (const example of (schema as { examples?: unknown[] }).examples ?? []) {
        expect(validate(example), `${schema.$id}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
  });

  it('accepts the request examples it shows', () => {
    const ajv = ajvWithNamedSchemas();
    const requests = {
      CreateFlagBody: contract.CreateFlagBody,
      UpdateFlagBody: contract.UpdateFlagBody,
      PutConfigBody: contract.PutConfigBody,
      PatchConfigBody: contract.PatchConfigBody,
      RolloutBody: contract.RolloutBody,
      RestoreBody: contract.RestoreBody,
      CreateSegmentBody: contract.CreateSegmentBody,
      UpdateSegmentBody: contract.UpdateSegmentBody,
      CreateEnvironmentBody: contract.CreateEnvironmentBody,
      UpdateEnvironmentBody: contract.UpdateEnvironmentBody,
      CreateApiKeyBody: contract.CreateApiKeyBody,
      CreateScheduledChangeBody: contract.CreateScheduledChangeBody,
      CreateWebhookBody: contract.CreateWebhookBody,
      UpdateWebhookBody: contract.UpdateWebhookBody,
      PutReleasePlanBody: contract.PutReleasePlanBody,
      ImportBody: contract.ImportBody,
      PromoteBody: contract.PromoteBody,
      OfrepEvaluationRequest: contract.OfrepEvaluationRequest,
    };
    for (const [name, schema] of Object.entries(requests)) {
      const examples = (schema as { examples?: unknown[] }).examples ?? [];
      expect(examples.length, name).toBeGreaterThan(0);
      const validate = ajv.compile(schema);
      for (const example of examples) expect(validate(example), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  it('refuses properties a response does not declare, so drift is caught', () => {
    const ajv = ajvWithNamedSchemas();
    const flag = (contract.Flag as unknown as { examples: Record<string, unknown>[] }).examples[0]!;
    expect(ajv.getSchema('Flag')!({ ...flag, rolloutPlan: 'soon' })).toBe(false);
    expect(
      ajv.getSchema('Error')!({ error: { code: 'NOT_FOUND', message: 'Flag "x" does not exist', requestId: 'r', stack: 'at …' } }),
    ).toBe(false);
  });
});
