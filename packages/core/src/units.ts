/**
 * Distinct-unit counting, part of the events contract (events-payload.ts): the bounds on a
 * batch's unit summaries and the unit of a bucketing value, shared by the SDKs and the server.
 */
import { murmur3 } from './murmur3.js';

/**
 * Bounds on unit summaries: units listed per summary (distinct units past it only add to
 * `more`) and summaries per batch. The server refuses a summary, or a batch, past them.
 */
export const UNIT_LIMITS = { perVariant: 10_000, summaries: 1_000 } as const;

/** A unit as the SDKs report it: murmur3 (x86 32-bit, seed 0) of the value's UTF-8 bytes, as 8 lowercase hex digits. */
export const unitId = (value: string): string => murmur3(value).toString(16).padStart(8, '0');
