import { GrowthBookClient, type FeatureDefinition } from '@growthbook/growthbook';
import type { FlagSpec } from '../../flag-set.js';
import { packageVersion } from '../../package-version.js';
import type { HeapSubjectFactory } from '../subject.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rules are force rules with a condition; rollouts are force rules with `coverage`, like the evaluation module. */
function features(specs: readonly FlagSpec[]): Record<string, FeatureDefinition> {
  const out: Record<string, FeatureDefinition> = {};
  for (const spec of specs) {
    if (spec.kind === 'plain') {
      out[spec.key] = { defaultValue: spec.on };
      continue;
    }
    const rules: NonNullable<FeatureDefinition['rules']> = [];
    if (spec.kind === 'rules') {
      for (const r of spec.rules) {
        const condition =
          r.operator === 'in' ? { [r.attribute]: { $in: r.values } } : { [r.attribute]: { $regex: `${escape(r.values[0]!)}$` } };
        rules.push({ id: r.id, condition, force: true });
      }
    }
    rules.push({ id: 'rollout', force: true, coverage: spec.percent / 100, hashAttribute: 'id', seed: spec.key, hashVersion: 2 });
    out[spec.key] = { defaultValue: false, rules };
  }
  return out;
}

export const growthBookSubject: HeapSubjectFactory = async (specs) => {
  const json = JSON.stringify({ features: features(specs) });
  return {
    id: 'growthbook',
    label: 'GrowthBook',
    source: `@growthbook/growthbook ${packageVersion('@growthbook/growthbook')}`,
    setup: '`new GrowthBookClient().initSync({ payload })` with the features payload its API serves',
    serves: true,
    async create() {
      return new GrowthBookClient().initSync({ payload: JSON.parse(json) });
    },
    async evaluateAll(client, keys, user) {
      const c = client as GrowthBookClient;
      const ctx = { attributes: { id: user.userId, country: user.country, plan: user.plan, email: user.email } };
      return keys.map((k) => c.isOn(k, ctx));
    },
    async close(client) {
      (client as GrowthBookClient).destroy();
    },
  };
};
