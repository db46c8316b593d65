/**
 * The contract's answer types, with flag documents typed as `@switchboard/core`'s. The
 * contract types `Serve` and `Condition` loosely (both serve forms optional) so that a
 * bad request reaches the core validator, which names the faulty field; every answer has
 * passed that validator, so it holds core's exact forms.
 */
import type * as C from '@switchboard/api-contract';
import type { Condition, Rule, Serve } from '@switchboard/core';

type Targeting = { fallthrough: Serve; rules: Rule[] };

export type FlagConfig = Omit<C.FlagConfig, keyof Targeting> & Targeting;
export type ConfigVersion = Omit<C.ConfigVersion, keyof Targeting> & Targeting;
export type FlagSummary = Omit<C.FlagSummary, 'fallthrough'> & { fallthrough: Serve };
export type Flag = Omit<C.Flag, 'environments' | 'summary'> & { environments?: Record<string, FlagConfig>; summary?: FlagSummary };
export type Segment = Omit<C.Segment, 'conditions'> & { conditions: Condition[] };

export type FlagList = Omit<C.FlagList, 'flags'> & { flags: Flag[] };
export type FlagConfigList = Omit<C.FlagConfigList, 'environments'> & { environments: Record<string, FlagConfig> };
export type ConfigVersionList = Omit<C.ConfigVersionList, 'versions'> & { versions: ConfigVersion[] };
export type SegmentList = Omit<C.SegmentList, 'segments'> & { segments: Segment[] };
