import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flagsmith, LocalFileHandler, type Flags } from 'flagsmith-nodejs';
import type { FlagSpec } from '../../flag-set.js';
import { packageVersion } from '../../package-version.js';
import type { HeapSubjectFactory } from '../subject.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The specs as a Flagsmith environment document (what `/environment-document/` serves
 * for local evaluation). Each feature is off in the environment unless plain-on; every
 * rule and every rollout is a segment whose override turns the feature on, in rule
 * order (segment priority); rollouts are `PERCENTAGE_SPLIT` segments, as its dashboard
 * makes them.
 */
function environmentDocument(specs: readonly FlagSpec[]) {
  let segmentId = 0;
  const segments: unknown[] = [];
  const featureStates = specs.map((spec, i) => {
    const feature = { id: i + 1, name: spec.key, type: 'STANDARD' };
    const state = (enabled: boolean, djangoId: number, priority?: number) => ({
      feature,
      enabled,
      django_id: djangoId,
      feature_state_value: null,
      multivariate_feature_state_values: [],
      ...(priority === undefined ? {} : { feature_segment: { priority } }),
    });
    if (spec.kind !== 'plain') {
      const conditions: { operator: string; property_: string | null; value: string }[][] = [];
      if (spec.kind === 'rules') {
        for (const r of spec.rules) {
          conditions.push([
            r.operator === 'in'
              ? { operator: 'IN', property_: r.attribute, value: r.values.join(',') }
              : { operator: 'REGEX', property_: r.attribute, value: `.*${escape(r.values[0]!)}$` },
          ]);
        }
      }
      conditions.push([{ operator: 'PERCENTAGE_SPLIT', property_: null, value: String(spec.percent) }]);
      conditions.forEach((c, priority) => {
        const id = ++segmentId;
        segments.push({
          id,
          name: `${spec.key}-${priority}`,
          rules: [{ type: 'ALL', rules: [], conditions: c }],
          feature_states: [state(true, 100_000 + id, priority)],
        });
      });
    }
    return state(spec.kind === 'plain' && spec.on, i + 1);
  });
  return {
    id: 1,
    api_key: 'benchmark-offline',
    name: 'production',
    project: {
      id: 1,
      name: 'benchmark',
      hide_disabled_flags: false,
      organisation: { id: 1, name: 'benchmark', feature_analytics: false, stop_serving_flags: false, persist_trait_data: true },
      segments,
    },
    feature_states: featureStates,
    identity_overrides: [],
  };
}

export const flagsmithSubject: HeapSubjectFactory = async (specs) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sb-bench-flagsmith-')), 'environment.json');
  writeFileSync(file, JSON.stringify(environmentDocument(specs)));
  return {
    id: 'flagsmith',
    label: 'Flagsmith',
    source: `flagsmith-nodejs ${packageVersion('flagsmith-nodejs')}`,
    setup:
      "`new Flagsmith({ offlineMode: true, offlineHandler: new LocalFileHandler(path) })` with an environment document (rules and rollouts as segment overrides); the handler parses the file into the engine's models",
    serves: true,
    async create() {
      return new Flagsmith({ offlineMode: true, offlineHandler: new LocalFileHandler(file) });
    },
    async evaluateAll(client, keys, user) {
      const flags: Flags = await (client as Flagsmith).getIdentityFlags(user.userId, {
        country: user.country,
        plan: user.plan,
        email: user.email,
      });
      return keys.map((k) => flags.isFeatureEnabled(k));
    },
    async close(client) {
      await (client as Flagsmith).close();
    },
  };
};
