/** The UI's pure model: status at a glance, clean-up hints, draft rebasing, diffs, descriptions. */
import { describe, expect, it } from 'vitest';
import type { FlagConfig } from '@switchboard/api-client';
import { asSimpleRollout, changedFields, configToDraft, draftToFields, rebase } from './config-draft';
import { describeRule } from './describe';
import { diff } from './diff';
import { cleanupHint, flagStatus, timeAgo } from './status';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);

function config(overrides: Partial<FlagConfig> = {}): FlagConfig {
  return {
    flag: 'f',
    environment: 'production',
    version: 3,
    enabled: true,
    offVariant: 'off',
    fallthrough: { variant: 'off' },
    rules: [],
    prerequisites: [],
    salt: 'f',
    updatedAt: new Date(NOW).toISOString(),
    ...overrides,
  };
}

const status = (c: FlagConfig) => flagStatus({ ...c, ruleCount: c.rules.length, prerequisiteCount: c.prerequisites.length });

describe('status at a glance', () => {
  it('off, on, rolling out n %, targeted', () => {
    expect(status(config({ enabled: false })).label).toBe('Off');
    expect(status(config({ fallthrough: { variant: 'on' } })).label).toBe('On');
    expect(status(config({ fallthrough: { variant: 'off' } })).label).toBe('On · off');
    const rollout = config({
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 12_345 },
          { variant: 'off', weight: 87_655 },
        ],
      },
    });
    expect(status(rollout)).toMatchObject({ kind: 'rollout', label: 'Rolling out 12.345%', detail: '12.345% on, rest off' });
    const targeted = config({ rules: [{ id: 'r', conditions: [], serve: { variant: 'on' } }] });
    expect(status(targeted)).toMatchObject({ kind: 'targeted', label: 'Targeted · 1 rule', detail: 'else serves off' });
    const split = config({
      fallthrough: {
        rollout: [
          { variant: 'a', weight: 1 },
          { variant: 'b', weight: 1 },
          { variant: 'off', weight: 1 },
        ],
      },
    });
    expect(status(split).label).toBe('Split 3 ways');
  });

  it('a 100 % rollout of one variant is fully rolled out', () => {
    const full = config({
      fallthrough: {
        rollout: [
          { variant: 'on', weight: 100_000 },
          { variant: 'off', weight: 0 },
        ],
      },
    });
    expect(status(full)).toMatchObject({ kind: 'on', fullyRolledOut: true });
    expect(status(config({ fallthrough: { variant: 'on' }, prerequisites: [{ flag: 'x', variant: 'on' }] })).fullyRolledOut).toBe(false);
  });
});

describe('clean-up candidates', () => {
  const at = (days: number) => new Date(NOW - days * DAY).toISOString();
  it('flags fully rolled out for two weeks or unchanged for two months', () => {
    const full = status(config({ fallthrough: { variant: 'on' } }));
    expect(cleanupHint({ temporary: true, status: full, lastChangeAt: at(13) }, NOW)).toBeUndefined();
    expect(cleanupHint({ temporary: true, status: full, lastChangeAt: at(15) }, NOW)).toMatchObject({
      reason: 'rolled-out',
      text: 'Fully rolled out for 15 days',
    });
    const off = status(config({ enabled: false }));
    expect(cleanupHint({ temporary: true, status: off, lastChangeAt: at(59) }, NOW)).toBeUndefined();
    expect(cleanupHint({ temporary: true, status: off, lastChangeAt: at(61) }, NOW)).toMatchObject({
      reason: 'stale',
      text: 'Unchanged for 61 days',
    });
  });

  it('never permanent flags', () => {
    expect(
      cleanupHint({ temporary: false, status: status(config({ fallthrough: { variant: 'on' } })), lastChangeAt: at(400) }, NOW),
    ).toBeUndefined();
  });

  it('says when, briefly', () => {
    expect(timeAgo(new Date(NOW - 10_000).toISOString(), NOW)).toBe('just now');
    expect(timeAgo(new Date(NOW - 5 * 60_000).toISOString(), NOW)).toBe('5 min ago');
    expect(timeAgo(new Date(NOW - 3 * DAY).toISOString(), NOW)).toBe('3 days ago');
  });
});

