// Generates cases/bucketing.json: hash, bucket and variant vectors for the bucketing formula.
// Deterministic: every pseudo-random choice comes from the seeded generator below.

import { assign, bucketOf, referenceHash, totalWeight, verifyReferenceHash } from './bucketing-reference.mjs';
import { readSpecVersion, writeCaseFile } from './case-file.mjs';

/** xorshift32 seeded through one round of an integer mixer; plenty for picking test inputs. */
function createRandom(seed) {
  let state = seed >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x7feb352d);
  state = Math.imul(state ^ (state >>> 15), 0x846ca68b);
  state = (state ^ (state >>> 16)) >>> 0 || 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const int = (n) => next() % n;
  return {
    int,
    between: (min, max) => min + int(max - min + 1),
    pick: (items) => items[int(items.length)],
  };
}

const random = createRandom(20240102);

// ---------------------------------------------------------------------------------------------
// Inputs

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';

function randomString(alphabet, length) {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[random.int(alphabet.length)];
  return out;
}

function asciiValue() {
  switch (random.int(6)) {
    case 0:
      return `user-${random.int(1_000_000)}`;
    case 1: {
      const h = (n) => randomString(HEX, n);
      return `${h(8)}-${h(4)}-4${h(3)}-${'89ab'[random.int(4)]}${h(3)}-${h(12)}`;
    }
    case 2:
      return `${randomString('abcdefghijklmnopqrstuvwxyz', random.between(3, 10))}@${random.pick(['acme.com', 'example.org', 'globex.io'])}`;
    case 3:
      return randomString(ALNUM, random.between(1, 16));
    case 4:
      return `account:${random.int(100_000)}/device:${randomString(HEX, 6)}`;
    default:
      return randomString(' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' + ALNUM, random.between(1, 24));
  }
}

// Pieces that need more than one UTF-8 byte: Latin, Cyrillic, Greek, CJK, Hangul, RTL scripts,
// Devanagari, Thai, and a decomposed "é" (e + combining acute) next to the precomposed one.
const NON_ASCII_PIECES = [
  'é',
  'ü',
  'ñ',
  'ß',
  'ø',
  'Å',
  'ç',
  'e\u0301',
  'Жанна',
  'дом',
  'Ωμέγα',
  '用户',
  '测试',
  '日本語',
  'ユーザー',
  '한국어',
  'שלום',
  'משתמש',
  'مرحبا',
  'مستخدم',
  'नमस्ते',
  'ทดสอบ',
  '€',
  '№',
];

// Astral-plane code points (surrogate pairs in UTF-16), skin tones, ZWJ sequences, flags,
// variation selectors.
const EMOJI_PIECES = ['😀', '🚀', '🧪', '👍🏽', '👨‍👩‍👧', '🇩🇪', '🇯🇵', '❤️', '🏳️‍🌈', '𝔘𝔫𝔦', '🦄'];

function nonAsciiValue() {
  const parts = [];
  const count = random.between(1, 4);
  for (let i = 0; i < count; i += 1) {
    parts.push(random.int(3) === 0 ? randomString(ALNUM, random.between(1, 5)) : random.pick(NON_ASCII_PIECES));
  }
  return parts.join(random.pick(['', '-', ' ', '_']));
}

function emojiValue() {
  const parts = [];
  const count = random.between(1, 3);
  for (let i = 0; i < count; i += 1) {
    parts.push(random.int(2) === 0 ? random.pick(EMOJI_PIECES) : `user-${random.int(10_000)}`);
  }
  return parts.join('');
}

function longValue() {
  const target = random.between(200, 420);
  let out = '';
  while (out.length < target) {
    const roll = random.int(5);
    if (roll === 0) out += random.pick(NON_ASCII_PIECES);
    else if (roll === 1) out += random.pick(EMOJI_PIECES);
    else out += randomString(ALNUM + '-_.', random.between(4, 20));
  }
  return out;
}

// Numbers are stored as JSON numbers and hashed as ECMAScript String(n):
// 1e21 -> "1e+21", 1e-7 -> "1e-7", 0.1 -> "0.1", 100 -> "100".
const SPECIAL_NUMBERS = [
  0, 1, 42, -1, -42, 7, 100, 1000, 123456789, 2147483647, 2147483648, 4294967295, 4294967296, 9007199254740991, -9007199254740991, 1.5, 0.1,
  0.5, -2.25, 3.14159, 12.34, 0.001, 1e21, 1.5e300, 1e-7, 1.23e-18, 5e-324,
];

