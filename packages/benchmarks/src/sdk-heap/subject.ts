import type { FlagSpec, ProbeUser } from '../flag-set.js';

/**
 * One SDK in the heap comparison. It is prepared once with the flags as the JSON text
 * its server would send (part of the baseline); every `create()` then builds a new
 * client from a fresh parse of that text, as a process receiving it over the wire
 * would, so no two clients share their flag data by accident.
 */
export interface HeapSubject {
  readonly id: string;
  readonly label: string;
  /** Package and version. */
  readonly source: string;
  /** How the client is set up and holds the flags, for the report. */
  readonly setup: string;
  /** False for auxiliary measurements that hold flags but serve no evaluations. */
  readonly serves: boolean;
  create(): Promise<unknown>;
  /** Evaluates every key for one user (one call where the SDK evaluates all flags at once). */
  evaluateAll(client: unknown, keys: readonly string[], user: ProbeUser): Promise<boolean[]>;
  close(client: unknown): Promise<void>;
}

export type HeapSubjectFactory = (specs: readonly FlagSpec[]) => Promise<HeapSubject>;

/** FNV-1a over UTF-16 code units, to 0–99,999: the hand-written bucketing an in-memory provider needs. */
export function fnvBucket(salt: string, id: string): number {
  const s = salt + id;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 100_000;
}
