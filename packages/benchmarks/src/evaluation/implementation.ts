import type { User } from './scenarios.js';

export type Role = 'floor' | 'subject' | 'peer';

/**
 * One evaluator under test, set up with the scenarios' flags and holding its own
 * contexts (built once, before timing, from the shared users, in its own shape).
 *
 * `run` is written out by hand in every implementation rather than shared: a shared
 * loop would make its call site polymorphic and charge every implementation for it.
 */
export interface Implementation {
  readonly id: string;
  readonly label: string;
  /** Package and version, e.g. `@growthbook/growthbook 1.8.0`. */
  readonly source: string;
  readonly role: Role;
  /** How it is called, for the report (e.g. `client.isOn(key, userContext)`). */
  readonly call: string;
  /** Evaluates `flagKey` for the user at `index` once: used to verify before timing. */
  evaluateUser(flagKey: string, index: number): boolean | Promise<boolean>;
  /** Evaluates `flagKey` `count` times, one user after another from `cursor` (wrapping); returns how many were on. */
  run(flagKey: string, count: number, cursor: number): number | Promise<number>;
  close(): Promise<void>;
}

export interface ImplementationFactory {
  (users: readonly User[]): Promise<Implementation>;
}
