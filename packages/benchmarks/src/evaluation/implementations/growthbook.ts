import { GrowthBookClient, type FeatureDefinition, type UserContext } from '@growthbook/growthbook';
import type { Implementation } from '../implementation.js';
import {
  FLAG_KEYS,
  ROLLOUT_PERCENT,
  RULE_COUNTRIES,
  RULE_EMAIL_SUFFIX,
  RULE_PLAN,
  RULES_FALLTHROUGH_PERCENT,
  type User,
} from '../scenarios.js';
import { packageVersion } from '../../package-version.js';

/** `@acme.com` → `@acme\.com$`: GrowthBook has no endsWith; an anchored regex is its equivalent. */
function endsWithRegex(suffix: string): string {
  return `${suffix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * The scenarios as GrowthBook features. A percentage rollout is a force rule with
 * `coverage` and `hashAttribute` (GrowthBook's "percentage rollout" rule), seeded with
 * the flag key like ours.
 */
export function growthBookFeatures(): Record<string, FeatureDefinition> {
  return {
    [FLAG_KEYS.plain]: { defaultValue: true },
    [FLAG_KEYS.rollout]: {
      defaultValue: false,
      rules: [
        { id: 'rollout', force: true, coverage: ROLLOUT_PERCENT / 100, hashAttribute: 'id', seed: FLAG_KEYS.rollout, hashVersion: 2 },
      ],
    },
    [FLAG_KEYS.rules]: {
      defaultValue: false,
      rules: [
        { id: 'country', condition: { country: { $in: RULE_COUNTRIES } }, force: true },
        { id: 'plan', condition: { plan: RULE_PLAN }, force: true },
        { id: 'staff', condition: { email: { $regex: endsWithRegex(RULE_EMAIL_SUFFIX) } }, force: true },
        {
          id: 'rollout',
          force: true,
          coverage: RULES_FALLTHROUGH_PERCENT / 100,
          hashAttribute: 'id',
          seed: FLAG_KEYS.rules,
          hashVersion: 2,
        },
      ],
    },
  };
}

/**
 * GrowthBook's multi-user server client (`GrowthBookClient`, the "singleton" mode its
 * README recommends as the more efficient one for servers): one instance, features
 * loaded with `initSync` from an in-memory payload (no apiHost, no streaming, no
 * polling), and a user context passed to each `isOn`.
 */
class GrowthBookImplementation implements Implementation {
  readonly id = 'growthbook';
  readonly label = 'GrowthBook';
  readonly source = `@growthbook/growthbook ${packageVersion('@growthbook/growthbook')}`;
  readonly role = 'peer' as const;
  readonly call = 'client.isOn(key, { attributes })';
  private readonly client: GrowthBookClient;
  private readonly contexts: UserContext[];

  constructor(users: readonly User[]) {
    this.client = new GrowthBookClient().initSync({ payload: { features: growthBookFeatures() } });
    this.contexts = users.map((u) => ({ attributes: { id: u.userId, country: u.country, plan: u.plan, email: u.email } }));
  }

  evaluateUser(flagKey: string, index: number): boolean {
    return this.client.isOn(flagKey, this.contexts[index]!);
  }

  run(flagKey: string, count: number, cursor: number): number {
    const client = this.client;
    const contexts = this.contexts;
    const length = contexts.length;
    let i = cursor;
    let on = 0;
    for (let n = 0; n < count; n++) {
      if (client.isOn(flagKey, contexts[i]!)) on++;
      if (++i === length) i = 0;
    }
    return on;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export async function createGrowthBook(users: readonly User[]): Promise<Implementation> {
  return new GrowthBookImplementation(users);
}
