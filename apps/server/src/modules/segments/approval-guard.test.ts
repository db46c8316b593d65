import { describe, expect, it } from 'vitest';
import type { Flag, Segment } from '@switchboard/core';
import { flagsUsingSegment, segmentsReaching } from './approval-guard.js';

const seg = (key: string, ...refs: string[]): Segment => ({
  key,
  conditions: refs.map((r) => ({ attribute: '', operator: 'inSegment', values: [r] })),
});
const flag = (key: string, ...segments: string[]): Flag => ({
  key,
  version: 1,
  type: 'boolean',
  enabled: true,
  variants: { on: true, off: false },
  offVariant: 'off',
  fallthrough: { variant: 'off' },
  rules: segments.map((s, i) => ({
    id: `r${i}`,
    conditions: [
      { attribute: 'plan', operator: 'in', values: ['pro'] },
      { attribute: '', operator: 'inSegment', values: ['other', s] },
    ],
    serve: { variant: 'on' },
  })),
});

describe('segmentsReaching', () => {
  it('follows nesting at any depth and leaves unrelated segments out', () => {
    const segments = { a: seg('a'), b: seg('b', 'a'), c: seg('c', 'b'), d: seg('d'), e: seg('e', 'd') };
    expect([...segmentsReaching(segments, 'a')].sort()).toEqual(['a', 'b', 'c']);
    expect([...segmentsReaching(segments, 'd')].sort()).toEqual(['d', 'e']);
  });

  it('stops on a cycle (stored data is validated, but the walk must not loop)', () => {
    expect([...segmentsReaching({ x: seg('x', 'y'), y: seg('y', 'x') }, 'x')].sort()).toEqual(['x', 'y']);
  });
});

describe('flagsUsingSegment', () => {
  it('names flags whose rules use the segment directly or through another, sorted', () => {
    const snapshot = {
      flags: { zeta: flag('zeta', 'b'), alpha: flag('alpha', 'a'), beta: flag('beta', 'd'), plain: flag('plain') },
      segments: { a: seg('a'), b: seg('b', 'a'), d: seg('d') },
    };
    expect(flagsUsingSegment(snapshot, 'a')).toEqual(['alpha', 'zeta']);
    expect(flagsUsingSegment(snapshot, 'b')).toEqual(['zeta']);
    expect(flagsUsingSegment(snapshot, 'nothing')).toEqual([]);
  });
});
