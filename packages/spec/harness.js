// How an evaluator turns bucketing and operator cases into flag documents. Every
// runtime's spec test builds its snapshots here, so they all test the same thing.

/** A one-flag snapshot whose string flag rolls out the case's weights with its salt. */
export function bucketingSnapshot(c) {
  return {
    schemaVersion: 1,
    environment: 'spec',
    revision: 1,
    flags: {
      f: {
        key: 'f',
        version: 1,
        type: 'string',
        enabled: true,
        salt: c.salt,
        variants: Object.fromEntries(c.weights.map((w) => [w.variant, w.variant])),
        offVariant: c.weights[0].variant,
        fallthrough: { rollout: c.weights },
      },
    },
    segments: {},
  };
}

/** A one-flag snapshot: boolean flag `f` whose single rule holds the case's condition. */
export function operatorSnapshot(c) {
  return {
    schemaVersion: 1,
    environment: 'spec',
    revision: 1,
    flags: {
      f: {
        key: 'f',
        version: 1,
        type: 'boolean',
        enabled: true,
        variants: { on: true, off: false },
        offVariant: 'off',
        rules: [{ id: 'r', conditions: [c.condition], serve: { variant: 'on' } }],
        fallthrough: { variant: 'off' },
      },
    },
    segments: c.segments ?? {},
  };
}
