/** What a tracked event carries beside its name: the variants of the flags that roll out. */
import type { Flag } from '@switchboard/core';

/** Variants of at most this many rolling-out flags are attached to an event (what the server takes). */
export const MAX_TRACKED_VARIANTS = 50;

/**
 * Keys of the flags with a rollout (at most MAX_TRACKED_VARIANTS): an event attributed
 * to the variants a user gets of them is what puts it in those flags' metrics. Read off
 * the JSON: a JSON variant value with a "rollout" field only adds a flag.
 */
export const rolloutFlags = (flags: Record<string, Flag>): string[] =>
  Object.keys(flags)
    .filter((k) => /"rollout"/.test(JSON.stringify(flags[k])))
    .slice(0, MAX_TRACKED_VARIANTS);
