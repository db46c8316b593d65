import { Type, type Static } from '@fastify/type-provider-typebox';
import { LIMITS } from '@switchboard/core/validate';
import { Condition, Key, Version } from '../flags/schemas.js';

const Members = Type.Array(Type.String({ maxLength: LIMITS.maxStringValueLength }), { maxItems: LIMITS.maxSegmentMembers });
const Conditions = Type.Array(Condition, { maxItems: LIMITS.maxConditionsPerRule });

export const CreateSegmentBody = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    included: Type.Optional(Members),
    excluded: Type.Optional(Members),
    conditions: Type.Optional(Conditions),
  },
  { additionalProperties: false },
);
export type CreateSegmentBody = Static<typeof CreateSegmentBody>;

export const UpdateSegmentBody = Type.Object(
  {
    version: Type.Optional(Version),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    included: Type.Optional(Members),
    excluded: Type.Optional(Members),
    conditions: Type.Optional(Conditions),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSegmentBody = Static<typeof UpdateSegmentBody>;

export const SegmentParams = Type.Object({ key: Key });