function numberValue() {
  switch (random.int(4)) {
    case 0:
      return random.pick(SPECIAL_NUMBERS);
    case 1:
      return random.int(1_000_000_000);
    case 2:
      return -random.between(1, 100_000);
    default:
      // Two decimal places: the shortest round-trip form is the same in every mainstream runtime.
      return random.between(0, 999_999) / 100;
  }
}

const FLAG_KEYS = [
  'new-checkout',
  'checkout-theme',
  'max-items',
  'search-ranking-v2',
  'pricing.experiment',
  'onboarding_flow',
  'ünïcode-flag',
  '旗標-beta',
];

function saltFor(index) {
  // Every eighth case or so uses an empty salt; the rest salt with a flag key.
  return index % 8 === 3 ? '' : FLAG_KEYS[random.int(FLAG_KEYS.length)];
}

// ---------------------------------------------------------------------------------------------
// Weight sets

const w = (...pairs) => pairs.map(([variant, weight]) => ({ variant, weight }));

const WEIGHT_SETS = [
  // Percentages: W = 100,000 (0.001% steps).
  w(['on', 50000], ['off', 50000]),
  w(['on', 10000], ['off', 90000]),
  w(['on', 20000], ['off', 80000]),
  w(['on', 90000], ['off', 10000]),
  w(['a', 33333], ['b', 33333], ['c', 33334]),
  w(['on', 1], ['off', 99999]),
  w(['on', 99999], ['off', 1]),
  w(['off', 0], ['on', 100000]),
  w(['on', 100000], ['off', 0]),
  w(['a', 50000], ['b', 0], ['c', 50000]),
  w(['clubs', 25000], ['diamonds', 25000], ['hearts', 25000], ['spades', 25000]),
  w(['v1', 1000], ['v2', 4000], ['v3', 15000], ['v4', 30000], ['v5', 50000]),
  // Small integer weights.
  w(['a', 1], ['b', 1]),
  w(['a', 25], ['b', 25], ['c', 25], ['d', 25]),
  w(['a', 1], ['b', 2], ['c', 3]),
  w(['on', 50], ['off', 50]),
  w(['on', 1], ['off', 99]),
  w(['only', 1]),
  w(['none', 0], ['a', 3], ['b', 0], ['c', 7]),
  w(['p2', 2], ['p3', 3], ['p5', 5], ['p7', 7], ['p11', 11], ['p13', 13], ['p17', 17]),
  // Big totals: h × W needs up to 63 bits; compute it exactly.
  w(['a', 1073741823], ['b', 1073741824]),
  w(['a', 715827882], ['b', 715827882], ['c', 715827883]),
  w(['rare', 1], ['common', 2147483646]),
  w(['common', 2147483646], ['rare', 1]),
];

// ---------------------------------------------------------------------------------------------
// Cases

const cases = [];

function addCase(salt, value, weights, extra = {}) {
  const { hash, bucket, variant } = assign(salt, value, weights);
  cases.push({ salt, value, weights, hash, bucket, variant, ...extra });
  return { hash, bucket, variant };
}

// 1. Every weight set crossed with every kind of value.
const VALUE_MIX = [
  ...Array(22).fill(asciiValue),
  ...Array(9).fill(nonAsciiValue),
  ...Array(6).fill(emojiValue),
  ...Array(9).fill(numberValue),
  ...Array(4).fill(longValue),
  () => '',
];
let index = 0;
for (const weights of WEIGHT_SETS) {
  for (const makeValue of VALUE_MIX) {
    addCase(saltFor(index), makeValue(), weights);
    index += 1;
  }
}

// 2. Fixed inputs worth pinning by name: empty salt and value, NFC vs NFD, salt/value split
//    (only the concatenation is hashed), the same value under a growing rollout.
const half = WEIGHT_SETS[0];
addCase('', '', half);
addCase('new-checkout', '', half);
addCase('', 'new-checkout', half);
addCase('', 'café', half);
addCase('', 'cafe\u0301', half);
addCase('new-', 'checkout-user-1', half);
addCase('new-checkout-', 'user-1', half);
addCase('new-checkout', 'user-42', half);
addCase('new-checkout', 42, half);
addCase('new-checkout', '42', half);
addCase('new-checkout', 1.5, half);
addCase('new-checkout', 1e21, half);
addCase('new-checkout', 1e-7, half);
for (let n = 1; n <= 12; n += 1) {
  const value = `rollout-user-${n}`;
  for (const pct of [10000, 20000, 50000]) {
    addCase('new-checkout', value, w(['on', pct], ['off', 100000 - pct]));
  }
}

