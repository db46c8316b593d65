/**
 * The distinct units one variant of a rolling-out flag served in one window, in bounded
 * memory: up to `limit` 32-bit unit hashes in an open-addressing table (4 bytes a unit, at
 * most 64 KiB at the contract's 10,000), and past that a 65,536-bit bitmap (8 KiB) that
 * estimates how many more distinct units there were without keeping them.
 */
const OVERFLOW_BITS = 65_536;

export class UnitSet {
  /** Hashes, 0 marking an empty slot (a unit hashing to 0 is `hasZero`); never more than 3/4 full. */
  private table = new Uint32Array(16);
  private hasZero = false;
  /** Units listed. */
  size = 0;
  /** Units past the limit, by their top 16 bits; allocated when the first one comes. */
  private overflow: Uint32Array | undefined;
  private emptyBits = OVERFLOW_BITS;
  /** `more` of summaries merged back in (an upload that failed). */
  private extra = 0;

  constructor(private readonly limit: number) {}

  /** Adds a unit, by its murmur3 hash (an unsigned 32-bit integer). */
  add(hash: number): void {
    if (hash === 0) {
      if (this.hasZero) return;
      if (this.size < this.limit) {
        this.hasZero = true;
        this.size++;
      } else {
        this.addOverflow(hash);
      }
      return;
    }
    const table = this.table;
    const mask = table.length - 1;
    let i = hash & mask;
    for (let v = table[i]!; v !== 0; v = table[i]!) {
      if (v === hash) return;
      i = (i + 1) & mask;
    }
    if (this.size >= this.limit) {
      this.addOverflow(hash);
      return;
    }
    table[i] = hash;
    this.size++;
    if (this.size * 4 > table.length * 3) this.grow();
  }

  /** Merges a summary back (its upload failed): its units, and its `more` on top of this window's. */
  restore(units: readonly string[], more: number): void {
    for (const unit of units) this.add(Number.parseInt(unit, 16) >>> 0);
    this.extra += more;
  }

  /** The units listed, as 8 hex digits. */
  units(): string[] {
    const out: string[] = this.hasZero ? ['00000000'] : [];
    for (const v of this.table) if (v !== 0) out.push(v.toString(16).padStart(8, '0'));
    return out;
  }

  /**
   * Distinct units past the limit: about exact while they are a few hundred, then a
   * linear-counting estimate (m·ln(m / empty bits) for m bits; within about 1% up to a few
   * hundred thousand) that stops growing at m·ln m, about 727,000, once every bit is set.
   */
  more(): number {
    if (this.overflow === undefined) return this.extra;
    const m = OVERFLOW_BITS;
    return this.extra + Math.round(m * Math.log(m / Math.max(this.emptyBits, 1)));
  }

  private addOverflow(hash: number): void {
    const bits = (this.overflow ??= new Uint32Array(OVERFLOW_BITS / 32));
    const bit = hash >>> 16;
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((bits[word]! & mask) !== 0) return;
    bits[word] = bits[word]! | mask;
    this.emptyBits--;
  }

  private grow(): void {
    const old = this.table;
    const table = new Uint32Array(old.length * 2);
    const mask = table.length - 1;
    for (const v of old) {
      if (v === 0) continue;
      let i = v & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = v;
    }
    this.table = table;
  }
}
