import { InMemoryProvider, OpenFeature, type Client, type EvaluationContext } from '@openfeature/server-sdk';
import type { FlagSpec } from '../../flag-set.js';
import { packageVersion } from '../../package-version.js';
import { fnvBucket, type HeapSubjectFactory } from '../subject.js';

type Config = ConstructorParameters<typeof InMemoryProvider>[0];

/**
 * The specs as an OpenFeature in-memory flag configuration. The provider has no
 * targeting language: rules and rollouts are `contextEvaluator` closures over the spec,
 * bucketing with FNV-1a, which is what a team using it would write.
 */
function configuration(specs: FlagSpec[]): NonNullable<Config> {
  const config: NonNullable<Config> = {};
  for (const spec of specs) {
    const base = { variants: { on: true, off: false }, disabled: false };
    if (spec.kind === 'plain') {
      config[spec.key] = { ...base, defaultVariant: spec.on ? 'on' : 'off' };
      continue;
    }
    const threshold = Math.round(spec.percent * 1000);
    const rules = spec.kind === 'rules' ? spec.rules : [];
    config[spec.key] = {
      ...base,
      defaultVariant: 'off',
      contextEvaluator: (ctx: EvaluationContext) => {
        for (const r of rules) {
          const v = ctx[r.attribute];
          if (typeof v === 'string' && (r.operator === 'in' ? r.values.includes(v) : v.endsWith(r.values[0]!))) return 'on';
        }
        return typeof ctx.targetingKey === 'string' && fnvBucket(spec.key, ctx.targetingKey) < threshold ? 'on' : 'off';
      },
    };
  }
  return config;
}

export const openFeatureSubject: HeapSubjectFactory = async (specs) => {
  const json = JSON.stringify(specs);
  let n = 0;
  return {
    id: 'openfeature',
    label: 'OpenFeature in-memory provider',
    source: `@openfeature/server-sdk ${packageVersion('@openfeature/server-sdk')}`,
    setup:
      '`InMemoryProvider` with a flag configuration (rules and rollouts as `contextEvaluator` closures), registered under its own domain; a client from `OpenFeature.getClient(domain)`',
    serves: true,
    async create() {
      const domain = `heap-${++n}`;
      await OpenFeature.setProviderAndWait(domain, new InMemoryProvider(configuration(JSON.parse(json) as FlagSpec[])));
      return OpenFeature.getClient(domain);
    },
    async evaluateAll(client, keys, user) {
      const c = client as Client;
      const ctx = { targetingKey: user.userId, country: user.country, plan: user.plan, email: user.email };
      const out: boolean[] = [];
      for (const k of keys) out.push(await c.getBooleanValue(k, false, ctx));
      return out;
    },
    async close() {},
  };
};
