/**
 * Checks one SDK batch entry by entry, so a bad entry costs only itself. Each entry is
 * refused (a JSON pointer and a reason), expired (older than the retention), dropped (a
 * flag or variant the key's environment doesn't have or the key can't see), or kept.
 * In memory over the instance's snapshot: no query per entry. Unit summaries are sorted
 * the same way; they aren't stored here but passed on to the release plans.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Flag } from '@switchboard/core';
import { createValidatorCompiler } from '../../plugins/validation.js';
import { minuteOf, saturatingAdd } from './aggregate.js';
import { EvaluationSummary, LIMITS, TrackedEvent, UnitSummary, type EventsAccepted, type EventsBody } from './schemas.js';

export interface Tally {
  evaluations: number;
  events: number;
}

export interface Rejection {
  path: string;
  reason: string;
}

/** What a key may count: its environment's flags, and whether only client-side ones. */
export interface KeyScope {
  flags: ReadonlyMap<string, Flag>;
  clientSideOnly: boolean;
}

/** Unit summaries per outcome, like a Tally's entries. */
export interface UnitTally {
  expired: number;
  dropped: number;
  invalid: number;
}

export interface CheckedBatch {
  evaluations: EvaluationSummary[];
  /** Their `variants` and `units` keep only flags and variants the key can see. */
  events: TrackedEvent[];
  units: UnitSummary[];
  unitTally: UnitTally;
  expired: Tally;
  /** Entries, as answered. */
  dropped: Tally;
  invalid: Tally;
  rejected: Rejection[];
  /** What the environment's dropped counter gains: evaluations (summed counts) and events. */
  lost: Tally;
}

const MAX_PATH = 300;
const zero = (): Tally => ({ evaluations: 0, events: 0 });

