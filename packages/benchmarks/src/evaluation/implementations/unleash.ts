import { EventEmitter } from 'node:events';
import { Unleash, UnleashEvents, type ClientFeaturesResponse, type Context, type UnleashConfig } from 'unleash-client';
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

type Repository = NonNullable<UnleashConfig['repository']>;
type Toggle = ClientFeaturesResponse['features'][number];
type Strategy = NonNullable<Toggle['strategies']>[number];
type Constraint = Strategy['constraints'][number];

function flexibleRollout(flagKey: string, percent: number, constraints: Constraint[] = []): Strategy {
  return { name: 'flexibleRollout', parameters: { rollout: String(percent), stickiness: 'default', groupId: flagKey }, constraints };
}

/** A strategy that is on for every context its constraints let through. */
function constrained(constraint: Constraint): Strategy {
  return { name: 'default', parameters: {}, constraints: [constraint] };
}

function toggle(name: string, strategies: Strategy[]): Toggle {
  return { name, enabled: true, type: 'release', project: 'default', stale: false, impressionData: false, variants: [], strategies };
}

/**
 * The scenarios as Unleash toggles. Unleash's strategies are OR-ed in order, which for a
 * boolean flag is the same as our first-match rules: each rule is a `default` strategy
 * with one constraint; the rollout is a `flexibleRollout` on the user id with the flag
 * key as its group id. Unleash has no "equals" for strings; `IN` with one value is it.
 */
export function unleashToggles(): Toggle[] {
  return [
    toggle(FLAG_KEYS.plain, [{ name: 'default', parameters: {}, constraints: [] }]),
    toggle(FLAG_KEYS.rollout, [flexibleRollout(FLAG_KEYS.rollout, ROLLOUT_PERCENT)]),
    toggle(FLAG_KEYS.rules, [
      constrained({ contextName: 'country', operator: 'IN' as Constraint['operator'], inverted: false, values: RULE_COUNTRIES }),
      constrained({ contextName: 'plan', operator: 'IN' as Constraint['operator'], inverted: false, values: [RULE_PLAN] }),
      constrained({
        contextName: 'email',
        operator: 'STR_ENDS_WITH' as Constraint['operator'],
        inverted: false,
        values: [RULE_EMAIL_SUFFIX],
      }),
      flexibleRollout(FLAG_KEYS.rules, RULES_FALLTHROUGH_PERCENT),
    ]),
  ];
}

/**
 * Holds toggles in memory exactly as unleash-client's own Repository does (a plain
 * object keyed by name), without its fetcher: with it, Unleash never opens a socket.
 */
export class InMemoryRepository extends EventEmitter implements Repository {
  private readonly data: Record<string, Toggle> = {};

  constructor(toggles: Toggle[]) {
    super();
    for (const t of toggles) this.data[t.name] = t;
  }

  getToggle(name: string): Toggle | undefined {
    return this.data[name];
  }

  getToggles(): Toggle[] {
    return Object.values(this.data);
  }

  getTogglesWithSegmentData(): ReturnType<Repository['getTogglesWithSegmentData']> {
    return this.getToggles().map((t) => ({ ...t, strategies: t.strategies?.map((s) => ({ ...s, segments: [] })) }));
  }

  getSegment(): undefined {
    return undefined;
  }

  async start(): Promise<void> {
    this.emit(UnleashEvents.Ready);
    this.emit(UnleashEvents.Changed, this.getToggles());
  }

  stop(): void {
    this.removeAllListeners();
  }
}

/**
 * unleash-client's `Unleash` instance with an in-memory repository, metrics disabled
 * and never started against a server; `isEnabled(key, context)` per evaluation.
 * `url` is required by the constructor and points at a closed loopback port; nothing
 * reads it.
 */
class UnleashImplementation implements Implementation {
  readonly id = 'unleash';
  readonly label = 'Unleash';
  readonly source = `unleash-client ${packageVersion('unleash-client')}`;
  readonly role = 'peer' as const;
  readonly call = 'unleash.isEnabled(key, { userId, properties })';
  private readonly contexts: Context[];

  constructor(
    private readonly unleash: Unleash,
    users: readonly User[],
  ) {
    this.contexts = users.map((u) => ({ userId: u.userId, properties: { country: u.country, plan: u.plan, email: u.email } }));
  }

  evaluateUser(flagKey: string, index: number): boolean {
    return this.unleash.isEnabled(flagKey, this.contexts[index]!);
  }

  run(flagKey: string, count: number, cursor: number): number {
    const unleash = this.unleash;
    const contexts = this.contexts;
    const length = contexts.length;
    let i = cursor;
    let on = 0;
    for (let n = 0; n < count; n++) {
      if (unleash.isEnabled(flagKey, contexts[i]!)) on++;
      if (++i === length) i = 0;
    }
    return on;
  }

  async close(): Promise<void> {
    this.unleash.destroy();
  }
}

export async function createUnleash(users: readonly User[]): Promise<Implementation> {
  const unleash = new Unleash({
    appName: 'switchboard-benchmark',
    url: 'http://127.0.0.1:9/api/',
    repository: new InMemoryRepository(unleashToggles()),
    disableMetrics: true,
    metricsInterval: 0,
    refreshInterval: 0,
    disableAutoStart: true,
    skipInstanceCountWarning: true,
  });
  unleash.on(UnleashEvents.Error, (error: unknown) => {
    throw new Error(`unleash-client reported an error during the benchmark: ${String(error)}`);
  });
  await unleash.start();
  if (!(unleash as unknown as { ready: boolean }).ready)
    throw new Error('unleash-client did not become ready from the in-memory repository');
  return new UnleashImplementation(unleash, users);
}
