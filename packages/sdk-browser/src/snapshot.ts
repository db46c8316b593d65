/**
 * What the browser holds: the client projection as the server sends it. Checks are
 * shallow on purpose — a flag with malformed rules still evaluates (to the caller's
 * default, `PARSE_ERROR`), so one bad flag never costs the rest. Held snapshots are
 * never mutated: every change makes a new one, so a pending update can't tear it (and
 * a bootstrap snapshot, which is served as given, must be treated as immutable too);
 * patches apply through @switchboard/sdk-client's `applyPatch`.
 */
import type { Snapshot } from '@switchboard/core';
import { isObject, type Patch } from '@switchboard/sdk-client';

/**
 * The client projection. A flag whose targeting reads a private attribute arrives as a
 * stub (`{ key, version, type, remote: true }`) that ./remote.ts has the server evaluate.
 */
export type ClientSnapshot = Snapshot;

/**
 * The snapshot (`type` 'put', the default) or patch, or undefined when the document isn't
 * one. One function for both: they share the object and revision checks.
 */
export function check(doc: unknown, type?: 'put'): ClientSnapshot | undefined;
export function check(doc: unknown, type: string): Patch | ClientSnapshot | undefined;
export function check(doc: unknown, type = 'put'): ClientSnapshot | Patch | undefined {
  return isObject(doc) &&
    Number.isSafeInteger(doc.revision) &&
    (doc.revision as number) >= 0 &&
    (type == 'put'
      ? doc.schemaVersion === 1 && isObject(doc.flags)
      : typeof doc.key == 'string' && (doc.flag === null || isObject(doc.flag)))
    ? (doc as unknown as ClientSnapshot | Patch)
    : undefined;
}

/**
 * Whether a snapshot, as JSON text, may use an operator whose code lives in the separately
 * loaded `@switchboard/core/operators` (`matches`, `before`, `after`, `semver*`). Read off
 * the text: compact, and a false positive (a JSON variant value shaped like a condition, an
 * unknown operator starting with "semver") only loads that code without need.
 */
export const usesExtended = (json: string): boolean => /"operator":"(matches|before|after|semver)/.test(json);
