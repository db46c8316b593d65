import { describe, expect, it } from 'vitest';
import { unitId } from './units.js';

describe('unitId', () => {
  it("is murmur3 x86 32-bit (seed 0) of the value's UTF-8 bytes as 8 lowercase hex digits, zero-padded", () => {
    // Expected values from an independent byte-level MurmurHash3 over the UTF-8 encoding.
    expect(unitId('user-42')).toBe('b972dad0');
    expect(unitId('42')).toBe('bc58a436');
    expect(unitId('user-28')).toBe('038ace61');
    expect(unitId('Zoë 🎉')).toBe('14e0e1bf');
    expect(unitId('')).toBe('00000000');
  });
});
