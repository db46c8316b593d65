/**
 * Flags held in compiled form, for a process that keeps a snapshot for a long time and
 * wants one representation per flag in memory instead of the flag document plus the
 * compiled copy evaluation builds on first use (the Node SDK). A compiled flag reads as
 * the flag it came from — its fields, `JSON.stringify` — and `evaluate` uses it as it
 * is. Not part of `@switchboard/core/evaluator`, so browser bundles don't carry it.
 */
import { compile, Precompiled, type CompiledFlag, type CompiledRule, type CompiledServe, type Served, type Share } from './compile.js';
import type { Flag, Prerequisite, Rule, Serve } from './snapshot.js';

/**
 * Parts already compiled for one batch of flags (one snapshot), by content: pass one
 * pool to every `compileFlag` of a snapshot so equal rules and conditions are held once.
 * Drop it afterwards; entries are opaque.
 */
export type FlagPool = Map<string, unknown>;

/**
 * What a flag serves outside its rules, with its type and variants: the same for every
 * flag with the same type, variants and off variant (every on/off boolean flag), so a
 * held flag points at one shared record instead of holding five fields.
 */
interface Outcomes {
  type: unknown;
  variants: Flag['variants'];
  disabled: Served;
  unmet: Served;
  unbucketed: Served;
}

// Prebuilt results, serves and outcomes whose values are primitives (and that carry no
// rule id) are interned for the whole process: `{ value: true, variant: 'on', reason:
// 'STATIC' }`, a 25% rollout bucketed by userId and an on/off boolean's outcomes are the
// same in every flag and every client. Results are frozen (as every prebuilt result is), and so are interned
// variants, the only part read back; serves never leave core. So sharing is invisible,
// except to `===` on results. Bounded, so a process whose flags keep changing can't grow
// it without limit: past the limit, new parts are simply held per flag.
const interned = new Map<string, unknown>();
const INTERN_LIMIT = 4096;
/** Longer keys (many variants, long string values) aren't worth a process-wide entry. */
const INTERN_KEY_LENGTH = 512;

// Only values JSON writes back exactly are shared by their JSON: not -0 (written as 0),
// NaN or undefined (written as null), nor objects (a result's value is handed out, and a
// caller could change a shared one).
const plain = (v: unknown): boolean =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0));
const plainResult = (r: Served): boolean => r === null || plain(r.value);

// What compiling hands `Share`, told apart by shape (see `Share` in compile.ts).
const isResult = (v: object): v is NonNullable<Served> => 'reason' in v;
const isServe = (v: object): v is CompiledServe => 'cumulative' in v;
const isOutcomes = (v: object): v is Outcomes => 'unmet' in v;
const isRule = (v: object): v is CompiledRule => 'serve' in v;

/**
 * The process-wide key of a part, or undefined when it must not be interned. Parts that
 * carry a rule id stay per snapshot (see `poolKey`): rule ids are often unique, and they
 * would fill the table.
 */
function internKey(v: object): string | undefined {
  if (isResult(v)) return v.ruleId === undefined && plain(v.value) ? `r${JSON.stringify([v.value, v.variant, v.reason])}` : undefined;
  if (isServe(v))
    return v.results.every((r) => r === null || (r.ruleId === undefined && plain(r.value))) ? `s${JSON.stringify(v)}` : undefined;
  if (isOutcomes(v)) {
    const variants = v.variants;
    if (typeof variants !== 'object' || variants === null || Array.isArray(variants) || !Object.values(variants).every(plain))
      return undefined;
    return `o${JSON.stringify(v)}`;
  }
  return undefined;
}

/** The pool key of a part shared per snapshot: a rule, its conditions, its results and serve. */
function poolKey(v: object): string | undefined {
  if (Array.isArray(v)) return `c${JSON.stringify(v)}`;
  if (isResult(v))
    return plain(v.value) && typeof v.ruleId === 'string' ? `r${JSON.stringify([v.value, v.variant, v.reason, v.ruleId])}` : undefined;
  if (isServe(v)) return v.results.every(plainResult) ? `s${JSON.stringify(v)}` : undefined;
  if (isRule(v)) return v.serve.results.every(plainResult) ? `u${JSON.stringify(v)}` : undefined;
  return undefined;
}

