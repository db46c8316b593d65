// Generates cases/evaluation.json: whole-flag evaluation against full snapshots.
// Expectations are written by hand, except the variants served by rollouts, which are computed
// with the reference bucketing so they are right by construction.

import { assign } from './bucketing-reference.mjs';
import { readSpecVersion, writeCaseFile } from './case-file.mjs';

const cases = [];
const names = new Set();

// ---------------------------------------------------------------------------------------------
// Builders (keys in the documented order)

function flag(key, props = {}) {
  const f = {
    key,
    version: props.version ?? 1,
    type: props.type ?? 'boolean',
    enabled: props.enabled ?? true,
    variants: props.variants ?? { on: true, off: false },
    offVariant: props.offVariant ?? 'off',
  };
  if (props.salt !== undefined) f.salt = props.salt;
  if (props.prerequisites !== undefined) f.prerequisites = props.prerequisites;
  if (props.rules !== undefined) f.rules = props.rules;
  f.fallthrough = props.fallthrough ?? { variant: 'on' };
  if (props.clientSide !== undefined) f.clientSide = props.clientSide;
  return f;
}

function snapshot(flags, segments) {
  const s = { schemaVersion: 1, environment: 'spec', revision: 1, flags: {} };
  for (const f of flags) s.flags[f.key] = f;
  if (segments) {
    s.segments = {};
    for (const seg of segments) s.segments[seg.key] = seg;
  }
  return s;
}

const cond = (attribute, operator, values, negate) =>
  negate === undefined ? { attribute, operator, values } : { attribute, operator, values, negate };
const rule = (id, conditions, serve) => ({ id, conditions, serve });
const fixed = (variant) => ({ variant });
const rollout = (weights, bucketBy) => {
  const serve = { rollout: weights.map(([variant, weight]) => ({ variant, weight })) };
  if (bucketBy !== undefined) serve.bucketBy = bucketBy;
  return serve;
};
const prereq = (flagKey, variant) => ({ flag: flagKey, variant });

// Expected results
const served = (value, variant, reason, ruleId) => (ruleId === undefined ? { value, variant, reason } : { value, variant, reason, ruleId });
const error = (value, errorCode) => ({ value, reason: 'ERROR', errorCode });

// Flags that are malformed on purpose (missing variants, bad rollout weights). Cases whose
// snapshot holds one list it in `malformedFlags`, so the shape check can tell deliberate
// breakage from a typo.
const MALFORMED = new Set([
  'no-off-variant',
  'half-edited',
  'broken-dependency',
  'm-fallthrough',
  'm-rule',
  'm-unreached',
  'm-rollout-variant',
  'm-zero',
  'm-negative',
  'm-fraction',
  'm-empty-rollout',
  'm-rule-zero',
  'm-off',
  'm-string',
]);

function add(name, snap, flagKey, context, defaultValue, expected) {
  if (names.has(name)) throw new Error(`duplicate case name: ${name}`);
  names.add(name);
  const entry = { name, snapshot: snap, flag: flagKey, context, default: defaultValue, expected };
  const malformedFlags = Object.keys(snap.flags).filter((key) => MALFORMED.has(key));
  if (malformedFlags.length > 0) entry.malformedFlags = malformedFlags;
  cases.push(entry);
}

/** Expected result of a rollout, computed with the reference bucketing. */
function split(f, serve, context, ruleId) {
  const attribute = serve.bucketBy ?? 'userId';
  const { variant } = assign(f.salt ?? f.key, context[attribute], serve.rollout);
  return served(f.variants[variant], variant, 'SPLIT', ruleId);
}

/** First id in a deterministic list for which `test` holds; fails if none does. */
function findUser(prefix, test) {
  for (let n = 1; n <= 10_000; n += 1) {
    const id = `${prefix}-${n}`;
    if (test(id)) return id;
  }
  throw new Error(`no ${prefix} user satisfies the condition`);
}

// ---------------------------------------------------------------------------------------------
// Unknown flag

{
  const snap = snapshot([flag('present')]);
  add('unknown flag returns the boolean default', snap, 'absent', { userId: 'u-1' }, true, error(true, 'FLAG_NOT_FOUND'));
  add('unknown flag returns the string default', snap, 'absent', { userId: 'u-1' }, 'fallback', error('fallback', 'FLAG_NOT_FOUND'));
  add('unknown flag returns the object default', snap, 'absent', {}, { limit: 3 }, error({ limit: 3 }, 'FLAG_NOT_FOUND'));
  add('unknown flag in an empty snapshot', snapshot([]), 'anything', {}, 0, error(0, 'FLAG_NOT_FOUND'));
}

// ---------------------------------------------------------------------------------------------
// Static flags of every type

