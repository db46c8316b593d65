import { basicLogger, init, type LDClient } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import type { FlagSpec } from '../../flag-set.js';
import { packageVersion } from '../../package-version.js';
import type { HeapSubject, HeapSubjectFactory } from '../subject.js';

function rollout(percent: number) {
  const on = Math.round(percent * 1000);
  return {
    rollout: {
      variations: [
        { variation: 0, weight: on },
        { variation: 1, weight: 100_000 - on },
      ],
      bucketBy: 'key',
    },
  };
}

/** The specs in LaunchDarkly's server data model (the JSON its service streams), like the evaluation module. */
function flags(specs: readonly FlagSpec[]) {
  return specs.map((spec) => ({
    key: spec.key,
    version: 1,
    on: spec.kind !== 'plain' || spec.on,
    variations: [true, false],
    offVariation: 1,
    salt: spec.key,
    targets: [],
    contextTargets: [],
    prerequisites: [],
    rules:
      spec.kind === 'rules'
        ? spec.rules.map((r) => ({
            id: r.id,
            clauses: [{ contextKind: 'user', attribute: r.attribute, op: r.operator, values: r.values, negate: false }],
            variation: 0,
            trackEvents: false,
          }))
        : [],
    fallthrough: spec.kind === 'plain' ? { variation: 0 } : rollout(spec.percent),
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSide: false,
    deleted: false,
  }));
}

async function testData(json: string): Promise<TestData> {
  const td = new TestData();
  for (const f of JSON.parse(json) as ReturnType<typeof flags>) await td.usePreconfiguredFlag(f);
  return td;
}

const source = () => `@launchdarkly/node-server-sdk ${packageVersion('@launchdarkly/node-server-sdk')}`;

export const launchDarklySubject: HeapSubjectFactory = async (specs) => {
  const json = JSON.stringify(flags(specs));
  return {
    id: 'launchdarkly',
    label: 'LaunchDarkly',
    source: source(),
    setup:
      'the Node server SDK fed by its own `TestData` source (the in-memory data source its docs give for tests), events and diagnostics off; the row counts the client and its `TestData` together',
    serves: true,
    async create() {
      const td = await testData(json);
      const client = init('sdk-benchmark-offline', {
        updateProcessor: td.getFactory(),
        sendEvents: false,
        diagnosticOptOut: true,
        logger: basicLogger({ level: 'error' }),
      });
      await client.waitForInitialization({ timeout: 10 });
      return client;
    },
    async evaluateAll(client, keys, user) {
      const c = client as LDClient;
      const ctx = { kind: 'user', key: user.userId, country: user.country, plan: user.plan, email: user.email };
      const out: boolean[] = [];
      for (const k of keys) out.push((await c.variation(k, ctx, false)) === true);
      return out;
    },
    async close(client) {
      (client as LDClient).close();
    },
  };
};

/** `TestData` alone holding the same flags: how much of the row above is the test source's copy. */
export const launchDarklyTestDataSubject: HeapSubjectFactory = async (specs) => {
  const json = JSON.stringify(flags(specs));
  const none = async (): Promise<boolean[]> => [];
  const subject: HeapSubject = {
    id: 'launchdarkly-testdata',
    label: 'LaunchDarkly `TestData` alone',
    source: source(),
    setup: 'a `TestData` instance with the same flags and no client (see the note below)',
    serves: false,
    create: () => testData(json),
    evaluateAll: none,
    async close() {},
  };
  return subject;
};
