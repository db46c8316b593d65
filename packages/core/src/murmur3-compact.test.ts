import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import murmurhash from 'murmurhash';
import bucketing from '@switchboard/spec/bucketing.json' with { type: 'json' };
import { bucketingSnapshot } from '@switchboard/spec/harness';
import { murmur3 } from './murmur3.js';
import { murmur3Compact } from './murmur3-compact.js';
import { bucketOf } from './bucketing.js';
import { createEvaluator as createBrowserEvaluator } from './evaluator.js';
import { createEvaluator } from './evaluate.js';
import type { Snapshot } from './snapshot.js';

// Code points where UTF-8 changes length or surrogates begin and end, so the generator
// hits every encoding boundary often rather than by luck.
const BOUNDARIES = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff];
const unit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, // any code point, astral included
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) }, // emoji sequences, combining marks
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }, // lone surrogates
  { weight: 1, arbitrary: fc.constantFrom(...BOUNDARIES).map((c) => String.fromCodePoint(c)) },
);
const text = fc.string({ unit, maxLength: 24 });

// The reference package encodes a string as UTF-8 first (U+FFFD for a lone surrogate,
// as TextEncoder does), so it is what any implementation hashing UTF-8 gets.
const reference = (s: string): number => murmurhash.v3(s, 0);

describe('murmur3Compact', () => {
  it('equals murmur3 for any salt and value: non-ASCII, astral, lone surrogates, empty', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const h = murmur3Compact(a, b);
        expect(h).toBe(murmur3(a, b));
        expect(h).toBe(reference(a + b));
      }),
      { numRuns: 20_000 },
    );
  });

  it('hashes one string the same wherever it is split between salt and value, inside a surrogate pair too', () => {
    fc.assert(
      fc.property(text, (s) => {
        const whole = murmur3(s);
        expect(murmur3Compact(s)).toBe(whole);
        for (let cut = 0; cut <= s.length; cut++) expect(murmur3Compact(s.slice(0, cut), s.slice(cut))).toBe(whole);
      }),
      { numRuns: 5_000 },
    );
  });

  it('handles the edges by name', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['x\ud83d', '\ude00y'], // a pair split across the seam: one code point
      ['\ud83d', ''], // a high surrogate at the very end
      ['', '\ude00'], // a low surrogate at the very start
      ['\ude00', '\ud83d'], // the wrong order: two lone surrogates
      ['\ud83d\ud83d', '\ude00'], // high, then a pair made across the seam
      ['\udbff\udfff', '\u{10ffff}'],
      ['abc', ''], // 1, 2, 3 tail bytes, then a full block
      ['ab', 'c'],
      ['a', 'é'],
      ['abcd', ''],
      // What encodeURIComponent leaves as it is, and what unescape would otherwise read as an escape.
      ["-_.!~*'()", 'AZaz09'],
      ['%41%u0041%', '%'],
      ['\u0000', '\u007f\u0080'],
      ['\ud800', '\udfff'], // a pair made across the seam from its two ends
      ['\ufffd', '\ud800'], // U+FFFD itself, then a lone surrogate that becomes it
    ];
    for (const [a, b] of cases) expect(murmur3Compact(a, b), JSON.stringify([a, b])).toBe(murmur3(a, b));
    expect(murmur3Compact('x\ud83d', '\ude00y')).toBe(reference('x😀y'));
    expect(murmur3Compact('')).toBe(0);
  });

  it(`maps all ${bucketing.cases.length} spec bucketing vectors to the expected hash and bucket`, () => {
    const failures: string[] = [];
    for (const c of bucketing.cases) {
      const total = c.weights.reduce((sum, w) => sum + w.weight, 0);
      const hash = murmur3Compact(c.salt, String(c.value));
      if (hash !== c.hash || bucketOf(hash, total) !== c.bucket)
        failures.push(`${JSON.stringify(c.salt)} + ${JSON.stringify(c.value)}: got ${hash}, want ${c.hash}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('the hash option', () => {
  it('@switchboard/core/evaluator hashes with murmur3Compact by default and serves every spec vector', () => {
    const byDefault = createBrowserEvaluator();
    const explicit = createBrowserEvaluator(undefined, { hash: murmur3Compact });
    const fast = createEvaluator();
    for (const c of bucketing.cases) {
      const snapshot = bucketingSnapshot(c) as Snapshot;
      const context = { userId: c.value as string };
      expect(byDefault(snapshot, 'f', context, '').variant).toBe(c.variant);
      expect(explicit(snapshot, 'f', context, '').variant).toBe(c.variant);
      expect(fast(snapshot, 'f', context, '').variant).toBe(c.variant);
    }
  });

  it('is what bucketing calls, with the salt and the bucketing value', () => {
    const calls: [string, string][] = [];
    const hash = (salt: string, value: string): number => {
      calls.push([salt, value]);
      return murmur3(salt, value);
    };
    const c = bucketing.cases[0]!;
    const snapshot = bucketingSnapshot(c) as Snapshot;
    for (const evaluate of [createEvaluator(undefined, { hash }), createBrowserEvaluator(undefined, { hash })]) {
      calls.length = 0;
      expect(evaluate(snapshot, 'f', { userId: c.value as string }, '').variant).toBe(c.variant);
      expect(calls).toEqual([[c.salt, String(c.value)]]);
    }
  });
});