{
  const bool = flag('dark-mode');
  const str = flag('checkout-theme', {
    type: 'string',
    variants: { classic: 'classic', neon: 'neon' },
    offVariant: 'classic',
    fallthrough: fixed('neon'),
  });
  const num = flag('max-items', { type: 'number', variants: { small: 10, large: 25 }, offVariant: 'small', fallthrough: fixed('large') });
  const frac = flag('sample-rate', { type: 'number', variants: { none: 0, half: 0.5 }, offVariant: 'none', fallthrough: fixed('half') });
  const obj = flag('banner', {
    type: 'json',
    variants: { none: {}, sale: { text: 'Winter sale', discount: 20, colors: ['red', 'white'], dismissible: true } },
    offVariant: 'none',
    fallthrough: fixed('sale'),
  });
  const arr = flag('regions', { type: 'json', variants: { none: [], eu: ['DE', 'FR'] }, offVariant: 'none', fallthrough: fixed('eu') });
  const nul = flag('legacy-config', {
    type: 'json',
    variants: { unset: null, set: { v: 1 } },
    offVariant: 'set',
    fallthrough: fixed('unset'),
  });
  const empty = flag('empty-lists', { rules: [], prerequisites: [] });
  const snap = snapshot([bool, str, num, frac, obj, arr, nul, empty]);
  add('boolean flag with no rules is STATIC', snap, 'dark-mode', { userId: 'u-1' }, false, served(true, 'on', 'STATIC'));
  add('string flag with no rules is STATIC', snap, 'checkout-theme', { userId: 'u-1' }, 'fallback', served('neon', 'neon', 'STATIC'));
  add('number flag with no rules is STATIC', snap, 'max-items', {}, 1, served(25, 'large', 'STATIC'));
  add('number flag with a fractional value', snap, 'sample-rate', {}, 1, served(0.5, 'half', 'STATIC'));
  add('json flag serving an object', snap, 'banner', {}, {}, served(obj.variants.sale, 'sale', 'STATIC'));
  add('json flag serving an array, array default', snap, 'regions', {}, [], served(['DE', 'FR'], 'eu', 'STATIC'));
  add('json flag serving null, null default', snap, 'legacy-config', {}, null, served(null, 'unset', 'STATIC'));
  add('empty rules and prerequisites lists are STATIC', snap, 'empty-lists', {}, false, served(true, 'on', 'STATIC'));
  add('context is not needed for a static flag', snap, 'dark-mode', {}, false, served(true, 'on', 'STATIC'));
}

// ---------------------------------------------------------------------------------------------
// Default value of the wrong type

{
  const snap = snapshot([
    flag('bool-flag'),
    flag('string-flag', { type: 'string', variants: { a: 'alpha', b: 'beta' }, offVariant: 'a', fallthrough: fixed('b') }),
    flag('number-flag', { type: 'number', variants: { low: 1, high: 2 }, offVariant: 'low', fallthrough: fixed('high') }),
    flag('json-flag', { type: 'json', variants: { off: {}, on: { a: 1 } }, offVariant: 'off', fallthrough: fixed('on') }),
    flag('disabled-bool', { enabled: false }),
  ]);
  const mismatches = [
    ['bool-flag', 'string', 'true'],
    ['bool-flag', 'number', 1],
    ['bool-flag', 'null', null],
    ['bool-flag', 'object', { on: true }],
    ['bool-flag', 'array', [true]],
    ['string-flag', 'boolean', true],
    ['string-flag', 'number', 0],
    ['string-flag', 'object', { a: 'alpha' }],
    ['string-flag', 'null', null],
    ['number-flag', 'string', '5'],
    ['number-flag', 'boolean', false],
    ['number-flag', 'null', null],
    ['number-flag', 'array', [1]],
    ['json-flag', 'boolean', true],
    ['json-flag', 'string', '{}'],
    ['json-flag', 'number', 3],
  ];
  for (const [key, kind, value] of mismatches) {
    add(
      `${key.replace('-flag', '')} flag with a ${kind} default is TYPE_MISMATCH`,
      snap,
      key,
      { userId: 'u-1' },
      value,
      error(value, 'TYPE_MISMATCH'),
    );
  }
  add('json flag accepts an array default', snap, 'json-flag', {}, [], served({ a: 1 }, 'on', 'STATIC'));
  add('json flag accepts a null default', snap, 'json-flag', {}, null, served({ a: 1 }, 'on', 'STATIC'));
  add('type is checked before the kill switch', snap, 'disabled-bool', {}, 'no', error('no', 'TYPE_MISMATCH'));
}

// ---------------------------------------------------------------------------------------------
// Kill switch

