/** Segments: named groups of users, shared by every environment. */
import { Type, type Static } from 'typebox';
import { LIMITS } from '@switchboard/core/validate';
import { Key, Timestamp, Version, ref } from './common.js';
import { Condition } from './flags.js';

const Members = Type.Array(Type.String({ maxLength: LIMITS.maxStringValueLength }), {
  maxItems: LIMITS.maxSegmentMembers,
  examples: [['user-1842', 'user-977']],
});
const Conditions = Type.Array(Condition, { maxItems: LIMITS.maxConditionsPerRule });
const Name = Type.String({ minLength: 1, maxLength: 200, examples: ['Beta testers'] });
const Description = Type.String({ maxLength: 2000, examples: ['Customers who opted into early features'] });

export const Segment = Type.Object(
  {
    key: Key,
    name: Name,
    description: Description,
    included: Members,
    excluded: Members,
    conditions: Conditions,
    version: Version,
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  {
    $id: 'Segment',
    additionalProperties: false,
    description:
      'Members in `included` always match, those in `excluded` never; anyone else matches when every condition does. ETag: its version',
    examples: [
      {
        key: 'beta-testers',
        name: 'Beta testers',
        description: 'Customers who opted into early features',
        included: ['user-1842'],
        excluded: [],
        conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }],
        version: 2,
        createdAt: '2026-02-20T11:02:45.310Z',
        updatedAt: '2026-03-01T08:15:00.000Z',
      },
    ],
  },
);
export type Segment = Static<typeof Segment>;

export const SegmentList = Type.Object({ segments: Type.Array(ref(Segment)) }, { $id: 'SegmentList', additionalProperties: false });
export type SegmentList = Static<typeof SegmentList>;

export const CreateSegmentBody = Type.Object(
  {
    key: Key,
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    included: Type.Optional(Members),
    excluded: Type.Optional(Members),
    conditions: Type.Optional(Conditions),
  },
  { additionalProperties: false, examples: [{ key: 'beta-testers', included: ['user-1842'] }] },
);
export type CreateSegmentBody = Static<typeof CreateSegmentBody>;

export const UpdateSegmentBody = Type.Object(
  {
    version: Type.Optional(Version),
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    included: Type.Optional(Members),
    excluded: Type.Optional(Members),
    conditions: Type.Optional(Conditions),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ version: 2, excluded: ['user-977'] }] },
);
export type UpdateSegmentBody = Static<typeof UpdateSegmentBody>;

export const SegmentParams = Type.Object({ key: Key });
