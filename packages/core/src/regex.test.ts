import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileSafeRegex } from './regex.js';

// Generates patterns inside the supported syntax so the engine can be compared with
// the platform's RegExp on every one of them.
const atom = fc.oneof(fc.constantFrom('a', 'b', 'c', 'x', '.', '\\d', '\\w', '\\s', '\\.', '[a-c]', '[^ab]', '[\\d_]', '-', 'é'));
const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('re'), tie('re')).map(([a, b]) => a + b),
    fc.tuple(tie('re'), tie('re')).map(([a, b]) => `(?:${a}|${b})`),
    fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{0,}', '*?')).map(([a, q]) => `(${a})${q}`),
    fc.tuple(fc.constantFrom('^', ''), tie('re'), fc.constantFrom('$', '')).map(([s, a, e]) => s + a + e),
    tie('re').map((a) => `\\b${a}`),
  ),
})).re;
const input = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', '1', '_', ' ', '.', '-', 'é', 'A', '\n'), maxLength: 12 });

describe('compileSafeRegex', () => {
  it('answers like RegExp.test for generated patterns and inputs', () => {
    fc.assert(
      fc.property(pattern, input, fc.boolean(), (p, s, ci) => {
        const re = compileSafeRegex(p, ci);
        expect(re, p).toBeDefined();
        expect(re!.test(s)).toBe(new RegExp(p, ci ? 'i' : '').test(s));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['^(a+)+$', 'a'.repeat(5000) + '!'],
    ['(a|aa)*b', 'a'.repeat(5000)],
    ['^(\\w+\\s?)*$', 'word '.repeat(1000) + '!'],
    ['(.*a){20}', 'a'.repeat(3000)],
  ])('stays linear on %s, which backtracking engines cannot finish', (p, s) => {
    const re = compileSafeRegex(p);
    expect(re).toBeDefined();
    // Correctness only; the engine's linearity is what lets this run at all.
    expect(re!.test(s)).toBe(p === '(.*a){20}');
  });

  it.each(['(a)\\1', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b', '[', '(', 'a)', '*a', 'a**', 'a{2,1}', '\\p{L}', 'x{1001}', '\\k<n>', '^*'])(
    'rejects %s',
    (p) => {
      expect(compileSafeRegex(p)).toBeUndefined();
    },
  );

  it('rejects patterns past the length limit and answers unknown past the work budget', () => {
    expect(compileSafeRegex('a'.repeat(257))).toBeUndefined();
    expect(compileSafeRegex('x{1000}'.repeat(30))).toBeUndefined();
    expect(compileSafeRegex('^(a|ab){1,1000}$')!.test('ab'.repeat(30) + 'c')).toBe(false);
    expect(compileSafeRegex('^(a|ab){1,1000}$')!.test('ab'.repeat(5000))).toBeUndefined();
  });

  it('reads astral characters as one code point', () => {
    expect(compileSafeRegex('^.$')!.test('😀')).toBe(true);
    expect(compileSafeRegex('^..$')!.test('😀')).toBe(false);
    expect(compileSafeRegex('^[😀-😂]+$')!.test('😁😀')).toBe(true);
    expect(compileSafeRegex('^[^a]$')!.test('😀')).toBe(true);
  });

  it('supports classes, escapes, named groups and case-insensitivity', () => {
    expect(compileSafeRegex('^[\\w.+-]+@acme\\.com$', true)!.test('Bob.Smith+x@ACME.com')).toBe(true);
    expect(compileSafeRegex('^(?<year>\\d{4})-\\d{2}$')!.test('2024-05')).toBe(true);
    expect(compileSafeRegex('\\x41\\u00e9')!.test('Aé')).toBe(true);
    expect(compileSafeRegex('[^\\s]')!.test('   ')).toBe(false);
  });
});