{
  const staffRule = rule('staff', [cond('email', 'endsWith', ['@acme.com'])], fixed('on'));
  const killed = flag('new-checkout', { enabled: false, rules: [staffRule], prerequisites: [prereq('missing-flag', 'on')] });
  const killedJson = flag('layout', {
    type: 'json',
    enabled: false,
    variants: { legacy: { columns: 1 }, grid: { columns: 3 } },
    offVariant: 'legacy',
    fallthrough: fixed('grid'),
  });
  const killedBroken = flag('half-edited', { enabled: false, rules: [rule('r1', [], fixed('ghost'))] });
  const killedNoOff = flag('no-off-variant', { enabled: false, offVariant: 'ghost' });
  const snap = snapshot([killed, killedJson, killedBroken, killedNoOff]);
  add(
    'disabled flag serves the off variant even when a rule matches',
    snap,
    'new-checkout',
    { userId: 'u-1', email: 'a@acme.com' },
    true,
    served(false, 'off', 'DISABLED'),
  );
  add('disabled flag does not look at prerequisites', snap, 'new-checkout', { userId: 'u-2' }, true, served(false, 'off', 'DISABLED'));
  add('disabled json flag serves its off object', snap, 'layout', {}, {}, served({ columns: 1 }, 'legacy', 'DISABLED'));
  add('disabled flag with a broken rule still serves the off variant', snap, 'half-edited', {}, true, served(false, 'off', 'DISABLED'));
  add('disabled flag whose off variant does not exist is PARSE_ERROR', snap, 'no-off-variant', {}, true, error(true, 'PARSE_ERROR'));
}

// ---------------------------------------------------------------------------------------------
// Rules

{
  const targeted = flag('new-checkout', {
    fallthrough: fixed('off'),
    rules: [
      rule('staff', [cond('email', 'endsWith', ['@acme.com'])], fixed('on')),
      rule('beta-de', [cond('country', 'in', ['DE']), cond('beta', 'in', [true])], fixed('on')),
      rule('blocked', [cond('country', 'in', ['DE'])], fixed('off')),
    ],
  });
  const theme = flag('checkout-theme', {
    type: 'string',
    variants: { classic: 'classic', neon: 'neon', pastel: 'pastel' },
    offVariant: 'classic',
    fallthrough: fixed('classic'),
    rules: [rule('everyone-first', [], fixed('pastel')), rule('never-reached', [cond('userId', 'in', ['u-1'])], fixed('neon'))],
  });
  const limits = flag('max-items', {
    type: 'number',
    variants: { standard: 10, minor: 3, enterprise: 500 },
    offVariant: 'standard',
    fallthrough: fixed('standard'),
    rules: [
      rule('minors', [cond('age', 'lt', [18])], fixed('minor')),
      rule('not-free', [cond('plan', 'in', ['free'], true)], fixed('enterprise')),
    ],
  });
  const snap = snapshot([targeted, theme, limits]);
  add(
    'first rule matches: TARGETING_MATCH with its id',
    snap,
    'new-checkout',
    { userId: 'u-1', email: 'a@acme.com', country: 'DE' },
    false,
    served(true, 'on', 'TARGETING_MATCH', 'staff'),
  );
  add(
    'first matching rule wins over later matching rules',
    snap,
    'new-checkout',
    { userId: 'u-2', email: 'b@acme.com', country: 'DE', beta: true },
    false,
    served(true, 'on', 'TARGETING_MATCH', 'staff'),
  );
  add(
    'all conditions of a rule must match',
    snap,
    'new-checkout',
    { userId: 'u-3', country: 'DE', beta: true },
    false,
    served(true, 'on', 'TARGETING_MATCH', 'beta-de'),
  );
  add(
    'a rule with one failing condition is skipped',
    snap,
    'new-checkout',
    { userId: 'u-4', country: 'DE', beta: false },
    true,
    served(false, 'off', 'TARGETING_MATCH', 'blocked'),
  );
  add(
    'no rule matches: fallthrough is DEFAULT',
    snap,
    'new-checkout',
    { userId: 'u-5', country: 'US' },
    true,
    served(false, 'off', 'DEFAULT'),
  );
  add('empty context falls through', snap, 'new-checkout', {}, true, served(false, 'off', 'DEFAULT'));
  add(
    'rule with empty conditions matches everyone',
    snap,
    'checkout-theme',
    {},
    'x',
    served('pastel', 'pastel', 'TARGETING_MATCH', 'everyone-first'),
  );
  add(
    'rule after an empty-conditions rule is never reached',
    snap,
    'checkout-theme',
    { userId: 'u-1' },
    'x',
    served('pastel', 'pastel', 'TARGETING_MATCH', 'everyone-first'),
  );
  add('number flag served by a rule', snap, 'max-items', { age: 12 }, 0, served(3, 'minor', 'TARGETING_MATCH', 'minors'));
  add(
    'invalid condition does not match, next rule is tried',
    snap,
    'max-items',
    { age: 'twelve', plan: 'team' },
    0,
    served(500, 'enterprise', 'TARGETING_MATCH', 'not-free'),
  );
  add('negated condition matches a missing attribute', snap, 'max-items', {}, 0, served(500, 'enterprise', 'TARGETING_MATCH', 'not-free'));
  add('negated condition does not match', snap, 'max-items', { plan: 'free' }, 0, served(10, 'standard', 'DEFAULT'));
}

