/**
 * A regular-expression matcher that runs in time linear in the input: the pattern is
 * compiled to a Thompson NFA and simulated breadth-first, so no pattern can backtrack
 * catastrophically (`^(a+)+$` costs the same as `^a+$`). It answers "does the pattern
 * match anywhere" like `RegExp.prototype.test`, reading text by code point (so `.`
 * matches one emoji, as in other languages' engines) without the `m` or `s` flags.
 * Backreferences and lookaround can't be matched this way and are rejected.
 */

/**
 * Longest pattern, largest compiled program, and the most work one test may do
 * (program size × input length); past that budget the answer is "unknown".
 */
export const REGEX_LIMITS = { pattern: 256, program: 20_000, work: 20_000_000 };

const MAX_CODE_POINT = 0x10ffff;

type Node =
  | { t: 'set'; r: number[]; neg: boolean }
  | { t: 'cat' | 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'bol' | 'eol' | 'wb' | 'nwb' };

const enum Op {
  Set,
  Split,
  Jmp,
  Bol,
  Eol,
  WordB,
  NotWordB,
  Match,
}

interface Ins {
  op: Op;
  a: number;
  b: number;
  r: number[];
  neg: boolean;
}

/**
 * A compiled pattern; `test` never throws and never takes super-linear time. It returns
 * undefined when the input would exceed the work budget.
 */
export interface SafeRegex {
  test(input: string): boolean | undefined;
}

const DIGIT = [48, 57];
const WORD = [48, 57, 65, 90, 95, 95, 97, 122];
const SPACE = [9, 13, 32, 32, 160, 160, 5760, 5760, 8192, 8202, 8232, 8233, 8239, 8239, 8287, 8287, 12288, 12288, 65279, 65279];
const LINE_END = [10, 10, 13, 13, 8232, 8233];

