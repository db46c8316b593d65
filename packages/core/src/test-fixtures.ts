import type { Flag, Serve, Snapshot } from './snapshot.js';

/** A boolean flag with on/off variants; overrides replace whole fields. */
export function booleanFlag(key: string, overrides: Partial<Flag> = {}): Flag {
  return {
    key,
    version: 1,
    type: 'boolean',
    enabled: true,
    variants: { on: true, off: false },
    offVariant: 'off',
    fallthrough: { variant: 'off' },
    ...overrides,
  };
}

/** A two-way rollout serving `on` to `percent`% of users (weights out of 100,000). */
export function percentRollout(percent: number, bucketBy?: string): Serve {
  const on = Math.round(percent * 1000);
  const serve: Serve = {
    rollout: [
      { variant: 'on', weight: on },
      { variant: 'off', weight: 100_000 - on },
    ],
  };
  return bucketBy === undefined ? serve : { ...serve, bucketBy };
}

export function snapshotOf(...flags: Flag[]): Snapshot {
  return {
    schemaVersion: 1,
    environment: 'test',
    revision: 1,
    flags: Object.fromEntries(flags.map((f) => [f.key, f])),
    segments: {},
  };
}
