import { Unleash, UnleashEvents, type ClientFeaturesResponse } from 'unleash-client';
import { InMemoryRepository } from '../../evaluation/implementations/unleash.js';
import type { FlagSpec } from '../../flag-set.js';
import { packageVersion } from '../../package-version.js';
import type { HeapSubjectFactory } from '../subject.js';

type Toggle = ClientFeaturesResponse['features'][number];
type Strategy = NonNullable<Toggle['strategies']>[number];
type Operator = Strategy['constraints'][number]['operator'];

/** Rules are `default` strategies with one constraint; rollouts `flexibleRollout`, like the evaluation module. */
function toggles(specs: readonly FlagSpec[]): Toggle[] {
  return specs.map((spec) => {
    const strategies: Strategy[] = [];
    if (spec.kind === 'plain') {
      strategies.push({ name: 'default', parameters: {}, constraints: [] });
    } else {
      if (spec.kind === 'rules') {
        for (const r of spec.rules) {
          const operator = (r.operator === 'in' ? 'IN' : 'STR_ENDS_WITH') as Operator;
          strategies.push({
            name: 'default',
            parameters: {},
            constraints: [{ contextName: r.attribute, operator, inverted: false, values: r.values }],
          });
        }
      }
      strategies.push({
        name: 'flexibleRollout',
        parameters: { rollout: String(spec.percent), stickiness: 'default', groupId: spec.key },
        constraints: [],
      });
    }
    return {
      name: spec.key,
      enabled: spec.kind !== 'plain' || spec.on,
      type: 'release',
      project: 'default',
      stale: false,
      impressionData: false,
      variants: [],
      strategies,
    };
  });
}

export const unleashSubject: HeapSubjectFactory = async (specs) => {
  const json = JSON.stringify(toggles(specs));
  return {
    id: 'unleash',
    label: 'Unleash',
    source: `unleash-client ${packageVersion('unleash-client')}`,
    setup:
      'an `Unleash` instance whose repository holds the toggles of a `/client/features` answer in memory (as its own repository does, without the fetcher); metrics off',
    serves: true,
    async create() {
      const unleash = new Unleash({
        appName: 'switchboard-benchmark',
        url: 'http://127.0.0.1:9/api/',
        repository: new InMemoryRepository(JSON.parse(json) as Toggle[]),
        disableMetrics: true,
        metricsInterval: 0,
        refreshInterval: 0,
        disableAutoStart: true,
        skipInstanceCountWarning: true,
      });
      unleash.on(UnleashEvents.Error, () => {});
      unleash.on(UnleashEvents.Warn, () => {});
      await unleash.start();
      return unleash;
    },
    async evaluateAll(client, keys, user) {
      const u = client as Unleash;
      const ctx = { userId: user.userId, properties: { country: user.country, plan: user.plan, email: user.email } };
      return keys.map((k) => u.isEnabled(k, ctx));
    },
    async close(client) {
      (client as Unleash).destroy();
    },
  };
};