function complement(r: number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (r[i]! > next) out.push(next, r[i]! - 1);
    next = r[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

class Parser {
  i = 0;
  constructor(readonly src: string) {}

  fail(): never {
    throw new SyntaxError('unsupported pattern');
  }

  peek(): string | undefined {
    return this.src[this.i];
  }

  alt(): Node {
    const items = [this.cat()];
    while (this.peek() === '|') {
      this.i++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  cat(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      let atom = this.atom();
      for (let q = this.quantifier(); q; q = this.quantifier()) {
        if (atom.t === 'bol' || atom.t === 'eol' || atom.t === 'wb' || atom.t === 'nwb' || atom.t === 'rep') this.fail();
        atom = { t: 'rep', node: atom, min: q[0], max: q[1] };
      }
      items.push(atom);
    }
    return { t: 'cat', items };
  }

  quantifier(): [number, number] | undefined {
    const c = this.peek();
    let q: [number, number] | undefined;
    if (c === '*') q = [0, -1];
    else if (c === '+') q = [1, -1];
    else if (c === '?') q = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.src.slice(this.i));
      if (!m) this.fail();
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
      if (min > 1000 || max > 1000 || (max !== -1 && max < min)) this.fail();
      this.i += m[0].length - 1;
      q = [min, max];
    }
    if (!q) return undefined;
    this.i++;
    if (this.peek() === '?') this.i++; // laziness changes which match, not whether one exists
    return q;
  }

  atom(): Node {
    const c = this.src[this.i++]!;
    switch (c) {
      case '(': {
        if (this.peek() === '?') {
          const named = /^\?<[A-Za-z_$][\w$]*>/.exec(this.src.slice(this.i));
          if (this.src[this.i + 1] === ':') this.i += 2;
          else if (named) this.i += named[0].length;
          else this.fail();
        }
        const inner = this.alt();
        if (this.src[this.i++] !== ')') this.fail();
        // Wrapped so a quantifier on the group isn't mistaken for a doubled quantifier.
        return { t: 'cat', items: [inner] };
      }
      case '[':
        return this.charClass();
      case '.':
        return { t: 'set', r: LINE_END, neg: true };
      case '^':
        return { t: 'bol' };
      case '$':
        return { t: 'eol' };
      case '\\':
        return this.escape(false);
      case ')':
      case '*':
      case '+':
      case '?':
      case '{':
        return this.fail();
      default: {
        const cp = this.src.codePointAt(this.i - 1)!;
        if (cp > 0xffff) this.i++;
        return { t: 'set', r: [cp, cp], neg: false };
      }
    }
  }

  // Returns a set, or an assertion node for \b and \B outside a class.
  escape(inClass: boolean): Node {
    const c = this.src[this.i++];
    if (c === undefined) this.fail();
    const set = (r: number[], neg = false): Node => ({ t: 'set', r, neg });
    switch (c) {
      case 'd':
        return set(DIGIT);
      case 'D':
        return set(DIGIT, true);
      case 'w':
        return set(WORD);
      case 'W':
        return set(WORD, true);
      case 's':
        return set(SPACE);
      case 'S':
        return set(SPACE, true);
      case 'b':
        return inClass ? set([8, 8]) : { t: 'wb' };
      case 'B':
        return inClass ? this.fail() : { t: 'nwb' };
      case 't':
        return set([9, 9]);
      case 'n':
        return set([10, 10]);
      case 'v':
        return set([11, 11]);
      case 'f':
        return set([12, 12]);
      case 'r':
        return set([13, 13]);
      case '0':
        if (/\d/.test(this.peek() ?? '')) this.fail();
        return set([0, 0]);
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4;
        const hex = this.src.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail();
        this.i += len;
        const code = parseInt(hex, 16);
        return set([code, code]);
      }
      default:
        // Backreferences, \k, \p, \c and other letter escapes have no linear-time meaning here.
        if (/[0-9A-Za-z]/.test(c)) this.fail();
        return set([c.charCodeAt(0), c.charCodeAt(0)]);
    }
  }

  charClass(): Node {
    const neg = this.peek() === '^';
    if (neg) this.i++;
    const r: number[] = [];
    let first = true;
    for (;;) {
      const c = this.src[this.i++];
      if (c === undefined) this.fail();
      if (c === ']' && !first) break;
      first = false;
      let lo: number;
      if (c === '\\') {
        const e = this.escape(true);
        if (e.t !== 'set') this.fail();
        const ranges = e.neg ? complement(e.r) : e.r;
        if (ranges.length !== 2 || ranges[0] !== ranges[1]) {
          r.push(...ranges);
          continue;
        }
        lo = ranges[0]!;
      } else {
        lo = this.src.codePointAt(this.i - 1)!;
        if (lo > 0xffff) this.i++;
      }
      if (this.peek() === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined) {
        this.i++;
        const d = this.src[this.i++]!;
        let hi: number;
        if (d === '\\') {
          const e = this.escape(true);
          if (e.t !== 'set' || e.neg || e.r.length !== 2 || e.r[0] !== e.r[1]) this.fail();
          hi = e.r[0]!;
        } else {
          hi = this.src.codePointAt(this.i - 1)!;
          if (hi > 0xffff) this.i++;
        }
        if (hi < lo) this.fail();
        r.push(lo, hi);
      } else r.push(lo, lo);
    }
    return { t: 'set', r, neg };
  }
}

function normalize(r: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i]!, r[i + 1]!]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

// Adds the other case of every letter in the ranges, for the `i` flag.
function foldCase(r: number[]): number[] {
  const out = r.slice();
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i]!;
    const hi = r[i + 1]!;
    if (hi - lo > 2000) continue;
    for (let c = lo; c <= hi; c++) {
      const s = String.fromCharCode(c);
      for (const v of [s.toLowerCase(), s.toUpperCase()]) {
        if (v.length === 1 && v !== s) out.push(v.charCodeAt(0), v.charCodeAt(0));
      }
    }
  }
  return out;
}