/** Shares parts through the process-wide table, then through `pool`. */
function sharing(pool: FlagPool | undefined): Share {
  return <T>(part: T): T => {
    // Conditions as given may be anything; everything else here is built by compile.
    if (typeof part !== 'object' || part === null) return part;
    const key = Array.isArray(part) ? undefined : internKey(part);
    if (key !== undefined) {
      const hit = interned.get(key);
      if (hit !== undefined) return hit as T;
      if (key.length > INTERN_KEY_LENGTH || interned.size >= INTERN_LIMIT) return part;
      // Interned outcomes hold a frozen copy of the variants, never the caller's object.
      // (Serves are left unfrozen: frozen arrays read slower on the hot path.)
      const held = isOutcomes(part) ? { ...part, variants: Object.freeze({ ...part.variants }) } : part;
      interned.set(key, held);
      return held;
    }
    const local = pool === undefined ? undefined : poolKey(part);
    if (local === undefined) return part;
    const hit = pool!.get(local);
    if (hit !== undefined) return hit as T;
    pool!.set(local, part);
    return part;
  };
}

const NO_RULES: readonly CompiledRule[] = Object.freeze([]);
const NO_PREREQUISITES: readonly Prerequisite[] = Object.freeze([]);

function serveOf(serve: CompiledServe): Serve {
  const results = serve.results as readonly NonNullable<Served>[];
  if (serve.bucketBy === null) return { variant: results[0]!.variant! };
  const cumulative = serve.cumulative;
  return {
    rollout: results.map((r, i) => ({ variant: r.variant!, weight: cumulative[i]! - (i > 0 ? cumulative[i - 1]! : 0) })),
    bucketBy: serve.bucketBy as string,
  };
}

function ruleOf(rule: CompiledRule): Rule {
  const id = rule.serve.results[0]!.ruleId;
  const conditions = rule.conditions!;
  const serve = serveOf(rule.serve);
  return (id === undefined ? { conditions, serve } : { id, conditions, serve }) as Rule;
}

/**
 * A compiled flag that reads as the flag document it came from. Eight fields; what many
 * flags have in common sits in shared records. The document fields it doesn't hold are
 * getters that rebuild them (fresh objects on every read: for occasional readers such
 * as change detection and persistence, not for hot paths).
 */
class HeldFlag extends Precompiled implements CompiledFlag, Flag {
  readonly key: string;
  readonly version: number;
  readonly enabled: boolean;
  readonly salt: string;
  readonly outcomes: Outcomes;
  readonly prerequisites: Prerequisite[];
  readonly targets: readonly CompiledRule[];
  readonly fallback: CompiledServe;

  constructor(key: string, version: number, c: CompiledFlag, outcomes: Outcomes) {
    super();
    this.key = key;
    this.version = version;
    this.enabled = c.enabled;
    this.salt = c.salt;
    this.outcomes = outcomes;
    // Empty lists are held as one shared empty list, not one per flag.
    this.prerequisites = c.prerequisites.length > 0 ? (c.prerequisites as Prerequisite[]) : (NO_PREREQUISITES as Prerequisite[]);
    this.targets = c.targets.length > 0 ? c.targets : NO_RULES;
    this.fallback = c.fallback;
  }

  // What evaluation reads, from the shared outcomes.
  get type(): Flag['type'] {
    return this.outcomes.type as Flag['type'];
  }

  get disabled(): Served {
    return this.outcomes.disabled;
  }

  get unmet(): Served {
    return this.outcomes.unmet;
  }

  get unbucketed(): Served {
    return this.outcomes.unbucketed;
  }

  // The document fields.
  get variants(): Flag['variants'] {
    return this.outcomes.variants;
  }

  get offVariant(): string {
    // Held flags can serve their off variant (else they are kept as documents).
    return this.outcomes.disabled!.variant!;
  }

  get rules(): Rule[] | undefined {
    return this.targets.length > 0 ? this.targets.map(ruleOf) : undefined;
  }

  get fallthrough(): Serve {
    return serveOf(this.fallback);
  }

