import { basicLogger, init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
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

/** Variation 0 is `true`, 1 is `false`; weights are out of 100,000 like ours. */
function percentRollout(percent: number) {
  const on = percent * 1000;
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

function rule(id: string, attribute: string, op: 'in' | 'endsWith', values: string[]) {
  return { id, clauses: [{ contextKind: 'user', attribute, op, values, negate: false }], variation: 0, trackEvents: false };
}

function flag(key: string, fields: { rules?: unknown[]; fallthrough: unknown }) {
  return {
    key,
    version: 1,
    on: true,
    variations: [true, false],
    offVariation: 1,
    salt: key,
    targets: [],
    contextTargets: [],
    prerequisites: [],
    rules: fields.rules ?? [],
    fallthrough: fields.fallthrough,
    trackEvents: false,
    trackEventsFallthrough: false,
    clientSide: false,
    deleted: false,
  };
}

/**
 * The scenarios as LaunchDarkly flags in its server data model (the same JSON its
 * service sends). LaunchDarkly has no string equals operator; `in` with one value is it.
 */
export function launchDarklyFlags() {
  return [
    flag(FLAG_KEYS.plain, { fallthrough: { variation: 0 } }),
    flag(FLAG_KEYS.rollout, { fallthrough: percentRollout(ROLLOUT_PERCENT) }),
    flag(FLAG_KEYS.rules, {
      rules: [
        rule('country', 'country', 'in', RULE_COUNTRIES),
        rule('plan', 'plan', 'in', [RULE_PLAN]),
        rule('staff', 'email', 'endsWith', [RULE_EMAIL_SUFFIX]),
      ],
      fallthrough: percentRollout(RULES_FALLTHROUGH_PERCENT),
    }),
  ];
}

/**
 * LaunchDarkly's Node server SDK fed by its `TestData` integration (an in-memory data
 * source: no streaming or polling connection) with events and diagnostics off, so it
 * opens no socket. `offline: true` can't be used: it makes every variation return the
 * default. `variation` returns a Promise, so each evaluation is awaited, as an
 * application would.
 */
class LaunchDarklyImplementation implements Implementation {
  readonly id = 'launchdarkly';
  readonly label = 'LaunchDarkly';
  readonly source = `@launchdarkly/node-server-sdk ${packageVersion('@launchdarkly/node-server-sdk')}`;
  readonly role = 'peer' as const;
  readonly call = 'await client.variation(key, context, false)';
  private readonly contexts: LDContext[];

  constructor(
    private readonly client: LDClient,
    users: readonly User[],
  ) {
    this.contexts = users.map((u) => ({ kind: 'user', key: u.userId, country: u.country, plan: u.plan, email: u.email }));
  }

  async evaluateUser(flagKey: string, index: number): Promise<boolean> {
    return (await this.client.variation(flagKey, this.contexts[index]!, false)) === true;
  }

  async run(flagKey: string, count: number, cursor: number): Promise<number> {
    const client = this.client;
    const contexts = this.contexts;
    const length = contexts.length;
    let i = cursor;
    let on = 0;
    for (let n = 0; n < count; n++) {
      if ((await client.variation(flagKey, contexts[i]!, false)) === true) on++;
      if (++i === length) i = 0;
    }
    return on;
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export async function createLaunchDarkly(users: readonly User[]): Promise<Implementation> {
  const td = new TestData();
  for (const f of launchDarklyFlags()) await td.usePreconfiguredFlag(f);
  const client = init('sdk-benchmark-offline', {
    updateProcessor: td.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: basicLogger({ level: 'error' }),
  });
  await client.waitForInitialization({ timeout: 5 });
  return new LaunchDarklyImplementation(client, users);
}
