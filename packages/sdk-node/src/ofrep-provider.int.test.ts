/**
 * OpenFeature's own, unmodified OFREP provider (`@openfeature/ofrep-provider` with
 * `@openfeature/server-sdk`) against the real server's `/ofrep/v1` endpoints, beside this SDK
 * against the same server: for the same flags and contexts, the values, variants, reasons and
 * rule ids must be the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenFeature, type Client, type EvaluationContext as OpenFeatureContext } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { createClient, type EvaluationContext, type FlagValue, type SwitchboardClient } from './index.js';
import { startInProcessServer, type InProcessServer } from './test-support/real-server.js';

let server: InProcessServer;
let sdk: SwitchboardClient;
let bearerClient: Client;
let apiKeyClient: Client;

const FLAGS: { key: string; body: Record<string, unknown>; config: Record<string, unknown>; fallback: FlagValue }[] = [
  { key: 'static-on', body: {}, config: { enabled: true, fallthrough: { variant: 'on' } }, fallback: false },
  {
    key: 'staff-only',
    body: {},
    config: {
      enabled: true,
      rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'endsWith', values: ['@acme.com'] }], serve: { variant: 'on' } }],
      fallthrough: { variant: 'off' },
    },
    fallback: false,
  },
  {
    key: 'half',
    body: {},
    config: {
      enabled: true,
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 50_000 },
          { variant: 'off', weight: 50_000 },
        ],
      },
    },
    fallback: false,
  },
  { key: 'killed', body: {}, config: { enabled: false }, fallback: true },
  {
    key: 'needs-killed',
    body: {},
    config: { enabled: true, prerequisites: [{ flag: 'killed', variant: 'on' }], fallthrough: { variant: 'on' } },
    fallback: true,
  },
  {
    key: 'theme',
    body: { type: 'string', variants: { light: 'light', dark: 'dark' } },
    config: {
      enabled: true,
      offVariant: 'light',
      rules: [{ id: 'nl', conditions: [{ attribute: 'country', operator: 'in', values: ['NL'] }], serve: { variant: 'dark' } }],
      fallthrough: { variant: 'light' },
    },
    fallback: 'none',
  },
  {
    key: 'limit',
    body: { type: 'number', variants: { low: 10, high: 1000 } },
    config: { enabled: true, offVariant: 'low', fallthrough: { variant: 'high' } },
    fallback: -1,
  },
  {
    key: 'layout',
    body: { type: 'json', variants: { grid: { columns: 3 }, list: { columns: 1 } } },
    config: { enabled: true, offVariant: 'list', fallthrough: { variant: 'grid' } },
    fallback: {},
  },
];

const CONTEXTS: OpenFeatureContext[] = [
  {},
  { targetingKey: 'user-1' },
  { targetingKey: 'user-2', email: 'ann@acme.com', country: 'NL' },
  { targetingKey: 'user-3', email: 'bob@example.com', country: 'DE' },
  // A context that sets userId itself: it wins over targetingKey, in both.
  { targetingKey: 'user-4', userId: 'user-5', country: 'NL' },
  ...Array.from({ length: 20 }, (_, i) => ({ targetingKey: `rollout-${i}` })),
];

beforeAll(async () => {
  server = await startInProcessServer({ ofrepRateLimitPerMinute: 0 });
  for (const flag of FLAGS) {
    await server.admin.createFlag(flag.key, flag.body);
    await server.admin.patchConfig(flag.key, 'production', flag.config);
  }
  const key = await server.admin.serverKey('production');
  sdk = createClient({ url: server.url, key, events: false });
  await sdk.ready(10_000);
  await OpenFeature.setProviderAndWait('bearer', new OFREPProvider({ baseUrl: server.url, headers: { Authorization: `Bearer ${key}` } }));
  await OpenFeature.setProviderAndWait('api-key', new OFREPProvider({ baseUrl: server.url, headers: { 'X-API-Key': key } }));
  bearerClient = OpenFeature.getClient('bearer');
  apiKeyClient = OpenFeature.getClient('api-key');
});

afterAll(async () => {
  await OpenFeature.close();
  await sdk?.close();
  await server?.close();
});

/** What the OpenFeature provider answered, in the Node SDK's terms. */
async function viaOfrep(client: Client, key: string, fallback: FlagValue, context: OpenFeatureContext) {
  const details =
    typeof fallback === 'boolean'
      ? await client.getBooleanDetails(key, fallback, context)
      : typeof fallback === 'string'
        ? await client.getStringDetails(key, fallback, context)
        : typeof fallback === 'number'
          ? await client.getNumberDetails(key, fallback, context)
          : await client.getObjectDetails(key, fallback as never, context);
  const out: Record<string, unknown> = { value: details.value, reason: details.reason };
  if (details.variant !== undefined) out.variant = details.variant;
  if (details.errorCode !== undefined) out.errorCode = details.errorCode;
  if (details.flagMetadata.ruleId !== undefined) out.ruleId = details.flagMetadata.ruleId;
  return out;
}

/** The Node SDK's answer, with the providers' context mapping (targetingKey → userId). */
function viaSdk(key: string, fallback: FlagValue, context: OpenFeatureContext) {
  const { targetingKey, ...rest } = context as Record<string, unknown>;
  const mapped = { ...rest, ...(typeof targetingKey === 'string' && rest.userId === undefined ? { userId: targetingKey } : {}) };
  return { ...sdk.variant(key, mapped as EvaluationContext, fallback) };
}

describe('@openfeature/ofrep-provider against the real server', () => {
  it('answers what @switchboard/node answers, for every flag and context, by Bearer and by X-API-Key', async () => {
    let compared = 0;
    const reasons = new Set<string>();
    for (const flag of FLAGS) {
      for (const context of CONTEXTS) {
        const want = viaSdk(flag.key, flag.fallback, context);
        const label = `${flag.key} ${JSON.stringify(context)}`;
        expect(await viaOfrep(bearerClient, flag.key, flag.fallback, context), label).toEqual(want);
        expect(await viaOfrep(apiKeyClient, flag.key, flag.fallback, context), label).toEqual(want);
        reasons.add(want.reason);
        compared++;
      }
    }
    expect(compared).toBe(FLAGS.length * CONTEXTS.length);
    // The comparison covered every kind of outcome, not only the easy ones.
    expect([...reasons].sort()).toEqual(['DEFAULT', 'DISABLED', 'PREREQUISITE_FAILED', 'SPLIT', 'STATIC', 'TARGETING_MATCH']);
  });

  it('reports an unknown flag as FLAG_NOT_FOUND with the caller’s default, as the SDK does', async () => {
    const details = await bearerClient.getBooleanDetails('no-such-flag', true, { targetingKey: 'user-1' });
    expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(sdk.variant('no-such-flag', 'user-1', true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });
});