// 3. Buckets that land exactly on a cumulative boundary. With the bucket b of a value, weights
//    [b, W-b] must serve the second variant (b does not exceed b) and [b+1, W-b-1] the first.
function addBoundaryPair(salt, value, total) {
  const bucket = bucketOf(referenceHash(salt + String(value)), total);
  addCase(salt, value, w(['below', bucket], ['at-or-above', total - bucket]));
  if (bucket + 1 < total) addCase(salt, value, w(['below', bucket + 1], ['at-or-above', total - bucket - 1]));
}
for (let n = 0; n < 30; n += 1) addBoundaryPair(random.pick(FLAG_KEYS), asciiValue(), 100000);
for (let n = 0; n < 10; n += 1) addBoundaryPair('', nonAsciiValue(), 100);
for (let n = 0; n < 10; n += 1) addBoundaryPair(random.pick(FLAG_KEYS), asciiValue(), 2147483647);

// 4. Float traps: totals chosen so that h × W sits a few units below a multiple of 2^32. The
//    exact bucket is m - 1; computing h × W in IEEE doubles rounds up to m and serves the
//    wrong variant. The first variant's weight is m, so only exact arithmetic serves "exact".
function modularInverse(odd) {
  // Newton's iteration for the inverse of an odd number modulo 2^32.
  let x = odd;
  for (let i = 0; i < 5; i += 1) x = (x * (2n - odd * x)) & 0xffffffffn;
  return x;
}
let traps = 0;
for (let n = 0; traps < 12 && n < 10_000; n += 1) {
  const value = `float-trap-${n}`;
  const hash = BigInt(referenceHash(`new-checkout${value}`));
  if ((hash & 1n) === 0n || hash < 2n ** 31n) continue;
  const inverse = modularInverse(hash);
  for (let gap = 1n; gap < 256n; gap += 1n) {
    const total = (((-gap * inverse) % 2n ** 32n) + 2n ** 32n) % 2n ** 32n;
    if (total < 2n ** 30n || total >= 2n ** 31n) continue;
    const m = (hash * total + gap) / 2n ** 32n;
    const naive = Math.floor((Number(hash) * Number(total)) / 2 ** 32);
    if (BigInt(naive) !== m) continue;
    const weights = w(['exact', Number(m)], ['rounded', Number(total - m)]);
    const result = addCase('new-checkout', value, weights);
    if (result.variant !== 'exact' || result.bucket !== Number(m) - 1) throw new Error('float trap construction failed');
    traps += 1;
    break;
  }
}
if (traps < 12) throw new Error(`found only ${traps} float traps`);