function rejection(base: string, error: ErrorObject | undefined): Rejection {
  const params = (error?.params ?? {}) as { additionalProperty?: string; missingProperty?: string };
  let path = base + (error?.instancePath ?? '');
  let reason = error?.message ?? 'is not valid';
  const escape = (name: string) => `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  if (error?.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    path += escape(params.additionalProperty);
    reason = 'is not a known property';
  } else if (error?.keyword === 'required' && params.missingProperty !== undefined) {
    path += escape(params.missingProperty);
    reason = 'is required';
  } else if (error?.keyword === 'pattern') {
    reason = 'has characters not allowed here';
  }
  return { path: path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path, reason };
}

/** Evaluations an invalid summary stood for, for the dropped counter: its count when that is usable, else one. */
function claimedCount(entry: unknown): number {
  const count = (entry as { count?: unknown } | null)?.count;
  return typeof count === 'number' && Number.isInteger(count) && count >= 0 ? Math.min(count, LIMITS.maxCount) : 1;
}

const visible = (scope: KeyScope, flagKey: string, variant: string | null): boolean => {
  const flag = scope.flags.get(flagKey);
  if (flag === undefined || (scope.clientSideOnly && flag.clientSide !== true)) return false;
  return variant === null || Object.prototype.hasOwnProperty.call(flag.variants, variant);
};

/** The first unit listed twice in a summary, by index. */
function repeatedUnit(units: readonly string[]): number | undefined {
  const seen = new Set<string>();
  for (let i = 0; i < units.length; i++) {
    if (seen.has(units[i]!)) return i;
    seen.add(units[i]!);
  }
  return undefined;
}

/** An event's attributions the key can make: flags and variants it can see, and units of those flags only. */
function visibleAttributions(scope: KeyScope, e: TrackedEvent): TrackedEvent {
  if (!e.variants && !e.units) return e;
  const variants = Object.entries(e.variants ?? {}).filter(([flag, variant]) => visible(scope, flag, variant));
  const kept = new Set(variants.map(([flag]) => flag));
  const units = Object.entries(e.units ?? {}).filter(([flag]) => kept.has(flag));
  if (variants.length === Object.keys(e.variants ?? {}).length && units.length === Object.keys(e.units ?? {}).length) return e;
  const { variants: _variants, units: _units, ...rest } = e;
  return {
    ...rest,
    ...(variants.length > 0 && { variants: Object.fromEntries(variants) }),
    ...(units.length > 0 && { units: Object.fromEntries(units) }),
  };
}

export class BatchChecker {
  private readonly evaluation: ValidateFunction;
  private readonly event: ValidateFunction;
  private readonly unit: ValidateFunction;

  constructor() {
    // The route's own compiler: the same strictness (no coercion, unknown properties refused).
    const compile = createValidatorCompiler();
    this.evaluation = compile({ schema: EvaluationSummary, httpPart: 'body', method: 'POST', url: '' }) as unknown as ValidateFunction;
    this.event = compile({ schema: TrackedEvent, httpPart: 'body', method: 'POST', url: '' }) as unknown as ValidateFunction;
    this.unit = compile({ schema: UnitSummary, httpPart: 'body', method: 'POST', url: '' }) as unknown as ValidateFunction;
  }

  /**
   * Sorts a batch's entries. Times more than `LIMITS.maxClockSkewMs` ahead of `now` are
   * refused; times before `oldestMs` expire.
   */
  check(body: EventsBody, scope: KeyScope, now: number, oldestMs: number): CheckedBatch {
    const latest = now + LIMITS.maxClockSkewMs;
    const oldestBucket = minuteOf(oldestMs);
    const out: CheckedBatch = {
      evaluations: [],
      events: [],
      units: [],
      unitTally: { expired: 0, dropped: 0, invalid: 0 },
      expired: zero(),
      dropped: zero(),
      invalid: zero(),
      rejected: [],
      lost: zero(),
    };
    const refuse = (kind: keyof Tally, r: Rejection, lost: number): void => {
      out.invalid[kind]++;
      out.lost[kind] = saturatingAdd(out.lost[kind], lost);
      if (out.rejected.length < LIMITS.maxRejections) out.rejected.push(r);
    };

    body.evaluations.forEach((entry, i) => {
      const at = `/evaluations/${i}`;
      if (!this.evaluation(entry)) return refuse('evaluations', rejection(at, this.evaluation.errors?.[0]), claimedCount(entry));
      const e = entry as EvaluationSummary;
      if (e.windowStart > e.windowEnd) return refuse('evaluations', { path: `${at}/windowStart`, reason: 'is after windowEnd' }, e.count);
      if (e.windowEnd > latest)
        return refuse('evaluations', { path: `${at}/windowEnd`, reason: "is ahead of the server's clock" }, e.count);
      if (minuteOf(e.windowEnd) < oldestBucket) {
        out.expired.evaluations++;
        return;
      }
      if (!visible(scope, e.flag, e.variant)) {
        out.dropped.evaluations++;
        out.lost.evaluations = saturatingAdd(out.lost.evaluations, e.count);
        return;
      }
      out.evaluations.push(e);
    });

    body.events.forEach((entry, i) => {
      const at = `/events/${i}`;
      if (!this.event(entry)) return refuse('events', rejection(at, this.event.errors?.[0]), 1);
      const e = entry as TrackedEvent;
      if (e.timestamp > latest) return refuse('events', { path: `${at}/timestamp`, reason: "is ahead of the server's clock" }, 1);
      if (minuteOf(e.timestamp) < oldestBucket) {
        out.expired.events++;
        return;
      }
      // The event still counts under its name; attributions the key can't make are left out.
      out.events.push(visibleAttributions(scope, e));
    });

    (body.units ?? []).forEach((entry, i) => {
      const at = `/units/${i}`;
      const refuseUnits = (r: Rejection): void => {
        out.unitTally.invalid++;
        if (out.rejected.length < LIMITS.maxRejections) out.rejected.push(r);
      };
      if (!this.unit(entry)) return refuseUnits(rejection(at, this.unit.errors?.[0]));
      const u = entry as UnitSummary;
      const repeated = repeatedUnit(u.units);
      if (repeated !== undefined)
        return refuseUnits({ path: `${at}/units/${repeated}`, reason: 'is listed twice; units must be distinct' });
      if (u.windowStart > u.windowEnd) return refuseUnits({ path: `${at}/windowStart`, reason: 'is after windowEnd' });
      if (u.windowEnd > latest) return refuseUnits({ path: `${at}/windowEnd`, reason: "is ahead of the server's clock" });
      if (minuteOf(u.windowEnd) < oldestBucket) {
        out.unitTally.expired++;
        return;
      }
      if (!visible(scope, u.flag, u.variant)) {
        out.unitTally.dropped++;
        return;
      }
      out.units.push(u);
    });
    return out;
  }
}

/** The answer for a batch with nothing stored (e.g. an empty one). */
export function nothingStored(checked?: CheckedBatch): EventsAccepted {
  return {
    accepted: zero(),
    expired: checked?.expired ?? zero(),
    dropped: checked?.dropped ?? zero(),
    invalid: checked?.invalid ?? zero(),
    rejected: checked?.rejected ?? [],
  };
}

/** Adds unit summaries to an answer's tallies, for a batch that had any. */
export function withUnits(answer: EventsAccepted, checked: CheckedBatch): EventsAccepted {
  const t = checked.unitTally;
  return {
    ...answer,
    accepted: { ...answer.accepted, units: checked.units.length },
    expired: { ...answer.expired, units: t.expired },
    dropped: { ...answer.dropped, units: t.dropped },
    invalid: { ...answer.invalid, units: t.invalid },
  };
}
