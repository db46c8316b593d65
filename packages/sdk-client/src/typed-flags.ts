/**
 * Types for clients typed by the flags `switchboard codegen` generates:
 * `createClient<Flags>(…)` in either SDK. Types only: nothing here reaches a bundle.
 */
import type { EvaluationResult, FlagType, FlagValue } from '@switchboard/core';

/** One flag as codegen describes it: its type, its variants' names, the type of its values. */
export interface FlagDescription {
  type: FlagType;
  /** The union of its variant names. */
  variants: string;
  /** The type of its values (and so of the default a caller passes). */
  value: FlagValue;
  /** Served to client keys (browsers). */
  clientSide: boolean;
}

/** What a generated `Flags` type satisfies: a description per flag key. */
export type FlagDescriptions<F> = { [K in keyof F]: FlagDescription };

type KeyOf<F> = Extract<keyof F, string>;
/** Flag `K` of `F` as a description (the constraint the helpers below can't state on a mapped `F`). */
type Of<F, K extends keyof F> = F[K] extends FlagDescription ? F[K] : never;

/** Keys of the boolean flags: the only ones `isEnabled` takes. */
export type BooleanFlagKey<F> = { [K in KeyOf<F>]: Of<F, K>['type'] extends 'boolean' ? K : never }[KeyOf<F>];

/** The flags client keys receive. */
export type ClientSideFlags<F> = { [K in KeyOf<F> as Of<F, K>['clientSide'] extends true ? K : never]: F[K] };

/** What `variant()` returns for a typed flag: its value type and its variant names. */
export type TypedVariantResult<D extends FlagDescription, V = D['value']> = Omit<EvaluationResult<V>, 'variant'> & {
  /** The served variant; absent when the caller's default was returned on error. */
  variant?: D['variants'];
};

/** `isEnabled`, `variant` and `value` over the keys, variants and value types of `F`. */
export interface TypedEvaluation<F, User> {
  /** `true` only when a boolean flag serves `true`; `false` on any error. */
  isEnabled(flag: BooleanFlagKey<F>, user?: User): boolean;
  /** `{ value, variant, reason, errorCode?, ruleId? }`; without a default `value` is undefined on error. */
  variant<K extends KeyOf<F>>(flag: K, user: User, defaultValue: Of<F, K>['value']): TypedVariantResult<Of<F, K>>;
  variant<K extends KeyOf<F>>(flag: K, user?: User): TypedVariantResult<Of<F, K>, Of<F, K>['value'] | undefined>;
  /** The flag's value, or `defaultValue` on any error. */
  value<K extends KeyOf<F>>(flag: K, user: User, defaultValue: Of<F, K>['value']): Of<F, K>['value'];
}

/** A client whose evaluation methods are typed by `F`; everything else is the client's own. */
export type TypedClient<Client, F, User> = Omit<Client, keyof TypedEvaluation<F, User>> & TypedEvaluation<F, User>;
