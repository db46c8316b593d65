/**
 * Explain on the embedded server: the answer is the delivered snapshot's evaluation with
 * its trace, checked against the declared schemas by the test helper on every request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../app.js';
import { testApp } from '../../test-support/app.js';
import { createFlag, createKey, http, patchConfig, type Http } from '../../test-support/http.js';

let app: App;
let api: Http;

const explainUrl = (flag: string, env = 'production') => `/api/admin/flags/${flag}/environments/${env}/explain`;

beforeAll(async () => {
  app = await testApp();
  api = http(app);
  const segment = await api.post('/api/admin/segments', {
    key: 'eu-pro',
    excluded: ['banned-user'],
    conditions: [
      { attribute: 'country', operator: 'in', values: ['DE', 'FR'] },
      { attribute: 'plan', operator: 'eq', values: ['pro'] },
    ],
  });
  expect(segment.statusCode).toBe(201);
  await createFlag(api, 'checkout-base');
  expect((await patchConfig(api, 'checkout-base', 'production', { enabled: true, fallthrough: { variant: 'on' } })).statusCode).toBe(200);
  await createFlag(api, 'new-checkout');
  const patched = await patchConfig(api, 'new-checkout', 'production', {
    enabled: true,
    prerequisites: [{ flag: 'checkout-base', variant: 'on' }],
    rules: [
      { id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } },
      { id: 'eu-pro', conditions: [{ operator: 'inSegment', values: ['eu-pro'] }], serve: { variant: 'on' } },
    ],
    fallthrough: {
      rollout: [
        { variant: 'on', weight: 50_000 },
        { variant: 'off', weight: 50_000 },
      ],
      bucketBy: 'accountId',
    },
  });
  expect(patched.statusCode, patched.body).toBe(200);
});

afterAll(async () => {
  await app?.close();
});

describe('POST /api/admin/flags/:key/environments/:env/explain', () => {
  it('answers the result with the prerequisite, every rule reached and each condition in order', async () => {
    const res = await api.post(explainUrl('new-checkout'), {
      context: { userId: 'u1', country: 'DE', plan: 'pro', email: 'x@example.com' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.environment).toBe('production');
    expect(body.revision).toBe(app.delivery.views.get('production')!.revision);
    const e = body.explanation;
    expect(e.result).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'eu-pro' });
    expect(e.prerequisites).toMatchObject([
      { flag: 'checkout-base', variant: 'on', met: true, explanation: { result: { reason: 'STATIC' } } },
    ]);
    expect(e.rules.map((r: { id: string; matched: boolean }) => [r.id, r.matched])).toEqual([
      ['staff', false],
      ['eu-pro', true],
    ]);
    expect(e.rules[0].conditions[0]).toEqual({
      attribute: 'email',
      operator: 'endsWith',
      values: ['@acme.com'],
      actual: 'x@example.com',
      outcome: 'noMatch',
    });
    expect(e.rules[1].conditions[0].segments).toEqual([
      {
        key: 'eu-pro',
        outcome: 'match',
        decidedBy: 'conditions',
        conditions: [
          { attribute: 'country', operator: 'in', values: ['DE', 'FR'], actual: 'DE', outcome: 'match' },
          { attribute: 'plan', operator: 'eq', values: ['pro'], actual: 'pro', outcome: 'match' },
        ],
      },
    ]);
    expect(e.serve).toEqual({ from: 'rule', ruleId: 'eu-pro' });
  });

  it('gives what the SDK snapshot evaluates to: the rollout bucket, and the off variant without the bucketing attribute', async () => {
    const bucketed = (
      await api.post(explainUrl('new-checkout'), { context: { userId: 'banned-user', country: 'DE', plan: 'pro', accountId: 'a-7' } })
    ).json();
    expect(bucketed.explanation.rules[1].conditions[0].segments[0]).toMatchObject({ outcome: 'noMatch', decidedBy: 'excluded' });
    expect(bucketed.explanation.serve).toMatchObject({ from: 'fallthrough', bucketBy: 'accountId', total: 100_000 });
    expect(bucketed.explanation.result.reason).toBe('SPLIT');
    const missing = (await api.post(explainUrl('new-checkout'), { context: { userId: 'u2' } })).json();
    expect(missing.explanation.serve).toEqual({ from: 'fallthrough', bucketBy: 'accountId' });
    expect(missing.explanation.result).toEqual({ value: false, variant: 'off', reason: 'DEFAULT' });
  });

  it('reports a disabled flag as served its off variant, with nothing else traced', async () => {
    const res = await api.post(explainUrl('new-checkout', 'staging'), { context: { userId: 'u1', email: 'a@acme.com' } });
    expect(res.json().explanation).toEqual({
      flag: 'new-checkout',
      result: { value: false, variant: 'off', reason: 'DISABLED' },
      found: true,
      enabled: false,
      prerequisites: [],
      rules: [],
      serve: { from: 'off' },
    });
  });

  it('follows a change at once: the answer is the snapshot after the write', async () => {
    expect((await patchConfig(api, 'checkout-base', 'production', { enabled: false })).statusCode).toBe(200);
    const e = (await api.post(explainUrl('new-checkout'), { context: { userId: 'u1', email: 'a@acme.com' } })).json().explanation;
    expect(e.result.reason).toBe('PREREQUISITE_FAILED');
    expect(e.prerequisites).toMatchObject([{ flag: 'checkout-base', met: false, explanation: { result: { reason: 'DISABLED' } } }]);
    expect((await patchConfig(api, 'checkout-base', 'production', { enabled: true })).statusCode).toBe(200);
  });

  it('reads the environment from the database while this instance has not loaded it', async () => {
    const view = app.delivery.views.get('staging')!;
    app.delivery.views.delete('staging');
    try {
      const res = await api.post(explainUrl('new-checkout', 'staging'), { context: { userId: 'u1' } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().revision).toBe(view.revision);
      expect(res.json().explanation.result).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
    } finally {
      app.delivery.views.set('staging', view);
    }
  });

  it('answers 404 for an unknown flag or environment', async () => {
    const flag = await api.post(explainUrl('no-such-flag'), { context: {} });
    expect(flag.statusCode).toBe(404);
    expect(flag.json().error.code).toBe('NOT_FOUND');
    const env = await api.post(explainUrl('new-checkout', 'nowhere'), { context: {} });
    expect(env.statusCode).toBe(404);
  });

  it('refuses a bad context with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'context'],
      [{ context: { userId: 42 } }, 'context.userId'],
      [{ context: { country: { nested: true } } }, 'context.country'],
      [{ context: {}, extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(explainUrl('new-checkout'), body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(res.json().error.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('needs an admin key', async () => {
    const server = await createKey(api, 'server', 'production');
    expect((await api.post(explainUrl('new-checkout'), { context: {} }, { key: null })).statusCode).toBe(401);
    expect((await api.post(explainUrl('new-checkout'), { context: {} }, { key: server.key })).statusCode).toBe(403);
  });
});

describe('POST /api/admin/environments/:env/explain', () => {
  it('explains every flag of the environment, by key', async () => {
    const res = await api.post('/api/admin/environments/production/explain', { context: { userId: 'u1', email: 'a@acme.com' } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.explanations.map((e: { flag: string }) => e.flag)).toEqual(['checkout-base', 'new-checkout']);
    expect(body.explanations[1].result).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'staff' });
    expect((await api.post('/api/admin/environments/nowhere/explain', { context: {} })).statusCode).toBe(404);
  });
});