describe('editing a config while others save', () => {
  const variants = ['on', 'off'];
  const base = configToDraft(config(), variants);

  it('keeps our edits on top of their changes to other fields', () => {
    const mine = {
      ...base,
      rules: configToDraft(config({ rules: [{ id: 'x', conditions: [], serve: { variant: 'on' } }] }), variants).rules,
    };
    const latest = configToDraft(config({ version: 4, fallthrough: { variant: 'on' } }), variants);
    const r = rebase(base, mine, latest);
    expect(r).toMatchObject({ conflicts: [], ours: ['rules'], theirs: ['fallthrough'] });
    const { fields, errors } = draftToFields(r.draft, true, { variants });
    expect(errors).toEqual({});
    expect(fields.fallthrough).toEqual({ variant: 'on' });
    expect(fields.rules.map((x) => x.id)).toEqual(['x']);
  });

  it('reports a field both changed as a conflict, and keeps ours', () => {
    const mine = { ...base, fallthrough: { ...base.fallthrough, mode: 'variant' as const, variant: 'on' } };
    const latest = configToDraft(
      config({
        version: 4,
        fallthrough: {
          rollout: [
            { variant: 'on', weight: 40_000 },
            { variant: 'off', weight: 60_000 },
          ],
        },
      }),
      variants,
    );
    const r = rebase(base, mine, latest);
    expect(r.conflicts).toEqual(['fallthrough']);
    expect(r.draft.fallthrough.variant).toBe('on');
  });

  it('an untouched draft has no changes; weights typed as "25" and "25.0" are the same', () => {
    expect(changedFields(base, configToDraft(config(), variants))).toEqual([]);
    const a = { ...base, fallthrough: { mode: 'rollout' as const, variant: 'on', weights: { on: '25', off: '75' }, bucketBy: '' } };
    const b = { ...base, fallthrough: { mode: 'rollout' as const, variant: 'on', weights: { on: '25.0', off: '75' }, bucketBy: '' } };
    expect(changedFields(a, b)).toEqual([]);
  });

  it('uses the rollout route when only the default rule became "n % of one variant"', () => {
    const draft = { ...base, fallthrough: { mode: 'rollout' as const, variant: 'on', weights: { on: '25', off: '75' }, bucketBy: '' } };
    const { fields } = draftToFields(draft, true, { variants });
    expect(asSimpleRollout(base, draft, fields)).toEqual({ variant: 'on', percentage: 25 });
    const withRule = {
      ...draft,
      rules: configToDraft(config({ rules: [{ id: 'x', conditions: [], serve: { variant: 'on' } }] }), variants).rules,
    };
    expect(asSimpleRollout(base, withRule, draftToFields(withRule, true, { variants }).fields)).toBeUndefined();
  });

  it('checks prerequisites against the flags that exist', () => {
    const draft = {
      ...base,
      prerequisites: [
        { flag: 'f', variant: 'on' },
        { flag: 'other', variant: 'maybe' },
        { flag: 'gone', variant: 'on' },
      ],
    };
    const { errors } = draftToFields(draft, true, { variants, flags: { f: variants, other: ['on', 'off'] }, flagKey: 'f' });
    expect(errors).toEqual({
      'prerequisites[0].flag': 'A flag cannot require itself',
      'prerequisites[1].variant': '"maybe" is not a variant of other',
      'prerequisites[2].flag': 'Flag "gone" does not exist',
    });
  });
});

describe('diffs and descriptions', () => {
  it('lists changed fields by path', () => {
    expect(
      diff(
        { enabled: true, rules: [{ id: 'a', values: ['x'] }], updatedAt: 1 },
        { enabled: false, rules: [{ id: 'a', values: ['x', 'y'] }], updatedAt: 2 },
        { ignore: ['updatedAt'] },
      ),
    ).toEqual([
      { path: 'enabled', before: true, after: false },
      { path: 'rules[0].values', before: ['x'], after: ['x', 'y'] },
    ]);
  });

  it('describes a rule in words', () => {
    expect(
      describeRule(
        {
          id: 'eu',
          conditions: [
            { attribute: 'country', operator: 'in', values: ['DE', 'FR'] },
            { attribute: 'email', operator: 'endsWith', values: ['@acme.com'], negate: true, caseInsensitive: true },
          ],
          serve: {
            rollout: [
              { variant: 'on', weight: 50_000 },
              { variant: 'off', weight: 50_000 },
            ],
          },
        },
        'off',
      ),
    ).toBe('eu: country is one of DE, FR and not email ends with @acme.com (any case) → 50% on, rest off');
  });
});

describe('rollouts keep their variant order (bucketing depends on it)', () => {
  it('a rules-only edit sends the default rule rollout in the order the server holds it', () => {
    // What `PUT …/rollout {"variant": "treatment", "percentage": 10}` writes: the served variant first.
    const rollout = [
      { variant: 'treatment', weight: 10_000 },
      { variant: 'control', weight: 90_000 },
    ];
    const c = config({ offVariant: 'control', fallthrough: { rollout } });
    const variants = ['control', 'treatment'];
    const draft = configToDraft(c, variants);
    const { fields, errors } = draftToFields({ ...draft, salt: 'new-salt' }, true, { variants });
    expect(errors).toEqual({});
    expect(fields.fallthrough).toEqual({ rollout });
  });

  it('a rule serving a rollout keeps its order too', () => {
    const rollout = [
      { variant: 'off', weight: 75_000 },
      { variant: 'on', weight: 25_000 },
    ];
    const c = config({
      rules: [{ id: 'eu', conditions: [{ attribute: 'country', operator: 'in', values: ['DE'] }], serve: { rollout, bucketBy: 'userId' } }],
    });
    const { fields } = draftToFields(configToDraft(c, ['on', 'off']), true, { variants: ['on', 'off'] });
    expect(fields.rules[0]!.serve).toEqual({ rollout, bucketBy: 'userId' });
  });
});
