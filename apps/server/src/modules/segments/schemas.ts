/** The segment routes' shapes are the API contract's (`@switchboard/api-contract`). */
export type { CreateSegmentBody, UpdateSegmentBody } from '@switchboard/api-contract';
