import { describe, expect, it } from 'vitest';
import { validateFlag, validateSegment, validateSnapshot } from './index.js';
import { booleanFlag, percentRollout, snapshotOf } from '../test-fixtures.js';

const paths = (issues: { path: string }[]) => issues.map((i) => i.path);

describe('validateFlag', () => {
  it('accepts a well-formed flag', () => {
    expect(
      validateFlag(
        booleanFlag('new-checkout', {
          salt: 'new-checkout',
          prerequisites: [{ flag: 'payments-v2', variant: 'on' }],
          rules: [{ id: 'eu', conditions: [{ attribute: 'country', operator: 'in', values: ['DE', 'FR'] }], serve: percentRollout(50) }],
          fallthrough: percentRollout(10),
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    [{ key: '__proto__' }, 'key'],
    [{ key: 'has space' }, 'key'],
    [{ type: 'bool' }, 'type'],
    [{ enabled: 'false' }, 'enabled'],
    [{ offVariant: 'nope' }, 'offVariant'],
    [{ variants: { on: 'yes', off: false } }, 'variants.on'],
    [{ fallthrough: { variant: 'gone' } }, 'fallthrough.variant'],
    [{ fallthrough: { variant: 'on', rollout: [] } }, 'fallthrough'],
    [{ fallthrough: { rollout: [{ variant: 'on', weight: 0 }] } }, 'fallthrough.rollout'],
    [{ fallthrough: { rollout: [{ variant: 'on', weight: 1.5 }] } }, 'fallthrough.rollout[0].weight'],
    [
      { rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'like', values: ['x'] }], serve: { variant: 'on' } }] },
      'rules[0].conditions[0].operator',
    ],
    [
      { rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'matches', values: ['(a)\\1'] }], serve: { variant: 'on' } }] },
      'rules[0].conditions[0].values[0]',
    ],
    [
      { rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'matches', values: ['a'.repeat(300)] }], serve: { variant: 'on' } }] },
      'rules[0].conditions[0].values[0]',
    ],
    [
      { rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'lt', values: ['5'] }], serve: { variant: 'on' } }] },
      'rules[0].conditions[0].values[0]',
    ],
    [
      { rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'semverGt', values: ['v1.2'] }], serve: { variant: 'on' } }] },
      'rules[0].conditions[0].values[0]',
    ],
    [
      { rules: [{ id: 'r', conditions: [{ attribute: 'a', operator: 'before', values: ['yesterday'] }], serve: { variant: 'on' } }] },
      'rules[0].conditions[0].values[0]',
    ],
    [
      {
        rules: [
          { id: 'r', conditions: [], serve: { variant: 'on' } },
          { id: 'r', conditions: [], serve: { variant: 'on' } },
        ],
      },
      'rules[1].id',
    ],
    [{ prerequisites: [{ flag: 'f', variant: 'on' }] }, 'prerequisites[0].flag'],
    [{ extra: 1 }, 'extra'],
    [{ privateAttributes: ['has space'] }, 'privateAttributes'],
  ])('rejects %j at %s', (override, path) => {
    expect(paths(validateFlag({ ...booleanFlag('f'), ...override }))).toContain(path);
  });
});

describe('private attributes', () => {
  it('allow any operator on a private attribute, client-side or not: browsers get such flags evaluated by the server', () => {
    const endsWith = [
      { id: 'r', conditions: [{ attribute: 'email', operator: 'endsWith' as const, values: ['@acme.com'] }], serve: { variant: 'on' } },
    ];
    for (const clientSide of [true, false]) {
      expect(validateFlag(booleanFlag('f', { clientSide, privateAttributes: ['email'], rules: endsWith }))).toEqual([]);
    }
  });
});

describe('validateSegment', () => {
  it('names bad members and conditions', () => {
    expect(paths(validateSegment({ key: 's', included: [1], conditions: [{ attribute: 'x', operator: 'eq', values: [] }] }))).toEqual([
      'included',
      'conditions[0].values',
    ]);
  });
});

describe('validateSnapshot', () => {
  it('refuses prerequisite cycles and unknown references', () => {
    const snap = snapshotOf(
      booleanFlag('a', { prerequisites: [{ flag: 'b', variant: 'on' }] }),
      booleanFlag('b', { prerequisites: [{ flag: 'a', variant: 'on' }] }),
      booleanFlag('c', { prerequisites: [{ flag: 'ghost', variant: 'on' }] }),
    );
    expect(paths(validateSnapshot(snap))).toEqual(['flags.c.prerequisites[0].flag', 'flags.a.prerequisites', 'flags.b.prerequisites']);
  });

  it('refuses segment cycles', () => {
    const snap = snapshotOf();
    snap.segments = {
      x: { key: 'x', conditions: [{ attribute: '', operator: 'inSegment', values: ['y'] }] },
      y: { key: 'y', conditions: [{ attribute: '', operator: 'inSegment', values: ['x'] }] },
    };
    expect(paths(validateSnapshot(snap))).toEqual(['segments.x.conditions', 'segments.y.conditions']);
  });

  it('accepts a document with segments and prerequisites', () => {
    const snap = snapshotOf(booleanFlag('parent'), booleanFlag('child', { prerequisites: [{ flag: 'parent', variant: 'on' }] }));
    snap.segments = { beta: { key: 'beta', included: ['u1'], conditions: [] } };
    expect(validateSnapshot(snap)).toEqual([]);
  });
});
