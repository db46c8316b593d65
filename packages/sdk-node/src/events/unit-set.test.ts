import { describe, expect, it } from 'vitest';
import { murmur3, unitId } from '@switchboard/core';
import { UnitSet } from './unit-set.js';

const hex = (h: number) => h.toString(16).padStart(8, '0');

describe('UnitSet', () => {
  it('lists each unit once, as the hex of its hash (core unitId), however often it is added', () => {
    const set = new UnitSet(100);
    const ids = ['user-1', 'user-2', 'Zoë', '42'];
    for (let round = 0; round < 5; round++) for (const id of ids) set.add(murmur3(id));
    expect(set.size).toBe(4);
    expect(set.units().sort()).toEqual(ids.map(unitId).sort());
    expect(set.more()).toBe(0);
  });

  it('keeps every distinct hash through growth, including 0 and values past 2^31', () => {
    const set = new UnitSet(5_000);
    const hashes = new Set<number>([0, 0xffffffff, 0x80000000, 1]);
    // Colliding low bits: all land on the same slot first.
    for (let i = 1; i <= 300; i++) hashes.add((i << 20) >>> 0);
    for (let i = 0; hashes.size < 4_000; i++) hashes.add(murmur3(`u${i}`));
    for (const h of hashes) set.add(h);
    for (const h of hashes) set.add(h);
    expect(set.size).toBe(hashes.size);
    expect(set.units().sort()).toEqual([...hashes].map(hex).sort());
  });

  it('lists at most `limit` units; distinct ones past it only add to more(), repeats add nothing', () => {
    const set = new UnitSet(10);
    for (let i = 0; i < 10; i++) set.add(murmur3(`listed-${i}`));
    // Distinct top 16 bits, so the estimate is exact at this size.
    for (let i = 1; i <= 7; i++) set.add(((i << 16) | 0x1234) >>> 0);
    for (let i = 1; i <= 7; i++) set.add(((i << 16) | 0x1234) >>> 0);
    set.add(murmur3('listed-3'));
    expect(set.units()).toHaveLength(10);
    expect(set.more()).toBe(7);
  });

  it('estimates many distinct units past the limit within 2%, in bounded memory', () => {
    const set = new UnitSet(1_000);
    const n = 101_000;
    for (let i = 0; i < n; i++) set.add(murmur3(`unit-${i}`));
    expect(set.units()).toHaveLength(1_000);
    expect(Math.abs(set.more() - (n - 1_000)) / (n - 1_000)).toBeLessThan(0.02);
  });

  it('merges a summary back: its units once more, and its more on top', () => {
    const set = new UnitSet(100);
    set.add(murmur3('a'));
    set.restore([unitId('a'), unitId('b'), '00000000'], 5);
    expect(set.units().sort()).toEqual([unitId('a'), unitId('b'), '00000000'].sort());
    expect(set.more()).toBe(5);
  });
});