// ---------------------------------------------------------------------------------------------
// Segments

{
  const segments = [
    { key: 'beta-testers', included: ['u-beta'], excluded: ['u-banned'], conditions: [cond('plan', 'in', ['beta'])] },
    { key: 'internal', conditions: [cond('email', 'endsWith', ['@acme.com'])] },
    { key: 'internal-beta', conditions: [cond('userId', 'inSegment', ['internal']), cond('userId', 'inSegment', ['beta-testers'])] },
  ];
  const f = flag('search-v2', {
    fallthrough: fixed('off'),
    rules: [
      rule('internal-beta', [cond('userId', 'inSegment', ['internal-beta'])], fixed('on')),
      rule('beta', [cond('userId', 'inSegment', ['beta-testers'])], fixed('on')),
      rule('missing-segment', [cond('userId', 'inSegment', ['no-such-segment'])], fixed('on')),
    ],
  });
  const snap = snapshot([f], segments);
  add(
    'segment member through the included list',
    snap,
    'search-v2',
    { userId: 'u-beta' },
    false,
    served(true, 'on', 'TARGETING_MATCH', 'beta'),
  );
  add(
    'segment member through conditions',
    snap,
    'search-v2',
    { userId: 'u-7', plan: 'beta' },
    false,
    served(true, 'on', 'TARGETING_MATCH', 'beta'),
  );
  add(
    'segment excluded user falls through',
    snap,
    'search-v2',
    { userId: 'u-banned', plan: 'beta' },
    true,
    served(false, 'off', 'DEFAULT'),
  );
  add(
    'nested segments',
    snap,
    'search-v2',
    { userId: 'u-8', plan: 'beta', email: 'x@acme.com' },
    false,
    served(true, 'on', 'TARGETING_MATCH', 'internal-beta'),
  );
  add('rule on an unknown segment does not match', snap, 'search-v2', { userId: 'u-9' }, true, served(false, 'off', 'DEFAULT'));
}

// ---------------------------------------------------------------------------------------------
// Rollouts

{
  const f = flag('new-checkout', {
    fallthrough: rollout([
      ['on', 50000],
      ['off', 50000],
    ]),
  });
  const tenPercent = flag('search-ranking', {
    type: 'string',
    variants: { control: 'bm25', treatment: 'vector' },
    offVariant: 'control',
    fallthrough: rollout([
      ['treatment', 10000],
      ['control', 90000],
    ]),
  });
  const everyone = flag('all-in', {
    fallthrough: rollout([
      ['off', 0],
      ['on', 100000],
    ]),
  });
  const byAccount = flag('billing-v2', {
    fallthrough: rollout(
      [
        ['on', 50000],
        ['off', 50000],
      ],
      'accountNumber',
    ),
  });
  const snap = snapshot([f, tenPercent, everyone, byAccount]);
  const onUser = findUser('user', (id) => assign('new-checkout', id, f.fallthrough.rollout).variant === 'on');
  const offUser = findUser('user', (id) => assign('new-checkout', id, f.fallthrough.rollout).variant === 'off');
  for (const userId of [onUser, offUser, 'u-42', 'ünïcødé-user', '用户-7', '👩‍💻-dev']) {
    add(`fallthrough rollout 50/50 for ${userId}`, snap, 'new-checkout', { userId }, false, split(f, f.fallthrough, { userId }));
  }
  for (const userId of [
    'alice',
    'bob',
    findUser('visitor', (id) => assign('search-ranking', id, tenPercent.fallthrough.rollout).variant === 'treatment'),
  ]) {
    add(
      `string flag 10% rollout for ${userId}`,
      snap,
      'search-ranking',
      { userId },
      'x',
      split(tenPercent, tenPercent.fallthrough, { userId }),
    );
  }
  add('rollout with a zero-weight variant serves the other', snap, 'all-in', { userId: 'u-1' }, false, served(true, 'on', 'SPLIT'));
  add('rollout without userId serves the off variant', snap, 'new-checkout', { country: 'DE' }, true, served(false, 'off', 'DEFAULT'));
  add(
    'rollout bucketBy a number attribute hashes String(number)',
    snap,
    'billing-v2',
    { userId: 'u-1', accountNumber: 4711 },
    false,
    split(byAccount, byAccount.fallthrough, { accountNumber: 4711 }),
  );
  add(
    'rollout bucketBy a null attribute: treated as missing',
    snap,
    'billing-v2',
    { userId: 'u-1', accountNumber: null },
    true,
    served(false, 'off', 'DEFAULT'),
  );
  add(
    'rollout bucketBy a boolean attribute: treated as missing',
    snap,
    'billing-v2',
    { userId: 'u-1', accountNumber: true },
    true,
    served(false, 'off', 'DEFAULT'),
  );
  add(
    'rollout bucketBy an object attribute: treated as missing',
    snap,
    'billing-v2',
    { userId: 'u-1', accountNumber: { id: 4711 } },
    true,
    served(false, 'off', 'DEFAULT'),
  );
  add(
    'rollout bucketBy a missing attribute does not fall back to userId',
    snap,
    'billing-v2',
    { userId: 'u-1' },
    true,
    served(false, 'off', 'DEFAULT'),
  );
}

