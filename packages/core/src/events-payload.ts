/**
 * The body of `POST /api/sdk/events`, which the Node and browser SDKs both send and the
 * server stores: this file is the contract (the SDK READMEs document it). Types only.
 * Times are epoch milliseconds.
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
