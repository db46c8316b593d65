/**
 * The body of `POST /api/sdk/events`, which the Node and browser SDKs both send and the
 * server stores: this file is the contract (the SDK READMEs document it), with the limits
 * on an event's context that both sides apply. Times are epoch milliseconds.
 */
import type { EvaluationContext } from './snapshot.js';

export interface EventsPayload {
  sdk: { name: string; version: string };
  /** Per flag and variant counts over a window. */
  evaluations: EvaluationSummary[];
  /** `track()` calls, oldest first. */
  events: TrackedEvent[];
  /** What the SDK had to drop since its last accepted batch; absent when nothing was. */
  dropped?: { events: number; evaluations: number };
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
}

/**
 * What the server takes in a tracked event's `context`: at most `attributes` attributes,
 * names of at most `name` characters, values that are strings of at most `string`
 * characters, finite numbers, booleans, null, or arrays of those of at most `array` items.
 */
export const EVENT_CONTEXT_LIMITS = { attributes: 50, name: 128, string: 1024, array: 100 } as const;

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