{
  const f = flag('pricing-page', {
    type: 'string',
    variants: { old: 'v1', a: 'v2-a', b: 'v2-b' },
    offVariant: 'old',
    fallthrough: fixed('old'),
    rules: [
      rule(
        'eu-accounts',
        [cond('country', 'in', ['DE', 'FR'])],
        rollout(
          [
            ['a', 50000],
            ['b', 50000],
          ],
          'accountId',
        ),
      ),
      rule(
        'staff',
        [cond('email', 'endsWith', ['@acme.com'])],
        rollout([
          ['a', 1],
          ['b', 2],
          ['old', 1],
        ]),
      ),
    ],
  });
  const snap = snapshot([f]);
  const euServe = f.rules[0].serve;
  const accountA = findUser('acct', (id) => assign('pricing-page', id, euServe.rollout).variant === 'a');
  const accountB = findUser('acct', (id) => assign('pricing-page', id, euServe.rollout).variant === 'b');
  for (const accountId of [accountA, accountB]) {
    const context = { userId: 'u-1', country: 'DE', accountId };
    add(`rule rollout bucketBy accountId (${accountId})`, snap, 'pricing-page', context, 'x', split(f, euServe, context, 'eu-accounts'));
  }
  add(
    'users of one account share a bucket',
    snap,
    'pricing-page',
    { userId: 'u-2', country: 'FR', accountId: accountA },
    'x',
    split(f, euServe, { accountId: accountA }, 'eu-accounts'),
  );
  add(
    'rule rollout with its bucketBy attribute missing serves the off variant',
    snap,
    'pricing-page',
    { userId: 'u-1', country: 'DE' },
    'x',
    served('v1', 'old', 'DEFAULT'),
  );
  for (const userId of ['u-10', 'u-11']) {
    const context = { userId, email: `${userId}@acme.com` };
    add(
      `rule rollout bucketed by userId by default (${userId})`,
      snap,
      'pricing-page',
      context,
      'x',
      split(f, f.rules[1].serve, context, 'staff'),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Salt

{
  const weights = [
    ['on', 50000],
    ['off', 50000],
  ];
  const a = flag('checkout-step-1', { salt: 'checkout-experiment', fallthrough: rollout(weights) });
  const b = flag('checkout-step-2', { salt: 'checkout-experiment', fallthrough: rollout(weights) });
  const unsalted = flag('anonymous-split', { salt: '', fallthrough: rollout(weights) });
  const explicitKey = flag('explicit-key-salt', { salt: 'explicit-key-salt', fallthrough: rollout(weights) });
  const snap = snapshot([a, b, unsalted, explicitKey]);
  const r = a.fallthrough.rollout;
  // Users for whom the shared salt decides differently than each flag's own key would.
  const sharedOn = findUser(
    'shopper',
    (id) =>
      assign('checkout-experiment', id, r).variant === 'on' &&
      assign('checkout-step-1', id, r).variant === 'off' &&
      assign('checkout-step-2', id, r).variant === 'off',
  );
  const sharedOff = findUser(
    'shopper',
    (id) =>
      assign('checkout-experiment', id, r).variant === 'off' &&
      assign('checkout-step-1', id, r).variant === 'on' &&
      assign('checkout-step-2', id, r).variant === 'on',
  );
  for (const userId of [sharedOn, sharedOff]) {
    add(`shared salt: ${userId} in checkout-step-1`, snap, 'checkout-step-1', { userId }, false, split(a, a.fallthrough, { userId }));
    add(`shared salt: ${userId} in checkout-step-2`, snap, 'checkout-step-2', { userId }, false, split(b, b.fallthrough, { userId }));
  }
  const emptySaltUser = findUser('guest', (id) => assign('', id, r).variant !== assign('anonymous-split', id, r).variant);
  add(
    'empty salt hashes the value alone',
    snap,
    'anonymous-split',
    { userId: emptySaltUser },
    false,
    split(unsalted, unsalted.fallthrough, { userId: emptySaltUser }),
  );
  add(
    'salt equal to the key buckets like the default',
    snap,
    'explicit-key-salt',
    { userId: 'u-1' },
    false,
    split(explicitKey, explicitKey.fallthrough, { userId: 'u-1' }),
  );
}

// ---------------------------------------------------------------------------------------------
// Prerequisites

{
  const payments = flag('payments-v2', {
    fallthrough: fixed('off'),
    rules: [rule('de', [cond('country', 'in', ['DE'])], fixed('on'))],
  });
  const checkout = flag('new-checkout', {
    fallthrough: fixed('on'),
    prerequisites: [prereq('payments-v2', 'on')],
    rules: [rule('blocked', [cond('blocked', 'in', [true])], fixed('off'))],
  });
  const receipts = flag('receipts', { fallthrough: fixed('on'), prerequisites: [prereq('payments-v2', 'on')] });
  const orphan = flag('orphan', { prerequisites: [prereq('deleted-flag', 'on')] });
  const killedDep = flag('killed-dependency', { enabled: false });
  const needsOn = flag('needs-killed-on', { prerequisites: [prereq('killed-dependency', 'on')] });
  const needsOff = flag('needs-killed-off', { prerequisites: [prereq('killed-dependency', 'off')] });
  const theme = flag('theme', {
    type: 'string',
    variants: { light: 'light', dark: 'dark' },
    offVariant: 'light',
    fallthrough: fixed('dark'),
  });
  const needsDark = flag('dark-widgets', { prerequisites: [prereq('theme', 'dark')] });
  const both = flag('needs-both', { prerequisites: [prereq('theme', 'dark'), prereq('payments-v2', 'on')] });
  const splitDep = flag('split-dependency', {
    fallthrough: rollout([
      ['on', 50000],
      ['off', 50000],
    ]),
  });
  const needsSplit = flag('needs-split', { prerequisites: [prereq('split-dependency', 'on')] });
  const brokenDep = flag('broken-dependency', { fallthrough: fixed('ghost') });
  const needsBroken = flag('needs-broken', { prerequisites: [prereq('broken-dependency', 'on')] });
  const jsonDependent = flag('promo-config', {
    type: 'json',
    variants: { none: { promo: false }, full: { promo: true, percent: 15 } },
    offVariant: 'none',
    fallthrough: fixed('full'),
    prerequisites: [prereq('payments-v2', 'on')],
  });
  const snap = snapshot([
    payments,
    checkout,
    receipts,
    orphan,
    killedDep,
    needsOn,
    needsOff,
    theme,
    needsDark,
    both,
    splitDep,
    needsSplit,
    brokenDep,
    needsBroken,
    jsonDependent,
  ]);

  add(
    'prerequisite met: rules are evaluated',
    snap,
    'new-checkout',
    { userId: 'u-1', country: 'DE', blocked: true },
    true,
    served(false, 'off', 'TARGETING_MATCH', 'blocked'),
  );
  add(
    'prerequisite met, no rule matches: DEFAULT',
    snap,
    'new-checkout',
    { userId: 'u-1', country: 'DE' },
    false,
    served(true, 'on', 'DEFAULT'),
  );
  add(
    'prerequisite met, flag has no rules: DEFAULT, not STATIC',
    snap,
    'receipts',
    { country: 'DE' },
    false,
    served(true, 'on', 'DEFAULT'),
  );
  add(
    'prerequisite unmet: off variant',
    snap,
    'new-checkout',
    { userId: 'u-1', country: 'FR' },
    true,
    served(false, 'off', 'PREREQUISITE_FAILED'),
  );
  add(
    'prerequisite evaluated for the same context',
    snap,
    'receipts',
    { country: 'US' },
    true,
    served(false, 'off', 'PREREQUISITE_FAILED'),
  );
  add(
    'json flag with an unmet prerequisite serves its off object',
    snap,
    'promo-config',
    {},
    {},
    served({ promo: false }, 'none', 'PREREQUISITE_FAILED'),
  );
  add(
    'json flag with a met prerequisite',
    snap,
    'promo-config',
    { country: 'DE' },
    {},
    served({ promo: true, percent: 15 }, 'full', 'DEFAULT'),
  );
  add('missing prerequisite flag is unmet', snap, 'orphan', {}, true, served(false, 'off', 'PREREQUISITE_FAILED'));
  add('disabled prerequisite serves off, so "on" is unmet', snap, 'needs-killed-on', {}, true, served(false, 'off', 'PREREQUISITE_FAILED'));
  add('disabled prerequisite serves off, so "off" is met', snap, 'needs-killed-off', {}, false, served(true, 'on', 'DEFAULT'));
  add('prerequisite on a string flag variant', snap, 'dark-widgets', {}, false, served(true, 'on', 'DEFAULT'));
  add('all prerequisites must be met', snap, 'needs-both', { country: 'FR' }, true, served(false, 'off', 'PREREQUISITE_FAILED'));
  add('all prerequisites met', snap, 'needs-both', { country: 'DE' }, false, served(true, 'on', 'DEFAULT'));
  const splitOn = findUser('member', (id) => assign('split-dependency', id, splitDep.fallthrough.rollout).variant === 'on');
  const splitOff = findUser('member', (id) => assign('split-dependency', id, splitDep.fallthrough.rollout).variant === 'off');
  add(
    'prerequisite served by a rollout, in the "on" bucket',
    snap,
    'needs-split',
    { userId: splitOn },
    false,
    served(true, 'on', 'DEFAULT'),
  );
  add(
    'prerequisite served by a rollout, in the "off" bucket',
    snap,
    'needs-split',
    { userId: splitOff },
    true,
    served(false, 'off', 'PREREQUISITE_FAILED'),
  );
  add('prerequisite that fails to evaluate is unmet', snap, 'needs-broken', {}, true, served(false, 'off', 'PREREQUISITE_FAILED'));
}

{
  const c = flag('chain-c', { fallthrough: fixed('off'), rules: [rule('de', [cond('country', 'in', ['DE'])], fixed('on'))] });
  const b = flag('chain-b', { prerequisites: [prereq('chain-c', 'on')] });
  const a = flag('chain-a', {
    type: 'string',
    variants: { hidden: 'hidden', shown: 'shown' },
    offVariant: 'hidden',
    fallthrough: fixed('hidden'),
    prerequisites: [prereq('chain-b', 'on')],
    rules: [rule('vip', [cond('vip', 'in', [true])], fixed('shown'))],
  });
  const snap = snapshot([a, b, c]);
  add(
    'chain of three prerequisites, all met',
    snap,
    'chain-a',
    { country: 'DE', vip: true },
    'x',
    served('shown', 'shown', 'TARGETING_MATCH', 'vip'),
  );
  add(
    'chain of three prerequisites, last link unmet',
    snap,
    'chain-a',
    { country: 'FR', vip: true },
    'x',
    served('hidden', 'hidden', 'PREREQUISITE_FAILED'),
  );
  add('middle of the chain evaluated on its own', snap, 'chain-b', { country: 'FR' }, true, served(false, 'off', 'PREREQUISITE_FAILED'));
}

{
  const self = flag('self-loop', { prerequisites: [prereq('self-loop', 'on')] });
  const ping = flag('ping', { prerequisites: [prereq('pong', 'on')] });
  const pong = flag('pong', { prerequisites: [prereq('ping', 'on')] });
  const upstream = flag('behind-loop', { prerequisites: [prereq('ping', 'on')] });
  const snap = snapshot([self, ping, pong, upstream]);
  add('prerequisite on itself is PARSE_ERROR', snap, 'self-loop', { userId: 'u-1' }, false, error(false, 'PARSE_ERROR'));
  add('two flags requiring each other: first', snap, 'ping', { userId: 'u-1' }, false, error(false, 'PARSE_ERROR'));
  add('two flags requiring each other: second', snap, 'pong', { userId: 'u-1' }, true, error(true, 'PARSE_ERROR'));
  add('flag whose prerequisite is in a cycle is PARSE_ERROR', snap, 'behind-loop', {}, false, error(false, 'PARSE_ERROR'));
}

// ---------------------------------------------------------------------------------------------
// Edges left implicit elsewhere

{
  // An empty string is a value like any other: it buckets, it isn't "missing".
  const f = flag('empty-id', {
    fallthrough: rollout([
      ['on', 50_000],
      ['off', 50_000],
    ]),
  });
  add(
    'an empty userId is bucketed, not treated as missing',
    snapshot([f]),
    'empty-id',
    { userId: '' },
    false,
    split(f, f.fallthrough, { userId: '' }),
  );
}
{
  // Prerequisites are checked in order and the first unmet one decides, so a cycle
  // behind it is never reached.
  const unmet = flag('p-off', { enabled: false });
  const loopA = flag('p-loop-a', { prerequisites: [prereq('p-loop-b', 'on')] });
  const loopB = flag('p-loop-b', { prerequisites: [prereq('p-loop-a', 'on')] });
  const f = flag('p-first-unmet', { prerequisites: [prereq('p-off', 'on'), prereq('p-loop-a', 'on')] });
  add(
    'the first unmet prerequisite decides before a later cycle is reached',
    snapshot([unmet, loopA, loopB, f]),
    'p-first-unmet',
    {},
    true,
    served(false, 'off', 'PREREQUISITE_FAILED'),
  );
}
{
  // A disabled flag serves its off variant without looking at its prerequisites, so it
  // breaks a cycle it sits in: it reports DISABLED and the other flag's prerequisite is unmet.
  const a = flag('c-disabled', { enabled: false, prerequisites: [prereq('c-other', 'on')] });
  const b = flag('c-other', { prerequisites: [prereq('c-disabled', 'on')] });
  const snap = snapshot([a, b]);
  add('a disabled flag inside a prerequisite cycle reports DISABLED', snap, 'c-disabled', {}, true, served(false, 'off', 'DISABLED'));
  add(
    'a flag requiring a disabled flag of a cycle is unmet, not a cycle',
    snap,
    'c-other',
    {},
    true,
    served(false, 'off', 'PREREQUISITE_FAILED'),
  );
}

// ---------------------------------------------------------------------------------------------
// Malformed flags

{
  const weights = (...pairs) => rollout(pairs);
  const malformed = [
    ['fallthrough to a variant that does not exist', flag('m-fallthrough', { fallthrough: fixed('maybe') }), {}],
    ['matched rule serving a variant that does not exist', flag('m-rule', { rules: [rule('r', [], fixed('maybe'))] }), {}],
    [
      'rollout naming a variant that does not exist',
      flag('m-rollout-variant', { fallthrough: weights(['on', 50], ['maybe', 50]) }),
      { userId: 'u-1' },
    ],
    ['rollout whose weights are all zero', flag('m-zero', { fallthrough: weights(['on', 0], ['off', 0]) }), { userId: 'u-1' }],
    ['rollout with a negative weight', flag('m-negative', { fallthrough: weights(['on', -10], ['off', 110]) }), { userId: 'u-1' }],
    ['rollout with a non-integer weight', flag('m-fraction', { fallthrough: weights(['on', 0.5], ['off', 99.5]) }), { userId: 'u-1' }],
    ['rollout with no entries', flag('m-empty-rollout', { fallthrough: weights() }), { userId: 'u-1' }],
    [
      'rule rollout whose weights are all zero',
      flag('m-rule-zero', { rules: [rule('r', [], weights(['on', 0], ['off', 0]))] }),
      { userId: 'u-1' },
    ],
  ];
  // Detection is lazy: a flag is malformed for a context only where its evaluation
  // path reaches the broken part. Evaluators stay cheap (no whole-flag check per call)
  // and the server refuses such flags at write time anyway.
  const lazy = [
    flag('m-unreached', { rules: [rule('first', [], fixed('on')), rule('second', [], fixed('maybe'))] }),
    flag('m-off', { offVariant: 'ghost' }),
  ];
  const snap = snapshot([...malformed.map(([, f]) => f), ...lazy]);
  for (const [what, f, context] of malformed) {
    add(`malformed: ${what}`, snap, f.key, context, true, error(true, 'PARSE_ERROR'));
  }
  add(
    'malformed but unreached: a later rule serving a variant that does not exist',
    snap,
    'm-unreached',
    {},
    false,
    served(true, 'on', 'TARGETING_MATCH', 'first'),
  );
  add('malformed but unreached: enabled flag whose off variant does not exist', snap, 'm-off', {}, false, served(true, 'on', 'STATIC'));
  const stringBroken = flag('m-string', { type: 'string', variants: { a: 'alpha' }, offVariant: 'a', fallthrough: fixed('b') });
  add('malformed string flag returns the string default', snapshot([stringBroken]), 'm-string', {}, 'safe', error('safe', 'PARSE_ERROR'));
}

// ---------------------------------------------------------------------------------------------

writeCaseFile('evaluation.json', {
  specVersion: readSpecVersion(),
  description:
    'Whole-flag evaluation cases. Run each as evaluate(snapshot, flag, context, default) and compare with expected: ' +
    'value by deep equality; variant, errorCode and ruleId must be absent from the result when absent from expected; ' +
    'reason exactly. Rollout expectations were computed with the bucketing formula of bucketing.json. ' +
    '"malformedFlags", where present, names flags in the snapshot that are malformed on purpose (missing variants, bad weights); ' +
    'it is informational for the shape check and evaluators ignore it.',
  cases,
});
console.log(`evaluation.json: ${cases.length} cases`);