  /** The flag document, fields in one order; a salt equal to the key and empty lists left out. */
  toJSON(): Flag {
    return {
      key: this.key,
      version: this.version,
      type: this.type,
      enabled: this.enabled,
      variants: this.variants,
      offVariant: this.offVariant,
      salt: this.salt === this.key ? undefined : this.salt,
      prerequisites: this.prerequisites.length > 0 ? this.prerequisites : undefined,
      rules: this.rules,
      fallthrough: this.fallthrough,
    };
  }
}

const servable = (s: CompiledServe): boolean => !s.broken && s.bucketBy !== false && s.results.every((r) => r !== null);

// Whether the compiled form says everything evaluation would read in `flag`: then it
// can stand for the flag. Anything malformed is not reproduced exactly by reading the
// compiled form back, so such a flag is kept as it is (and evaluation compiles it
// lazily, reporting its errors only where a context reaches them, as for any flag).
function representable(flag: Flag, c: CompiledFlag): boolean {
  const rules = flag.rules;
  return (
    typeof flag.key === 'string' &&
    typeof flag.version === 'number' &&
    typeof flag.enabled === 'boolean' &&
    (flag.salt === undefined || typeof flag.salt === 'string') &&
    (flag.prerequisites === undefined || Array.isArray(flag.prerequisites)) &&
    (rules === undefined || Array.isArray(rules)) &&
    c.disabled !== null &&
    servable(c.fallback) &&
    c.targets.every(
      (r, i) => r.conditions !== null && servable(r.serve) && (rules![i]!.id === undefined || typeof rules![i]!.id === 'string'),
    )
  );
}

/**
 * Compiles a flag into the form evaluation uses, ahead of time, and returns it as a
 * `Flag`: it reads as the original (fields, `JSON.stringify`), minus what evaluation
 * never reads (`clientSide`, `privateAttributes`, unknown fields), and `evaluate` uses it
 * without compiling again. Holding it instead of the flag document keeps one
 * representation per flag in memory. Results are identical to evaluating the original.
 *
 * Parts that are the same in many flags (prebuilt results, rollouts, what a flag serves
 * when off) are shared process-wide; rules and conditions are shared through `pool`. A
 * flag with anything malformed is returned as it is: evaluation then reports its errors
 * lazily, exactly as for any flag document. Never throws.
 *
 * @param flag the flag document; it is not modified
 * @param pool one per snapshot, to hold equal rules and conditions once
 */
export function compileFlag(flag: Flag, pool?: FlagPool): Flag {
  return hold(flag, pool, undefined);
}

function hold(flag: Flag, pool: FlagPool | undefined, key: string | undefined): Flag {
  if (flag instanceof Precompiled) return flag;
  try {
    const share = sharing(pool);
    const c = compile(flag, share);
    if (!representable(flag, c)) return flag;
    const outcomes = share<Outcomes>({
      type: c.type,
      variants: flag.variants,
      disabled: c.disabled,
      unmet: c.unmet,
      unbucketed: c.unbucketed,
    });
    const k = key === flag.key ? key : flag.key;
    if (c.salt === flag.key) c.salt = k;
    // Flags with the same rules (the same ids, conditions and serves) hold one list.
    if (pool !== undefined && c.targets.length > 0 && c.targets.every((r) => r.serve.results.every(plainResult))) {
      const list = `t${JSON.stringify(c.targets)}`;
      const hit = pool.get(list) as readonly CompiledRule[] | undefined;
      if (hit === undefined) pool.set(list, c.targets);
      else c.targets = hit;
    }
    return new HeldFlag(k, flag.version, c, outcomes);
  } catch {
    // Only hostile inputs (getters, proxies, BigInt values) get here; evaluation copes with them.
    return flag;
  }
}

/**
 * `compileFlag` for every flag of a snapshot's `flags`, sharing one pool, into a new
 * record with a null prototype. A flag whose `key` equals its record key holds the
 * record key's string: JSON.parse keeps one copy of each property name, and the `key`
 * value would be another copy per flag.
 */
export function compileFlags(flags: Record<string, Flag>): Record<string, Flag> {
  const out = Object.create(null) as Record<string, Flag>;
  const pool: FlagPool = new Map();
  for (const key of Object.keys(flags)) out[key] = hold(flags[key]!, pool, key);
  return out;
}
