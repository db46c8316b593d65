/**
 * The body of `POST /api/sdk/events`, which the Node and browser SDKs both send and the
 * server stores: this file is the contract (the SDK READMEs document it), with the limits
 * on an event's context that both sides apply. Times are epoch milliseconds.
 */
import type { EvaluationContext } from './snapshot.js';

// The limits of an entry (EVENT_LIMITS below) one by one, first in the file: esbuild then
// inlines them, so the browser SDK carries the numbers it uses and no object.
export const EVENT_FLAG_LENGTH = 256;
export const EVENT_NAME_LENGTH = 200;
export const EVENT_USER_ID_LENGTH = 512;
export const EVENT_VALUE_MAX = 1e15;

export interface EventsPayload {
  sdk: { name: string; version: string };
  /** Per flag and variant counts over a window. */
  evaluations: EvaluationSummary[];
  /** `track()` calls, oldest first. */
  events: TrackedEvent[];
  /** What the SDK had to drop since its last accepted batch; absent when nothing was. */
  dropped?: { events: number; evaluations: number };
  /** Distinct units per rolling-out flag and variant (at most UNIT_LIMITS.summaries); absent when none were counted. */
  units?: UnitSummary[];
}

/**
 * Distinct units the flag's fallthrough percentage rollout served `variant` in one window
 * (the SDK's flush interval). Only evaluations whose result came from the fallthrough
 * rollout count (reason `SPLIT` without a `ruleId`); release-plan guards compare arms in
 * these units, so a service that evaluates a flag 100 times per request counts one unit.
 */
export interface UnitSummary {
  flag: string;
  variant: string;
  /**
   * The units, each the 8-hex-digit murmur3 (x86 32-bit, seed 0, over the UTF-8 bytes: core's `unitId`) of
   * the bucketing attribute's value converted to a string; distinct; at most UNIT_LIMITS.perVariant.
   */
  units: string[];
  /** Distinct units beyond the bound, not listed (counted so the server knows the list is partial). */
  more?: number;
  windowStart: number;
  windowEnd: number;
}

export interface EvaluationSummary {
  flag: string;
  /** The served variant; `null` when the caller's default was returned (an error). */
  variant: string | null;
  count: number;
  windowStart: number;
  windowEnd: number;
}

export interface TrackedEvent {
  name: string;
  userId?: string;
  /** The context passed to `track`, without `userId`; absent when empty. */
  context?: EvaluationContext;
  value?: number;
  timestamp: number;
  /** The variant this context gets of each flag currently rolling out (at most 50). */
  variants?: Record<string, string>;
  /**
   * For each flag in `variants` that the context can be bucketed on (its fallthrough's
   * `bucketBy`, default `userId`), the context's unit (`unitId` of that attribute's value):
   * joins the event to the unit's arm even when the flag isn't bucketed by `userId`.
   */
  units?: Record<string, string>;
}

/**
 * What the server takes in a tracked event's `context`: at most `attributes` attributes,
 * names of at most `name` characters, values that are strings of at most `string`
 * characters, finite numbers, booleans, null, or arrays of those of at most `array` items.
 */
export const EVENT_CONTEXT_LIMITS = { attributes: 50, name: 128, string: 1024, array: 100 } as const;

/**
 * What the server takes in each entry of a batch; both SDKs trim or skip (and count in
 * `dropped`) what falls outside, and the server refuses such an entry on its own.
 * `flag`, `name` and `userId` are lengths in characters; `count` and `value` are bounds.
 */
export const EVENT_LIMITS = {
  flag: EVENT_FLAG_LENGTH,
  name: EVENT_NAME_LENGTH,
  userId: EVENT_USER_ID_LENGTH,
  count: 1e12,
  value: EVENT_VALUE_MAX,
} as const;

/** What the server takes in one batch: summaries, events, and flags one event is attributed to. */
export const EVENT_BATCH_LIMITS = { evaluations: 10_000, events: 1_000, variantsPerEvent: 50 } as const;

// UNIT_LIMITS (the bounds on unit summaries) and `unitId` (the unit of a value) are in
// units.ts, beside this file: the browser SDK, which doesn't count units, bundles this one,
// and an import here (murmur3) stops esbuild inlining the limits above into it.

/** True for text the server takes as a flag key or event name: 1 to `max` characters, no control characters. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
export const eventText = (s: unknown, max: number): s is string => typeof s == 'string' && /^[^\0-\x1f\x7f]+$/.test(s) && s.length <= max;

const scalar = (v: unknown): boolean =>
  v === null || typeof v === 'boolean' || Number.isFinite(v) || (typeof v === 'string' && v.length <= EVENT_CONTEXT_LIMITS.string);

/**
 * The attributes of `context` an event can carry (see EVENT_CONTEXT_LIMITS), copied;
 * undefined when none can. The rest (an object, a long string, a BigInt, the 51st
 * attribute) is left out: the server refuses a whole batch, evaluation counts and all,
 * for one attribute it can't take, and the event matters more than that attribute.
 */
export function eventContext(context: Readonly<Record<string, unknown>>): EvaluationContext | undefined {
  let out: EvaluationContext | undefined;
  let n = 0;
  for (const [name, value] of Object.entries(context)) {
    if (n === EVENT_CONTEXT_LIMITS.attributes) break;
    if (name.length > EVENT_CONTEXT_LIMITS.name) continue;
    if (Array.isArray(value) ? value.length <= EVENT_CONTEXT_LIMITS.array && value.every(scalar) : scalar(value)) {
      (out ??= {})[name] = Array.isArray(value) ? [...value] : value;
      n++;
    }
  }
  return out;
}
