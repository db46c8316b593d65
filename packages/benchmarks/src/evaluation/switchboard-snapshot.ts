import type { Snapshot } from '@switchboard/core';
import { FLAG_KEYS, ROLLOUT_PERCENT, RULE_COUNTRIES, RULE_EMAIL_SUFFIX, RULE_PLAN, RULES_FALLTHROUGH_PERCENT } from './scenarios.js';

/** Percent → rollout weights out of 100,000 (0.001% steps), `on` first. */
function percentRollout(percent: number) {
  const on = percent * 1000;
  return [
    { variant: 'on', weight: on },
    { variant: 'off', weight: 100_000 - on },
  ];
}

const booleanVariants = { on: true, off: false };

/** The scenarios as a Switchboard flag document: what core and the floor evaluate. */
export function createSnapshot(): Snapshot {
  return {
    schemaVersion: 1,
    environment: 'benchmark',
    revision: 1,
    flags: {
      [FLAG_KEYS.plain]: {
        key: FLAG_KEYS.plain,
        version: 1,
        type: 'boolean',
        enabled: true,
        variants: booleanVariants,
        offVariant: 'off',
        fallthrough: { variant: 'on' },
      },
      [FLAG_KEYS.rollout]: {
        key: FLAG_KEYS.rollout,
        version: 1,
        type: 'boolean',
        enabled: true,
        variants: booleanVariants,
        offVariant: 'off',
        fallthrough: { rollout: percentRollout(ROLLOUT_PERCENT), bucketBy: 'userId' },
      },
      [FLAG_KEYS.rules]: {
        key: FLAG_KEYS.rules,
        version: 1,
        type: 'boolean',
        enabled: true,
        variants: booleanVariants,
        offVariant: 'off',
        rules: [
          {
            id: 'country',
            conditions: [{ attribute: 'country', operator: 'in', values: RULE_COUNTRIES }],
            serve: { variant: 'on' },
          },
          {
            id: 'plan',
            conditions: [{ attribute: 'plan', operator: 'eq', values: [RULE_PLAN] }],
            serve: { variant: 'on' },
          },
          {
            id: 'staff',
            conditions: [{ attribute: 'email', operator: 'endsWith', values: [RULE_EMAIL_SUFFIX] }],
            serve: { variant: 'on' },
          },
        ],
        fallthrough: { rollout: percentRollout(RULES_FALLTHROUGH_PERCENT), bucketBy: 'userId' },
      },
    },
  };
}
