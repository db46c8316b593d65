import type { Flag, Snapshot } from '@switchboard/core';

/**
 * A realistic set of boolean flags, described once in a neutral shape and translated
 * into each SDK's format by its own module: half plain on/off flags, three in ten
 * percentage rollouts, two in ten with one to three targeting rules in front of a
 * rollout. Deterministic, so every run and every SDK holds the same flags.
 */

export type RuleAttribute = 'country' | 'plan' | 'email';

export interface RuleSpec {
  id: string;
  attribute: RuleAttribute;
  /** `in`: the attribute is one of `values`; `endsWith`: it ends with `values[0]`. */
  operator: 'in' | 'endsWith';
  values: string[];
}

export type FlagSpec =
  | { kind: 'plain'; key: string; on: boolean }
  | { kind: 'rollout'; key: string; percent: number }
  | { kind: 'rules'; key: string; rules: RuleSpec[]; percent: number };

const AREAS = ['checkout', 'search', 'billing', 'onboarding', 'profile', 'notifications', 'payments', 'catalog', 'reports', 'admin'];
const THINGS = ['redesign', 'fast-path', 'v2-api', 'beta-banner', 'new-flow', 'cache', 'limits', 'export', 'dark-mode', 'ai-hints'];
const COUNTRY_POOL = ['DE', 'FR', 'NL', 'US', 'GB', 'ES', 'IT', 'BR', 'JP', 'CA'];
const PLANS = ['enterprise', 'pro', 'team'];
const SUFFIXES = ['@acme.com', '@example.org', '@corp.test'];

function flagKey(i: number): string {
  return `${AREAS[i % AREAS.length]}-${THINGS[Math.floor(i / AREAS.length) % THINGS.length]}-${String(i).padStart(4, '0')}`;
}

function rulesFor(i: number): RuleSpec[] {
  const count = 1 + (i % 3);
  const rules: RuleSpec[] = [];
  for (let r = 0; r < count; r++) {
    const kind = (i + r) % 3;
    if (kind === 0) {
      const start = (i + r) % COUNTRY_POOL.length;
      rules.push({
        id: `countries-${r}`,
        attribute: 'country',
        operator: 'in',
        values: [0, 1, 2].map((k) => COUNTRY_POOL[(start + k) % COUNTRY_POOL.length]!),
      });
    } else if (kind === 1) {
      rules.push({ id: `plan-${r}`, attribute: 'plan', operator: 'in', values: [PLANS[(i + r) % PLANS.length]!] });
    } else {
      rules.push({ id: `staff-${r}`, attribute: 'email', operator: 'endsWith', values: [SUFFIXES[(i + r) % SUFFIXES.length]!] });
    }
  }
  return rules;
}

/** `count` flags: i % 10 in 0–4 plain (on for even i), 5–7 rollout, 8–9 rules + rollout. */
export function createFlagSpecs(count: number): FlagSpec[] {
  const specs: FlagSpec[] = [];
  for (let i = 0; i < count; i++) {
    const key = flagKey(i);
    const slot = i % 10;
    const percent = 5 + ((i * 37) % 91); // 5–95 %
    if (slot < 5) specs.push({ kind: 'plain', key, on: i % 2 === 0 });
    else if (slot < 8) specs.push({ kind: 'rollout', key, percent });
    else specs.push({ kind: 'rules', key, rules: rulesFor(i), percent });
  }
  return specs;
}

export interface ProbeUser {
  userId: string;
  country: string;
  plan: string;
  email: string;
}

/** Which rule of a spec a user matches first (-1: none): the oracle for verifying every SDK. */
export function matchingRule(spec: FlagSpec, user: ProbeUser): number {
  if (spec.kind !== 'rules') return -1;
  return spec.rules.findIndex((r) =>
    r.operator === 'in' ? r.values.includes(user[r.attribute]) : user[r.attribute].endsWith(r.values[0]!),
  );
}

/** What a spec serves a user, or undefined where it depends on the SDK's own bucketing. */
export function expectedValue(spec: FlagSpec, user: ProbeUser): boolean | undefined {
  if (spec.kind === 'plain') return spec.on;
  if (spec.kind === 'rules' && matchingRule(spec, user) >= 0) return true;
  return undefined;
}

/** A few users covering every rule attribute, and none. */
export function probeUsers(count: number): ProbeUser[] {
  const users: ProbeUser[] = [];
  for (let i = 0; i < count; i++) {
    users.push({
      userId: `probe-${i}`,
      country: COUNTRY_POOL[(i * 3) % COUNTRY_POOL.length]!,
      plan: [...PLANS, 'free'][i % 4]!,
      email: `probe-${i}${i % 5 === 0 ? SUFFIXES[i % SUFFIXES.length]! : '@mail.test'}`,
    });
  }
  return users;
}

function percentRollout(percent: number) {
  const on = Math.round(percent * 1000);
  return {
    rollout: [
      { variant: 'on', weight: on },
      { variant: 'off', weight: 100_000 - on },
    ],
    bucketBy: 'userId',
  };
}

/** The per-environment config of a spec as the admin API takes it (PUT body without version). */
export function switchboardConfig(spec: FlagSpec): Pick<Flag, 'enabled' | 'offVariant' | 'fallthrough' | 'rules'> {
  switch (spec.kind) {
    case 'plain':
      return { enabled: spec.on, offVariant: 'off', fallthrough: { variant: 'on' }, rules: [] };
    case 'rollout':
      return { enabled: true, offVariant: 'off', fallthrough: percentRollout(spec.percent), rules: [] };
    case 'rules':
      return {
        enabled: true,
        offVariant: 'off',
        rules: spec.rules.map((r) => ({
          id: r.id,
          conditions: [{ attribute: r.attribute, operator: r.operator, values: r.values }],
          serve: { variant: 'on' },
        })),
        fallthrough: percentRollout(spec.percent),
      };
  }
}

/** The specs as a Switchboard flag document, as the server would send it. */
export function switchboardSnapshot(specs: readonly FlagSpec[], environment = 'production'): Snapshot {
  const flags: Record<string, Flag> = {};
  for (const spec of specs) {
    flags[spec.key] = {
      key: spec.key,
      version: 2,
      type: 'boolean',
      variants: { on: true, off: false },
      salt: spec.key,
      ...switchboardConfig(spec),
    };
  }
  return { schemaVersion: 1, environment, revision: specs.length * 2, flags, segments: {} };
}