// 5. flagd testbed fractional v2 examples, translated. flagd hashes the first argument of
//    `fractional` (default: flag key + targeting key); `salt` is the part before the targeting
//    value. Each expected variant is the testbed's; the generator fails if the formula disagrees.
const suits = w(['clubs', 25], ['diamonds', 25], ['hearts', 25], ['spades', 25]);
const TESTBED = [
  // [flag, salt, value, weights, expected variant, note]
  ['fractional-flag', 'fractional-flag', 'jack', suits, 'hearts'],
  ['fractional-flag', 'fractional-flag', 'queen', suits, 'spades'],
  ['fractional-flag', 'fractional-flag', 'ten', suits, 'clubs'],
  ['fractional-flag', 'fractional-flag', 'nine', suits, 'diamonds'],
  ['fractional-flag', 'fractional-flag', '3', suits, 'clubs'],
  [
    'fractional-flag-shorthand',
    'fractional-flag-shorthand',
    'jon@company.com',
    w(['heads', 1], ['tails', 1]),
    'heads',
    'weight omitted for heads; flagd defaults it to 1',
  ],
  [
    'fractional-flag-shorthand',
    'fractional-flag-shorthand',
    'jane@company.com',
    w(['heads', 1], ['tails', 1]),
    'tails',
    'weight omitted for heads; flagd defaults it to 1',
  ],
  ['fractional-flag-A-shared-seed', 'shared-seed', 'seven', suits, 'hearts'],
  ['fractional-flag-A-shared-seed', 'shared-seed', 'eight', suits, 'diamonds'],
  ['fractional-flag-A-shared-seed', 'shared-seed', 'nine', suits, 'clubs'],
  ['fractional-flag-A-shared-seed', 'shared-seed', 'two', suits, 'spades'],
  ['fractional-flag-B-shared-seed', 'shared-seed', 'seven', suits, 'hearts', 'served value ace-of-hearts'],
  ['fractional-flag-B-shared-seed', 'shared-seed', 'eight', suits, 'diamonds', 'served value ace-of-diamonds'],
  ['fractional-flag-B-shared-seed', 'shared-seed', 'nine', suits, 'clubs', 'served value ace-of-clubs'],
  ['fractional-flag-B-shared-seed', 'shared-seed', 'two', suits, 'spades', 'served value ace-of-spades'],
  ['fractional-hash-edge-flag', '', 'ejOoVL', w(['lower', 50], ['upper', 50]), 'lower', 'hash 0'],
  ['fractional-hash-edge-flag', '', 'bY9fO-', w(['lower', 50], ['upper', 50]), 'lower', 'hash 1'],
  ['fractional-hash-edge-flag', '', 'SI7p-', w(['lower', 50], ['upper', 50]), 'lower', 'hash 2^31-1'],
  ['fractional-hash-edge-flag', '', '6LvT0', w(['lower', 50], ['upper', 50]), 'upper', 'hash 2^31'],
  ['fractional-hash-edge-flag', '', 'ceQdGm', w(['lower', 50], ['upper', 50]), 'upper', 'hash 2^32-1'],
  [
    'fractional-nested-var-flag',
    '',
    'jon@company.com',
    w(['red', 50], ['blue', 50]),
    'red',
    'first bucket variant comes from context color=red',
  ],
  ['fractional-nested-var-flag', '', 'user1', w(['red', 50], ['blue', 50]), 'blue', 'first bucket variant comes from context color=red'],
  [
    'fractional-nested-if-flag',
    '',
    'jon@company.com',
    w(['premium', 50], ['standard', 50]),
    'premium',
    'first bucket variant comes from tier=premium',
  ],
  [
    'fractional-nested-if-flag',
    '',
    'user1',
    w(['premium', 50], ['standard', 50]),
    'standard',
    'first bucket variant comes from tier=premium',
  ],
  ['fractional-nested-weight-flag', '', 'jon@company.com', w(['red', 100], ['blue', 10]), 'red', 'red weight comes from tier=premium'],
  ['fractional-nested-weight-flag', '', 'jon@company.com', w(['red', 0], ['blue', 10]), 'blue', 'red weight comes from tier=basic'],
  ['fractional-nested-weight-flag', '', 'user1', w(['red', 100], ['blue', 10]), 'red', 'red weight comes from tier=premium'],
  ['fractional-nested-weight-flag', '', 'user1', w(['red', 0], ['blue', 10]), 'blue', 'red weight comes from tier=basic'],
];
const disagreements = [];
for (const [flag, salt, value, weights, expected, detail] of TESTBED) {
  const note = `testbed flag ${flag}${detail ? `; ${detail}` : ''}`;
  const { variant } = addCase(salt, value, weights, { source: 'flagd-testbed', note });
  if (variant !== expected) disagreements.push(`${flag} ${value}: testbed ${expected}, formula ${variant}`);
}
if (disagreements.length > 0) throw new Error(`flagd testbed disagreement:\n${disagreements.join('\n')}`);

// ---------------------------------------------------------------------------------------------

for (const c of cases) {
  if (totalWeight(c.weights) <= 0) throw new Error('a case has no positive weight');
}

const TESTBED_REF =
  'open-feature/flagd-testbed evaluator/gherkin/fractional.feature at commit 9e1b98dcb6d15868ae8662e0c3fe9f04cd98212e ' +
  'and evaluator/flags/testkit-flags.json at commit 0815d197ae0de06b96af3efdc08ea9596f0b21fc ' +
  '(fractional flag definitions identical at 1a732d367ce8b5940d8bac056faa089837fe8ea8)';

verifyReferenceHash();
writeCaseFile('bucketing.json', {
  specVersion: readSpecVersion(),
  description:
    'Bucketing vectors. h = murmur3_x86_32(utf8(salt + String(value)), seed 0) as an unsigned 32-bit integer; ' +
    'W = sum of weights; bucket = floor(h * W / 2^32) computed exactly (h * W can need 63 bits); ' +
    'the served variant is the first whose cumulative weight exceeds bucket. Numeric values are JSON numbers ' +
    'hashed as ECMAScript String(value) (1e21 -> "1e+21", 1e-7 -> "1e-7"). Strings are hashed as given, with no ' +
    'Unicode normalization. Reference hash: npm murmurhash 2.0.1 v3, cross-checked by an independent ' +
    'implementation. Cases with "source": "flagd-testbed" translate the fractional v2 examples of ' +
    `${TESTBED_REF}; salt is what flagd hashes before the targeting value.`,
  cases,
});
console.log(`bucketing.json: ${cases.length} cases`);