function compile(node: Node, ignoreCase: boolean): Ins[] {
  const prog: Ins[] = [];
  const emit = (op: Op, a = 0, b = 0, r: number[] = [], neg = false): number => {
    if (prog.length >= REGEX_LIMITS.program) throw new RangeError('pattern too large');
    prog.push({ op, a, b, r, neg });
    return prog.length - 1;
  };
  const build = (n: Node): void => {
    switch (n.t) {
      case 'set':
        emit(Op.Set, 0, 0, normalize(ignoreCase ? foldCase(n.r) : n.r), n.neg);
        return;
      case 'cat':
        n.items.forEach(build);
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((item, idx) => {
          if (idx < n.items.length - 1) {
            const split = emit(Op.Split);
            prog[split]!.a = prog.length;
            build(item);
            jumps.push(emit(Op.Jmp));
            prog[split]!.b = prog.length;
          } else build(item);
        });
        for (const j of jumps) prog[j]!.a = prog.length;
        return;
      }
      case 'rep': {
        for (let k = 0; k < n.min; k++) build(n.node);
        if (n.max === -1) {
          const split = emit(Op.Split);
          prog[split]!.a = prog.length;
          build(n.node);
          emit(Op.Jmp, split);
          prog[split]!.b = prog.length;
        } else {
          const splits: number[] = [];
          for (let k = n.min; k < n.max; k++) {
            const split = emit(Op.Split);
            prog[split]!.a = prog.length;
            splits.push(split);
            build(n.node);
          }
          for (const s of splits) prog[s]!.b = prog.length;
        }
        return;
      }
      case 'bol':
        emit(Op.Bol);
        return;
      case 'eol':
        emit(Op.Eol);
        return;
      case 'wb':
        emit(Op.WordB);
        return;
      case 'nwb':
        emit(Op.NotWordB);
    }
  };
  build(node);
  emit(Op.Match);
  return prog;
}

function inSet(ins: Ins, c: number): boolean {
  const r = ins.r;
  let found = false;
  for (let i = 0; i < r.length && r[i]! <= c; i += 2) {
    if (c <= r[i + 1]!) {
      found = true;
      break;
    }
  }
  return found !== ins.neg;
}

function isWordChar(s: string, i: number): boolean {
  if (i < 0 || i >= s.length) return false;
  const c = s.charCodeAt(i);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95 || (c >= 97 && c <= 122);
}

function run(prog: Ins[], s: string): boolean {
  const size = prog.length;
  let current = new Int32Array(size);
  let next = new Int32Array(size);
  const marks = new Int32Array(size);
  const stack = new Int32Array(size * 2 + 2);
  let gen = 0;
  let count = 0;
  let nextCount = 0;

  // Follows empty transitions from `start` at position `pos`, collecting the states
  // that consume a character (or accept) into `list`.
  const add = (list: Int32Array, n: number, start: number, pos: number): number => {
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const pc = stack[--top]!;
      if (marks[pc] === gen) continue;
      marks[pc] = gen;
      const ins = prog[pc]!;
      switch (ins.op) {
        case Op.Jmp:
          stack[top++] = ins.a;
          break;
        case Op.Split:
          stack[top++] = ins.b;
          stack[top++] = ins.a;
          break;
        case Op.Bol:
          if (pos === 0) stack[top++] = pc + 1;
          break;
        case Op.Eol:
          if (pos === s.length) stack[top++] = pc + 1;
          break;
        case Op.WordB:
        case Op.NotWordB:
          if ((isWordChar(s, pos - 1) !== isWordChar(s, pos)) === (ins.op === Op.WordB)) stack[top++] = pc + 1;
          break;
        default:
          list[n++] = pc;
      }
    }
    return n;
  };

  gen++;
  for (let pos = 0; ; pos++) {
    // Unanchored search: a new attempt may start at every position.
    count = add(current, count, 0, pos);
    if (count === 0 && pos >= s.length) return false;
    gen++;
    nextCount = 0;
    // Every thread reads the same code point, so they all advance by the same width.
    const c = pos < s.length ? s.codePointAt(pos)! : -1;
    const width = c > 0xffff ? 2 : 1;
    for (let t = 0; t < count; t++) {
      const ins = prog[current[t]!]!;
      if (ins.op === Op.Match) return true;
      if (c >= 0 && inSet(ins, c)) nextCount = add(next, nextCount, current[t]! + 1, pos + width);
    }
    if (pos >= s.length) return false;
    pos += width - 1;
    const swap = current;
    current = next;
    next = swap;
    count = nextCount;
  }
}

/** Compiles `pattern`, or returns undefined when it is invalid, unsupported or too large. */
export function compileSafeRegex(pattern: string, ignoreCase = false): SafeRegex | undefined {
  if (typeof pattern !== 'string' || pattern.length > REGEX_LIMITS.pattern) return undefined;
  try {
    const parser = new Parser(pattern);
    const tree = parser.alt();
    if (parser.i !== pattern.length) return undefined;
    const prog = compile(tree, ignoreCase);
    return { test: (input) => (input.length * prog.length > REGEX_LIMITS.work ? undefined : run(prog, input)) };
  } catch {
    return undefined;
  }
}
